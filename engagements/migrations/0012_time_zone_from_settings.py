import zoneinfo

from django.conf import settings
from django.db import migrations, models

# What Program.time_zone declares, read when migrations load, as the model reads it when
# it loads: the default is DEFAULT_TIME_ZONE and the choices are this system's tz
# database (directory 0014 says why).
TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Migration(migrations.Migration):
    dependencies = [("engagements", "0011_mentor_newest_without_drafts")]

    operations = [
        migrations.AlterField(
            model_name="program",
            name="time_zone",
            field=models.CharField(
                choices=TIME_ZONE_CHOICES, default=settings.DEFAULT_TIME_ZONE, max_length=64
            ),
        ),
    ]
