from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0006_assessment_visit_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="templateversion",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
    ]
