"""Create the desk's role groups with their model permissions (reversible)."""

from django.db import migrations

# app_label.codename prefixes per role; "view"/"add"/"change" on the models each role works.
ROLE_PERMISSIONS = {
    "agent": [
        "tickets.view_ticket", "tickets.add_ticket", "tickets.change_ticket",
        "tickets.view_message", "tickets.add_message", "tickets.view_attachment",
        "tickets.add_attachment", "tickets.view_ticketevent",
        "contracts.view_reseller", "contracts.view_customer", "contracts.view_contact",
        "contracts.view_subscription", "contracts.view_product", "contracts.view_supportcontract",
        "sla.view_supportpolicy", "sla.view_policyrule",
    ],
    "subcontractor_agent": [
        "tickets.view_ticket", "tickets.change_ticket", "tickets.view_message",
        "tickets.add_message", "tickets.view_attachment", "tickets.add_attachment",
        "tickets.view_ticketevent",
    ],
    "reseller_api": [],
    "admin": "__all__",
}
ROLE_PERMISSIONS["supervisor"] = ROLE_PERMISSIONS["agent"] + [
    "contracts.change_customer", "contracts.change_contact", "sla.view_escalationrule",
]
ROLE_PERMISSIONS["manager"] = ROLE_PERMISSIONS["supervisor"] + [
    "sla.change_escalationrule", "sla.change_supportpolicy", "sla.change_policyrule",
]


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions needs.
        historical = getattr(app_config, "models_module", None) is None
        if historical:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if historical:
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if names == "__all__":
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label__in=["contracts", "tickets", "sla", "accounts",
                                                 "notifications"]
                )
            )
            continue
        perms = []
        for name in names:
            app_label, codename = name.split(".")
            perms.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("contracts", "0001_initial"),
        ("tickets", "0001_initial"),
        ("sla", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
