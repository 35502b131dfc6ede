from django.contrib.postgres.operations import CreateExtension, TrigramExtension
from django.db import migrations

# PostgreSQL only (the extensions skip themselves elsewhere): the embedded SQLite
# default searches with plain contains-lookups.
INDEX = "employee_search_vector_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON directory_employee USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        TrigramExtension(),
        CreateExtension("fuzzystrmatch"),
        migrations.RunPython(create_index, drop_index),
    ]
