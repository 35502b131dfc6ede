import zoneinfo

from django.conf import settings
from django.db import migrations, models

# What Employee.time_zone declares, read when migrations load, as the model reads it when
# it loads: the default is DEFAULT_TIME_ZONE and the choices are this system's tz
# database. Frozen values (0001 wrote 'Europe/London' and the zones of that day) made
# `makemigrations --check` report a change on any install with another DEFAULT_TIME_ZONE
# or tz database. Neither is in the database schema: no SQL runs.
TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Migration(migrations.Migration):
    dependencies = [("directory", "0013_employee_available_mentors_and_skill_holders")]

    operations = [
        migrations.AlterField(
            model_name="employee",
            name="time_zone",
            field=models.CharField(
                choices=TIME_ZONE_CHOICES, default=settings.DEFAULT_TIME_ZONE, max_length=64
            ),
        ),
    ]
