"""Organisations that work tickets and the profile that ties a user to one (Art. 12)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Organisation(models.Model):
    """Who does the work: the distributor itself or a subcontractor (再委託先, Art. 12)."""

    class Kind(models.TextChoices):
        DISTRIBUTOR = "distributor", _("ディストリビューター")
        SUBCONTRACTOR = "subcontractor", _("再委託先")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("組織")
        verbose_name_plural = _("組織")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """A user's place in the desk: the organisation an agent works for, or the one reseller
    an API user acts for (a reseller API user belongs to exactly one reseller)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属組織"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    reseller = models.ForeignKey(
        "contracts.Reseller",
        verbose_name=_("リセラー"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_users",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("プロフィール")
        verbose_name_plural = _("プロフィール")
        constraints = [
            # A reseller API user acts for its reseller only; it is never also a desk agent.
            models.CheckConstraint(
                condition=Q(reseller__isnull=True) | Q(organisation__isnull=True),
                name="profile_reseller_or_organisation",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)
