"""Hostile and broken employee files: each gets a report, line by line or for the whole
file, instead of a crash, and the directory stays exactly as it was."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory import tasks
from directory.forms import EmployeeImportForm
from directory.import_report import problem_report
from directory.models import Department, Employee, ImportRun, Skill

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,title,department,location,manager_email,skills,interests,linkedin_url\n"
ANA = "ana@example.com,Ana Lima,Engineer,Engineering,Lisbon,,Python,Go,\n"
# The same person, changed: were any of it saved, the directory would differ.
ANA_PROMOTED = "ana@example.com,Ana Lima,Principal Engineer,Platform,Porto,,Rust,Go,\n"
FIVE_MB = 5 * 1024 * 1024


def import_command(tmp_path: Path, data: str | bytes) -> list[str]:
    """Run the command on a file that must be refused; its report, "line N: problem"."""
    path = tmp_path / "people.csv"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_employees", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue().replace(f"{path}:", "line ").splitlines()


def snapshot() -> tuple:
    return (
        list(Employee.objects.order_by("pk").values()),
        list(Department.objects.order_by("pk").values()),
        list(Skill.objects.order_by("pk").values()),
        list(Employee.skills.through.objects.order_by("pk").values()),
    )


@pytest.fixture
def directory(tmp_path):
    """Ana, imported; returns the directory's state to compare with afterwards."""
    path = tmp_path / "ana.csv"
    path.write_text(HEADER + ANA)
    call_command("import_employees", str(path), stdout=StringIO())
    return snapshot()


def too_long(column: str, limit: int) -> str:
    if column in ("email", "manager_email"):
        return "a" * (limit + 1 - len("@example.com")) + "@example.com"
    if column == "linkedin_url":
        return "https://www.linkedin.com/in/" + "a" * (limit + 1 - 28)
    return "x" * (limit + 1)


def row_with(column: str, value: str) -> str:
    """Bo's row with one column set to `value`."""
    cells = dict.fromkeys(HEADER.strip().split(","), "")
    cells.update({"email": "bo@example.com", "full_name": "Bo Berg", column: value})
    return ",".join(cells.values()) + "\n"


# Each database column's limit is read from the model, so the test follows the model.
LIMITS = [
    ("full_name", Employee, "full_name"),
    ("title", Employee, "title"),
    ("email", Employee, "email"),
    ("manager_email", Employee, "email"),
    ("location", Employee, "location"),
    ("linkedin_url", Employee, "linkedin_url"),
    ("department", Department, "name"),
    ("skills", Skill, "name"),
    ("interests", Skill, "name"),
]


@pytest.mark.parametrize("column,model,name", LIMITS, ids=[c for c, _, _ in LIMITS])
def test_a_value_longer_than_its_column_is_reported_on_its_line(
    tmp_path, directory, column, model, name
):
    limit = model._meta.get_field(name).max_length
    value = too_long(column, limit)
    report = import_command(tmp_path, HEADER + ANA_PROMOTED + row_with(column, value))
    if column in ("skills", "interests"):
        assert report == [
            f"line 3: {column}: “{'x' * 59}…” is {limit + 1} characters long; the most is {limit}"
        ]
    else:
        assert report == [f"line 3: {column} is {limit + 1} characters long; the most is {limit}"]
    assert snapshot() == directory


def test_values_as_long_as_their_columns_are_imported_whole(tmp_path):
    longest = {
        column: "x" * model._meta.get_field(name).max_length
        for column, model, name in LIMITS
        if column in ("full_name", "title", "location", "department", "skills")
    }
    path = tmp_path / "people.csv"
    path.write_text(
        "email,full_name,title,location,department,skills\n"
        f"bo@example.com,{','.join(longest.values())}\n"
    )
    call_command("import_employees", str(path), stdout=StringIO())
    bo = Employee.objects.get(email="bo@example.com")
    assert bo.full_name == longest["full_name"] and bo.title == longest["title"]
    assert bo.location == longest["location"] and bo.department.name == longest["department"]
    assert [s.name for s in bo.skills.all()] == [longest["skills"]]


HOSTILE = {
    "a 5 MB cell": (
        HEADER + ANA_PROMOTED + f'bo@example.com,"{"x" * FIVE_MB}",,,,,,,\n',
        ["line 3: a value is longer than 131072 characters"],
    ),
    # Past a broken quoted value the reader cannot tell rows from the value's lines.
    "a 5 MB cell over many lines": (
        HEADER
        + ANA_PROMOTED
        + 'bo@example.com,"'
        + "x\n" * (FIVE_MB // 2)
        + '",,,,,,,\n'
        + "cy@,Cy,,,,,,,\n",
        ["line 3: a value is longer than 131072 characters; the lines after it were not checked"],
    ),
    "a 5 MB line": (
        HEADER + ANA_PROMOTED + "y" * FIVE_MB + "\n" + "cy@,Cy,,,,,,,\n",
        ["line 3: a value is longer than 131072 characters", "line 4: “cy@” is not a valid"],
    ),
    "a 5 MB header": (
        "email" * (FIVE_MB // 5) + "\n" + ANA_PROMOTED,
        ["line 1: the header cannot be read: a value is longer than 131072 characters"],
    ),
    # Each name once, the first 20: the whole list made one message of megabytes.
    "a million unknown columns": (
        "email,full_name," + ",".join(f"x{i}" for i in range(1_000_000)) + "\n" + ANA_PROMOTED,
        [
            "line 1: unknown column(s): x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, "
            "x13, x14, x15, x16, x17, x18, x19, and 999,980 more; allowed: email, full_name"
        ],
    ),
    "NUL bytes in a cell": (
        HEADER + ANA_PROMOTED + "bo@example.com,Bo\x00Berg,,,,,,,\n",
        ["line 3: the line contains a NUL character; is this really a CSV file?"],
    ),
    "NUL bytes in the header": (
        "email,full_name,ti\x00tle\n" + "ana@example.com,Ana Lima,Principal Engineer\n",
        ["line 1: unknown column(s): ti�tle; allowed: email, full_name"],
    ),
    "an empty file": ("", ["line 1: the file is empty"]),
    "only blank lines": ("\r\n\r\n\n", ["line 1: the file is empty"]),
    "a header and no rows": (HEADER, ["line 1: the file has a header but no employees"]),
    "a header and blank lines": (
        HEADER + "\n\n",
        ["line 1: the file has a header but no employees"],
    ),
    "an image": (
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        ["line 1: the file is not UTF-8 text; save it as “CSV UTF-8” and upload it again"],
    ),
    "a spreadsheet": (
        b"PK\x03\x04" + bytes(range(256)) * 4,
        ["line 1: this is a spreadsheet (or another zip file), not CSV; in Excel or LibreOffice"],
    ),
    "UTF-16": (
        (HEADER + ANA_PROMOTED).encode("utf-16"),
        ["line 1: the file is not UTF-8 text"],
    ),
    "Latin-1 on line 3": (
        (HEADER + ANA_PROMOTED + "bo@example.com,Bjørn Berg,,,,,,,\n").encode("latin-1"),
        ["line 3: the file is not UTF-8 text"],
    ),
    "JSON": (
        '[{"email": "ana@example.com", "full_name": "Ana Lima"}]\n',
        [
            'line 1: unknown column(s): [{"email": "ana@example.com"',
            "line 1: missing column(s): email, full_name",
        ],
    ),
    "prose": (
        "Dear HR,\nplease find the list attached.\n",
        [
            "line 1: unknown column(s): dear hr; allowed:",
            "line 1: missing column(s): email",
        ],
    ),
    "more fields than columns": (
        HEADER + ANA_PROMOTED + "bo@example.com,Bo,,,,,,,,surprise\n",
        ["line 3: more fields than columns (10 fields, 9 columns)"],
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_file_is_reported_and_changes_nothing(tmp_path, directory, case):
    data, expected = HOSTILE[case]
    report = import_command(tmp_path, data)
    assert len(report) == len(expected), report
    for line, fragment in zip(report, expected, strict=True):
        assert line.startswith(fragment)
    assert snapshot() == directory


def test_a_row_after_a_broken_line_is_still_checked(tmp_path, directory):
    report = import_command(
        tmp_path, HEADER + f'bo@example.com,"{"x" * FIVE_MB}",,,,,,,\n' + "cy@,Cy,,,,,,,\n"
    )
    assert report == [
        "line 2: a value is longer than 131072 characters",
        "line 3: “cy@” is not a valid email address",
    ]


@pytest.mark.parametrize(
    "case", ["a 5 MB cell", "NUL bytes in a cell", "an image", "a header and no rows"]
)
def test_a_hostile_upload_gets_the_report_page(admin, as_user, directory, case):
    data, expected = HOSTILE[case]
    data = data.encode() if isinstance(data, str) else data
    response = as_user(admin).post(
        reverse("directory:import"), {"file": SimpleUploadedFile("people.csv", data)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "nothing was imported" in html
    assert expected[0].split(": ", 1)[1].split("“")[0] in html
    assert snapshot() == directory


def wrong_on_every_line(rows: int) -> bytes:
    """Every email bad; every other name missing; every fourth level not a number."""
    return (
        "email,full_name,level\n"
        + "".join(
            f"bad{i},{'' if i % 2 == 0 else 'Bo'},{'x' if i % 4 == 0 else ''}\n"
            for i in range(rows)
        )
    ).encode()


def report_tables(html: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The report's (kind, lines) rows and its (line, problem) rows."""
    kinds = re.findall(r'<tr><td>([^<]*)</td><td class="num">([^<]*)</td></tr>', html)
    problems = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", html)
    return kinds, problems


KINDS_OF_20_000_ROWS = [
    ("“…” is not a valid email address", "20,000"),
    ("full_name is empty", "10,000"),
    ("level must be a whole number from … to …, not “…”", "5,000"),
]


def test_a_file_wrong_on_every_line_lists_the_first_problems_and_counts_the_rest(
    admin, as_user, directory
):
    response = as_user(admin).post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("people.csv", wrong_on_every_line(20_000))},
    )
    assert response.status_code == 200
    # All 35 000 problems made a page of 2.5 MB.
    assert len(response.content) < 200_000
    html = response.content.decode()
    assert "35,000 problems found — nothing was imported" in html
    kinds, problems = report_tables(html)
    assert kinds == KINDS_OF_20_000_ROWS
    assert len(problems) == 200
    assert problems[:4] == [
        ("2", "“bad0” is not a valid email address"),
        ("2", "full_name is empty"),
        ("2", "level must be a whole number from 1 to 20, not “x”"),
        ("3", "“bad1” is not a valid email address"),
    ]
    assert problems[-1][0] == "115"  # seven problems every four rows
    assert "… and 34,800 more problems." in html
    assert snapshot() == directory


def test_a_background_import_keeps_as_short_a_report(admin, as_user, directory, monkeypatch):
    monkeypatch.setattr(EmployeeImportForm, "MAX_ROWS", 100)
    client = as_user(admin)
    response = client.post(
        reverse("directory:import"),
        {"file": SimpleUploadedFile("people.csv", wrong_on_every_line(20_000))},
    )
    run = ImportRun.objects.get()
    tasks.import_file(run.pk)  # what the worker runs
    run.refresh_from_db()
    assert run.status == ImportRun.Status.REFUSED
    assert len(json.dumps(run.errors)) < 50_000
    html = client.get(response["Location"]).content.decode()
    assert len(html) < 200_000
    assert "35,000 problems found — nothing was imported" in html
    kinds, problems = report_tables(html)
    assert kinds == KINDS_OF_20_000_ROWS
    assert len(problems) == 200 and problems[0] == ("2", "“bad0” is not a valid email address")
    assert "… and 34,800 more problems." in html
    assert snapshot() == directory


@pytest.mark.parametrize("rows,listed,more", [(100, 200, None), (101, 200, "… and 2 more")])
def test_a_report_of_up_to_200_problems_lists_them_all(admin, as_user, rows, listed, more):
    # Two problems a row: an email with no domain, no name.
    data = "email,full_name\n" + "".join(f"p{i}@,\n" for i in range(rows))
    response = as_user(admin).post(
        reverse("directory:import"), {"file": SimpleUploadedFile("people.csv", data.encode())}
    )
    html = response.content.decode()
    kinds, problems = report_tables(html)
    assert len(problems) == listed
    if more:
        assert f"{more} problems." in html
        assert kinds == [("“…” is not a valid email address", "101"), ("full_name is empty", "101")]
    else:
        assert "more problem" not in html and kinds == []


def test_a_report_counts_at_most_twenty_kinds_of_problem():
    # No file today makes so many kinds; the JSON kept on a run stays small if one does.
    errors = [(line, f"problem {chr(ord('a') + line % 25)}") for line in range(1000)]
    report = problem_report(errors)
    assert len(report["kinds"]) == 20
    assert report["kinds"][0] == ["problem a", 40]
    assert report["kinds"][-1] == ["other kinds of problem", 6 * 40]
    assert len(report["shown"]) == 200 and report["more"] == 800
