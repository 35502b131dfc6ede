"""Background imports refused before their problems were kept as a bounded report
(directory.import_report.problem_report) kept a plain list of every problem: the run's
page now reads the report, so each list becomes one."""

from django.db import migrations

from directory.import_report import problem_report


def to_reports(apps, schema_editor):
    ImportRun = apps.get_model("directory", "ImportRun")
    for run in ImportRun.objects.filter(status="refused").only("errors").iterator():
        if isinstance(run.errors, list):
            run.errors = problem_report([(line, message) for line, message in run.errors])
            run.save(update_fields=["errors"])


class Migration(migrations.Migration):
    dependencies = [("directory", "0018_import_run_stopped")]

    operations = [migrations.RunPython(to_reports, migrations.RunPython.noop)]
