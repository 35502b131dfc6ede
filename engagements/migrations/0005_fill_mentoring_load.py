from django.db import migrations
from django.db.models import Count


def fill(apps, schema_editor):
    """The stored load starts as the count of each mentor's active engagements."""
    Employee = apps.get_model("directory", "Employee")
    Engagement = apps.get_model("engagements", "Engagement")
    Employee.objects.update(mentoring_load=0)
    loads = (
        Engagement.objects.filter(state="active")
        .values("mentor")
        .annotate(n=Count("pk"))
        .values_list("mentor", "n")
    )
    for mentor_id, n in loads:
        Employee.objects.filter(pk=mentor_id).update(mentoring_load=n)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_mentoring_load"),
        ("engagements", "0004_event_verbs"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
