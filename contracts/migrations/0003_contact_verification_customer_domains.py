"""Who verified a global admin, how and when (DOMAIN.md §12), and the further domains of a
customer's tenant (filled by the desk, later by the Partner Center sync)."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0002_one_contract_at_a_time'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='contact',
            name='global_admin_verification_method',
            field=models.CharField(blank=True, choices=[('phone_callback', '登録済みの電話番号への折り返し電話'), ('admin_center', 'Microsoft 365 管理センターで全体管理者ロールを確認')], max_length=20, verbose_name='確認方法'),
        ),
        migrations.AddField(
            model_name='contact',
            name='global_admin_verification_note',
            field=models.TextField(blank=True, verbose_name='確認の記録'),
        ),
        migrations.AddField(
            model_name='contact',
            name='global_admin_verified_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='確認したデスク担当者'),
        ),
        migrations.AddField(
            model_name='customer',
            name='domains',
            field=models.JSONField(blank=True, default=list, help_text='プライマリ ドメイン以外に、このテナントで確認済みのドメイン（1行に1つ）。全体管理者のメールアドレスはこれらのドメインにあれば確認済みになります。', verbose_name='その他のドメイン'),
        ),
        migrations.AddField(
            model_name='historicalcontact',
            name='global_admin_verification_method',
            field=models.CharField(blank=True, choices=[('phone_callback', '登録済みの電話番号への折り返し電話'), ('admin_center', 'Microsoft 365 管理センターで全体管理者ロールを確認')], max_length=20, verbose_name='確認方法'),
        ),
        migrations.AddField(
            model_name='historicalcontact',
            name='global_admin_verification_note',
            field=models.TextField(blank=True, verbose_name='確認の記録'),
        ),
        migrations.AddField(
            model_name='historicalcontact',
            name='global_admin_verified_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='確認したデスク担当者'),
        ),
        migrations.AddField(
            model_name='historicalcustomer',
            name='domains',
            field=models.JSONField(blank=True, default=list, help_text='プライマリ ドメイン以外に、このテナントで確認済みのドメイン（1行に1つ）。全体管理者のメールアドレスはこれらのドメインにあれば確認済みになります。', verbose_name='その他のドメイン'),
        ),
        migrations.AlterField(
            model_name='contact',
            name='global_admin_verified_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='デスクによる全体管理者確認日時'),
        ),
        migrations.AlterField(
            model_name='historicalcontact',
            name='global_admin_verified_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='デスクによる全体管理者確認日時'),
        ),
    ]
