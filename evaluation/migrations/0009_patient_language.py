# The patient's preferred language, for the handout. Only this change: the audit action choices
# that makemigrations also reports belong to other work in progress and get their own migration.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0008_audit_actions_security'),
    ]

    operations = [
        migrations.AddField(
            model_name='patient',
            name='preferred_language',
            field=models.CharField(choices=[('en', 'English'), ('es', 'Español')], default='en', help_text='The patient handout is printed in this language.', max_length=8, verbose_name='preferred language'),
        ),
    ]
