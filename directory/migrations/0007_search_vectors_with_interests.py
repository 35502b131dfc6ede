from django.db import migrations

# PostgreSQL only: every stored search vector again, now with the learning interests at
# the lowest weight (D), as directory/search.py::REFRESH_SQL writes them from now on.
# Copied rather than imported, so this migration keeps doing what it did.
REFRESH_ALL = [
    """UPDATE directory_employee AS e SET search_vector =
    setweight(to_tsvector('simple', e.full_name), 'A')
    || setweight(to_tsvector('english', coalesce((
        SELECT string_agg(s.name, ' ') FROM directory_employee_skills es
        JOIN directory_skill s ON s.id = es.skill_id WHERE es.employee_id = e.id), '')), 'A')
    || setweight(to_tsvector('english', e.title), 'B')
    || setweight(to_tsvector('english', coalesce((
        SELECT d.name FROM directory_department d WHERE d.id = e.department_id), '')), 'C')
    || setweight(to_tsvector('english', e.location || ' ' || e.bio), 'D')
    || setweight(to_tsvector('english', coalesce((
        SELECT string_agg(s.name, ' ') FROM directory_employee_interests ei
        JOIN directory_skill s ON s.id = ei.skill_id WHERE ei.employee_id = e.id), '')), 'D')
    """,
    """INSERT INTO directory_searchterm (word)
    SELECT DISTINCT u.lexeme FROM directory_employee e, unnest(e.search_vector) AS u(lexeme)
    WHERE length(u.lexeme) BETWEEN 2 AND 100
    ON CONFLICT (word) DO NOTHING""",
]


def refresh_all(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in REFRESH_ALL:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("directory", "0006_mentoring_load")]

    # Going back leaves the interests in the vectors: harmless to the older search.
    operations = [migrations.RunPython(refresh_all, migrations.RunPython.noop)]
