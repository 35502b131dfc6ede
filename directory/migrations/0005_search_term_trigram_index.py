from django.db import migrations

# PostgreSQL only: typo corrections look words up by trigram (see directory/search.py).
INDEX = "searchterm_word_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON directory_searchterm "
            "USING gin (word gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_mentoring_availability")]

    operations = [migrations.RunPython(create_index, drop_index)]
