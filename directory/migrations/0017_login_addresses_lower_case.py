"""Logins made before their addresses were kept in lower case (directory.logins): one
with capitals (`createsuperuser` keeps the case before the @) could never sign in, as
allauth looks a login up by the lowercased address."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Lower


def lower_case(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.exclude(email=Lower("email")).update(email=Lower(F("email")))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("directory", "0016_leavers_signed_out"),
    ]

    operations = [migrations.RunPython(lower_case, migrations.RunPython.noop)]
