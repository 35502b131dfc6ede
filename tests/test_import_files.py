"""Employee files as spreadsheets save them: columns separated by commas, semicolons
(Excel's "CSV" where the comma is the decimal mark) or tabs, with a byte-order mark and
Windows line ends; through the command and through the upload page alike."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory.models import Employee

pytestmark = pytest.mark.django_db

SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t"}
PEOPLE = [
    ["email", "full_name", "title", "skills", "bio"],
    ["ana@example.com", "Smith; Anna", "Engineer, Platform", "Python; Go", "Runs\tthe platform."],
    ["bo@example.com", "Bo Berg", "Manager", "Leadership", ""],
]


def saved_by_excel(separator: str, rows: list[list[str]]) -> bytes:
    """As Excel saves "CSV UTF-8": a byte-order mark, CRLF, and a value in quotes when it
    holds the separator or a quote."""

    def cell(value: str) -> str:
        if separator in value or '"' in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [separator.join(cell(value) for value in row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def command(tmp_path, data: bytes) -> str:
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    out = StringIO()
    call_command("import_employees", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def command_report(tmp_path, data: bytes) -> list[str]:
    """The command's report on a file it refuses, one "line N: problem" a line."""
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_employees", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue().replace(f"{path}:", "line ").splitlines()


def upload(client, data: bytes):
    return client.post(
        reverse("directory:import"), {"file": SimpleUploadedFile("people.csv", data)}
    )


def assert_people_imported() -> None:
    ana = Employee.objects.get(email="ana@example.com")
    assert ana.full_name == "Smith; Anna" and ana.title == "Engineer, Platform"
    assert {s.name for s in ana.skills.all()} == {"Python", "Go"}
    assert ana.bio == "Runs\tthe platform."
    assert Employee.objects.get(email="bo@example.com").title == "Manager"


@pytest.mark.parametrize("separator", SEPARATORS.values(), ids=list(SEPARATORS))
def test_the_command_imports_a_file_whatever_separates_its_columns(tmp_path, separator):
    out = command(tmp_path, saved_by_excel(separator, PEOPLE))
    assert "2 new, 0 updated, 0 unchanged" in out
    assert_people_imported()


@pytest.mark.parametrize("separator", SEPARATORS.values(), ids=list(SEPARATORS))
def test_the_upload_page_imports_a_file_whatever_separates_its_columns(admin, as_user, separator):
    client = as_user(admin)
    response = upload(client, saved_by_excel(separator, PEOPLE))
    assert response.status_code == 302
    assert "Imported: 2 new, 0 updated, 0 unchanged." in client.get(response["Location"]).text
    assert_people_imported()


def test_a_semicolon_file_reports_its_problems_on_their_lines(tmp_path):
    data = b"\r\nemail;full_name;level\r\nana@example.com;Ana;3\r\nbo@;Bo;high\r\n"
    assert command_report(tmp_path, data) == [
        "line 4: “bo@” is not a valid email address",
        "line 4: level must be a whole number from 1 to 20, not “high”",
    ]
    assert not Employee.objects.filter(email="ana@example.com").exists()


def test_a_header_split_by_another_character_is_told_the_separators_accepted(
    tmp_path, admin, as_user
):
    data = b"email|full_name\r\nana@example.com|Ana\r\n"
    report = command_report(tmp_path, data)
    assert report[-1] == (
        "line 1: missing column(s): email, full_name; "
        "columns are separated by commas, semicolons or tabs"
    )
    html = upload(as_user(admin), data).text
    assert "columns are separated by commas, semicolons or tabs" in html


def test_a_header_with_a_known_column_gets_no_separator_hint(tmp_path):
    report = command_report(tmp_path, b"email;name\r\nana@example.com;Ana\r\n")
    assert report[-1] == "line 1: missing column(s): full_name"


def formatted_beyond_the_data(rows: list[list[str]]) -> list[list[str]]:
    """The rows as Excel saves a sheet formatted past its data: two more columns with no
    name, and rows of empty cells (or a space) before, between and after the people."""
    width = len(rows[0]) + 2
    empty, space = [""] * width, [" "] * width
    padded = [row + [""] * (width - len(row)) for row in rows]
    return [empty, padded[0], empty, padded[1], space, *padded[2:], empty, empty]


@pytest.mark.parametrize("separator", SEPARATORS.values(), ids=list(SEPARATORS))
def test_rows_and_columns_formatted_but_empty_are_skipped(tmp_path, separator):
    data = saved_by_excel(separator, formatted_beyond_the_data(PEOPLE))
    assert data.count(f"{separator * 6}\r\n".encode()) == 4
    out = command(tmp_path, data)
    assert "2 new, 0 updated, 0 unchanged" in out
    assert_people_imported()


def test_the_upload_page_skips_rows_and_columns_formatted_but_empty(admin, as_user):
    client = as_user(admin)
    response = upload(client, saved_by_excel(";", formatted_beyond_the_data(PEOPLE)))
    assert response.status_code == 302
    assert "Imported: 2 new, 0 updated, 0 unchanged." in client.get(response["Location"]).text
    assert_people_imported()


def test_empty_cells_past_the_last_column_are_skipped(tmp_path):
    out = command(tmp_path, b"email,full_name\r\nana@example.com,Ana Lima,,\r\n")
    assert "1 new" in out
    assert Employee.objects.get(email="ana@example.com").full_name == "Ana Lima"


def test_a_value_under_a_column_with_no_name_is_reported_with_its_line_and_column(
    tmp_path, admin, as_user
):
    data = (
        b"email;full_name;;\r\n"
        b"ana@example.com;Ana Lima;;\r\n"
        b"bo@example.com;Bo Berg;;Platform team\r\n"
        b"cy@example.com;Cy Chen;x;\r\n"
    )
    assert command_report(tmp_path, data) == [
        "line 3: “Platform team” is in column 4, which has no name in the header",
        "line 4: “x” is in column 3, which has no name in the header",
    ]
    html = upload(as_user(admin), data).text
    assert "2 problems found — nothing was imported" in html
    assert "“Platform team” is in column 4, which has no name in the header" in html
    assert not Employee.objects.filter(email="ana@example.com").exists()


def test_a_value_past_the_last_column_is_still_reported(tmp_path):
    report = command_report(tmp_path, b"email,full_name\r\nana@example.com,Ana,,Lisbon\r\n")
    assert report == ["line 2: more fields than columns (4 fields, 2 columns)"]
