from django.conf import settings
from django.db import migrations


def create_default_program(apps, schema_editor):
    Program = apps.get_model("engagements", "Program")
    if not Program.objects.filter(is_default=True).exists():
        # The zone configured for this install (DEFAULT_TIME_ZONE), read now: the
        # historical model's default is whatever was set when 0001 was written.
        Program.objects.create(
            name="Micro-mentoring", is_default=True, time_zone=settings.DEFAULT_TIME_ZONE
        )


class Migration(migrations.Migration):
    dependencies = [("engagements", "0002_engagements")]

    operations = [migrations.RunPython(create_default_program, migrations.RunPython.noop)]
