"""Logins of people the directory already says left (active = no) close, as they now do
whenever someone leaves (directory.logins.logins_follow): before, a leaver could still
sign in."""

from django.db import migrations
from django.db.models import Q
from django.db.models.functions import Lower


def close_leavers_logins(apps, schema_editor):
    Employee = apps.get_model("directory", "Employee")
    User = apps.get_model("auth", "User")
    leavers = Employee.objects.filter(is_active=False)
    emails = leavers.annotate(address=Lower("email")).values("address")
    still_here = Employee.objects.filter(is_active=True).annotate(address=Lower("email"))
    logins = User.objects.annotate(address=Lower("email")).filter(
        Q(employee__in=leavers.values("pk")) | Q(address__in=emails)
    )
    # Someone both in and out of the directory (two rows for one address) keeps their login.
    logins = logins.exclude(
        Q(employee__is_active=True) | Q(address__in=still_here.values("address"))
    )
    logins.filter(is_active=True).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("directory", "0015_import_run_summary"),
    ]

    operations = [migrations.RunPython(close_leavers_logins, migrations.RunPython.noop)]
