"""Big employee files: the work the database sees does not grow with the number of rows
(timings are in bench/import_speed.py, not here: this machine's clock is shared)."""

import zoneinfo
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Employee

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,title,department,manager_email,skills,interests,time_zone\n"
ZONES = ["Europe/London", "Europe/Lisbon", "America/New_York", "Asia/Tokyo"]


def company(size: int, name: str, title: str = "Engineer", skills: str = "Python") -> str:
    """`size` people at `name`.example, ten reports a manager, each listed before their
    manager. A bigger company has more departments and skills (of its own, so each
    import creates some): one department for 100 people, one skill for 20."""
    departments, expertise = max(1, size // 100), max(1, size // 20)
    rows = []
    for i in range(size):
        manager = f"p{(i - 1) // 10}@{name}.example" if i else ""
        rows.append(
            f"p{i}@{name}.example,Person {i},{title},{name} {i % departments},{manager},"
            f"{skills} {name} {i % expertise};{name} {i % 3},{name} {i % 11},{ZONES[i % 4]}\n"
        )
    return HEADER + "".join(reversed(rows))


def import_counting_queries(tmp_path: Path, text: str) -> tuple[int, str]:
    path = tmp_path / "people.csv"
    path.write_text(text)
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("import_employees", str(path), stdout=out)
    return len(queries), out.getvalue()


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(tmp_path):
    counts = {}
    # Both above the size that triggers ANALYZE after the import (500 changed rows).
    for size, name in [(600, "small"), (3000, "large")]:
        created = import_counting_queries(tmp_path, company(size, name))
        assert f"{size} new, 0 updated, 0 unchanged" in created[1]
        again = import_counting_queries(tmp_path, company(size, name))
        assert f"0 new, 0 updated, {size} unchanged" in again[1]
        changed = import_counting_queries(tmp_path, company(size, name, "Lead", "Go"))
        assert f"0 new, {size} updated, 0 unchanged" in changed[1]
        counts[name] = (created[0], again[0], changed[0])
    assert counts["small"] == counts["large"]
    assert Employee.objects.get(email="p2999@large.example").manager.email == ("p299@large.example")
    lead = Employee.objects.get(email="p1234@large.example")
    assert lead.title == "Lead"
    assert {s.name for s in lead.skills.all()} == {"Go large 34", "large 1"}
    assert [s.name for s in lead.interests.all()] == ["large 2"]


def test_the_time_zone_database_is_not_read_for_each_row(tmp_path):
    # It takes about 15 ms a call: 20 000 rows took minutes.
    with mock.patch.object(zoneinfo, "available_timezones", side_effect=AssertionError):
        queries, out = import_counting_queries(tmp_path, company(50, "zoned"))
    assert "50 new" in out
    assert Employee.objects.get(email="p1@zoned.example").time_zone == "Europe/Lisbon"
