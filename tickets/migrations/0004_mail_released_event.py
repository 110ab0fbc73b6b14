"""The event of a held mail released by an agent who verified its sender (DOMAIN.md §12)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0003_sweep_indexes_open_tickets_only'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ticketevent',
            name='kind',
            field=models.CharField(choices=[('created', '起票'), ('status_changed', '状態変更'), ('severity_changed', '重大度変更'), ('assigned', '担当割り当て'), ('message_added', 'メッセージ追加'), ('first_response', '初回応答'), ('deadline_recomputed', '期限再計算'), ('at_risk', '期限間近'), ('breached', '期限超過'), ('escalated', 'エスカレーション'), ('reminder_sent', '回答のお願いを送信'), ('mail_released', '送信者を確認して保留メールを受付'), ('updated', '更新')], max_length=30, verbose_name='種類'),
        ),
    ]
