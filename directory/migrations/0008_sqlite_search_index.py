from django.db import migrations

# SQLite only (the embedded default): an FTS5 table, one row per employee (rowid = the
# employee's id), and a view of its words for the typo-correction vocabulary. Kept in
# step by directory/search.py::refresh_search_vectors; filled here for the employees a
# database already has. Copied rather than imported, so this migration keeps doing what
# it did.
NAMES = """coalesce((SELECT group_concat(s.name, ', ') FROM directory_employee_{0} x
    JOIN directory_skill s ON s.id = x.skill_id WHERE x.employee_id = e.id), '')"""
CREATE = [
    """CREATE VIRTUAL TABLE directory_employee_fts USING fts5(
        full_name, skills, title, department, location, bio, interests,
        tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE directory_employee_fts_vocab
        USING fts5vocab(directory_employee_fts, 'row')""",
    f"""INSERT INTO directory_employee_fts
        (rowid, full_name, skills, title, department, location, bio, interests)
    SELECT e.id, e.full_name, {NAMES.format("skills")}, e.title, coalesce(d.name, ''),
        e.location, e.bio, {NAMES.format("interests")}
    FROM directory_employee e LEFT JOIN directory_department d ON d.id = e.department_id""",
    """INSERT OR IGNORE INTO directory_searchterm (word)
    SELECT term FROM directory_employee_fts_vocab WHERE length(term) BETWEEN 2 AND 100""",
]
DROP = [
    "DROP TABLE IF EXISTS directory_employee_fts_vocab",
    "DROP TABLE IF EXISTS directory_employee_fts",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in CREATE:
            schema_editor.execute(sql, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in DROP:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_search_vectors_with_interests")]

    operations = [migrations.RunPython(create, drop)]
