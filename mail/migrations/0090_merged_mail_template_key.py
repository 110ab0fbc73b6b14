"""The merge notice to the customer is a MailTemplate key like the other customer mails, so an
admin can edit it (schema only; 0091 seeds its text)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mail', '0003_sender_authentication_and_release'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalmailtemplate',
            name='key',
            field=models.CharField(choices=[('acknowledgement', '受付確認'), ('reply', '回答'), ('held', '受付できないお問い合わせへのご案内'), ('attachments_dropped', '添付ファイル破棄のお知らせ'), ('waiting_reminder', 'ご回答のお願い（リマインダー）'), ('merged', 'お問い合わせ統合のお知らせ')], max_length=30, verbose_name='種類'),
        ),
        migrations.AlterField(
            model_name='mailtemplate',
            name='key',
            field=models.CharField(choices=[('acknowledgement', '受付確認'), ('reply', '回答'), ('held', '受付できないお問い合わせへのご案内'), ('attachments_dropped', '添付ファイル破棄のお知らせ'), ('waiting_reminder', 'ご回答のお願い（リマインダー）'), ('merged', 'お問い合わせ統合のお知らせ')], max_length=30, verbose_name='種類'),
        ),
    ]
