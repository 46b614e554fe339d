"""The "Data exporters" group, holding the "Data export" permission; the superuser adds people to it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_group(apps, schema_editor):
    # Permissions are normally created after migrations; make sure this one exists now.
    app_config = apps.get_app_config("interop")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Data exporters")
    group.permissions.set(Permission.objects.filter(content_type__app_label="interop", codename="export_data"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Data exporters").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("interop", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
