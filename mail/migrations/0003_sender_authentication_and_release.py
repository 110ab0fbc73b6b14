"""How a mail's sender was authenticated (DOMAIN.md §12), and an agent's release of a mail held
as sender_unauthenticated: who, when, how and why."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mail', '0002_default_schedules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalinboundmail',
            name='release_method',
            field=models.CharField(blank=True, choices=[('phone_callback', '登録済みの電話番号への折り返し電話'), ('admin_center', 'Microsoft 365 管理センターで全体管理者ロールを確認')], max_length=20, verbose_name='確認方法'),
        ),
        migrations.AddField(
            model_name='historicalinboundmail',
            name='release_reason',
            field=models.TextField(blank=True, verbose_name='解除の理由'),
        ),
        migrations.AddField(
            model_name='historicalinboundmail',
            name='released_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='解除日時'),
        ),
        migrations.AddField(
            model_name='historicalinboundmail',
            name='released_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='解除した担当者'),
        ),
        migrations.AddField(
            model_name='historicalinboundmail',
            name='sender_authentication',
            field=models.CharField(blank=True, choices=[('dmarc', 'DMARC（受信サーバーの判定）'), ('dkim', 'DKIM 署名（本システムで検証）'), ('released', '担当者が本人に確認して解除'), ('off', '確認なし（MAIL_SENDER_AUTH=off）'), ('failed', '認証されていない')], max_length=10, verbose_name='送信者の認証'),
        ),
        migrations.AddField(
            model_name='historicalinboundmail',
            name='sender_authentication_detail',
            field=models.CharField(blank=True, max_length=500, verbose_name='認証の詳細'),
        ),
        migrations.AddField(
            model_name='inboundmail',
            name='release_method',
            field=models.CharField(blank=True, choices=[('phone_callback', '登録済みの電話番号への折り返し電話'), ('admin_center', 'Microsoft 365 管理センターで全体管理者ロールを確認')], max_length=20, verbose_name='確認方法'),
        ),
        migrations.AddField(
            model_name='inboundmail',
            name='release_reason',
            field=models.TextField(blank=True, verbose_name='解除の理由'),
        ),
        migrations.AddField(
            model_name='inboundmail',
            name='released_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='解除日時'),
        ),
        migrations.AddField(
            model_name='inboundmail',
            name='released_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='解除した担当者'),
        ),
        migrations.AddField(
            model_name='inboundmail',
            name='sender_authentication',
            field=models.CharField(blank=True, choices=[('dmarc', 'DMARC（受信サーバーの判定）'), ('dkim', 'DKIM 署名（本システムで検証）'), ('released', '担当者が本人に確認して解除'), ('off', '確認なし（MAIL_SENDER_AUTH=off）'), ('failed', '認証されていない')], max_length=10, verbose_name='送信者の認証'),
        ),
        migrations.AddField(
            model_name='inboundmail',
            name='sender_authentication_detail',
            field=models.CharField(blank=True, max_length=500, verbose_name='認証の詳細'),
        ),
        migrations.AddConstraint(
            model_name='inboundmail',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('release_method', ''), ('release_reason', ''), ('released_at__isnull', True)), models.Q(('released_at__isnull', False), models.Q(('release_method', ''), _negated=True), models.Q(('release_reason', ''), _negated=True)), _connector='OR'), name='inbound_mail_release_complete'),
        ),
    ]
