"""The roles of the desk as Django groups (DEVELOPERS.md "Users and roles").

Each role is a group; permissions are granted by the data migration `0002_roles`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("エージェント")
    SUPERVISOR = "supervisor", _("スーパーバイザー")
    MANAGER = "manager", _("マネージャー")
    SUBCONTRACTOR_AGENT = "subcontractor_agent", _("再委託先エージェント")
    RESELLER_API = "reseller_api", _("リセラー API 利用者")
    ADMIN = "admin", _("管理者")


# Roles that work tickets in the agent workspace.
AGENT_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.SUBCONTRACTOR_AGENT})
