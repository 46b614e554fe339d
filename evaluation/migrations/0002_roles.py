"""The two roles as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CLINICIAN_PERMISSIONS = [
    "add_patient", "change_patient", "view_patient",
    "add_assessment", "change_assessment", "view_assessment", "sign_assessment",
]
TEMPLATE_ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("checklisttemplate", "templateversion", "section", "item", "rule", "templatecase")
    for action in ("add", "change", "delete", "view")
] + ["view_auditevent"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    app_config = apps.get_app_config("evaluation")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Clinicians", CLINICIAN_PERMISSIONS), ("Template admins", TEMPLATE_ADMIN_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="evaluation", codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Clinicians", "Template admins"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
