"""Every account made before profiles existed gets one, so code can rely on ``user.profile``."""

from django.conf import settings
from django.db import migrations


def create_profiles(apps, schema_editor):
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    profile_model = apps.get_model("accounts", "Profile")
    missing = user_model.objects.filter(profile__isnull=True).values_list("pk", flat=True)
    profile_model.objects.bulk_create([profile_model(user_id=pk) for pk in missing])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_profile_and_failed_sign_ins"),
    ]

    operations = [migrations.RunPython(create_profiles, migrations.RunPython.noop)]
