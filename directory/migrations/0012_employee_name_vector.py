import django.contrib.postgres.search
from django.db import migrations

# PostgreSQL only (SQLite searches its FTS5 table): every name's vector, as
# directory/search.py::REFRESH_SQL writes it from now on. Copied rather than imported,
# so this migration keeps doing what it did.
FILL = "UPDATE directory_employee SET name_vector = to_tsvector('simple', full_name)"


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL, params=None)


class Migration(migrations.Migration):
    dependencies = [("directory", "0011_employee_active_ranking_index")]

    operations = [
        migrations.AddField(
            model_name="employee",
            name="name_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
