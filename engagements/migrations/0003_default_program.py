from django.db import migrations


def create_default_program(apps, schema_editor):
    Program = apps.get_model("engagements", "Program")
    if not Program.objects.filter(is_default=True).exists():
        Program.objects.create(name="Micro-mentoring", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("engagements", "0002_engagements")]

    operations = [migrations.RunPython(create_default_program, migrations.RunPython.noop)]
