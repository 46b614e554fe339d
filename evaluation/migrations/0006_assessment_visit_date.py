import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0005_search_and_stored_handout"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="visit_date",
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name="visit date"),
        ),
        migrations.AddField(
            model_name="templatecase",
            name="context",
            field=models.JSONField(blank=True, default=dict, verbose_name="patient context"),
        ),
    ]
