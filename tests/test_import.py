"""Importing the employee list: through the command and the admin's upload page."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory import tasks
from directory.forms import EmployeeImportForm
from directory.importing import import_employees_csv
from directory.models import Department, Employee, ImportRun, Skill
from directory.search import search_employees
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,title,department,location,manager_email,level,skills,interests,bio\n"
GOOD = HEADER + (
    # Managers are referenced in any row order: Ana reports to Bo, who comes later.
    "ana@example.com,Ana Lima,Engineer,Engineering,Lisbon,bo@example.com,2,Python;Go,Kubernetes,\n"
    "bo@example.com,Bo Berg,Engineering Manager,Engineering,Berlin,cy@example.com,5,"
    "Python; Leadership ,,Manages the platform team.\n"
    "cy@example.com,Cy Chen,CTO,Engineering,London,,8,Leadership,,\n"
)


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def import_file(tmp_path: Path, text: str | bytes) -> tuple[str, str]:
    """Run the command; return (stdout, stderr). Raises CommandError on a bad file."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_employees", str(write(tmp_path, text)), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_creates_people_with_managers_skills_and_interests(tmp_path):
    out, _ = import_file(tmp_path, GOOD)
    assert "3 new, 0 updated, 0 unchanged" in out
    ana = Employee.objects.get(email="ana@example.com")
    assert ana.manager.email == "bo@example.com"
    assert ana.manager.manager.email == "cy@example.com"
    assert ana.level == 2 and ana.location == "Lisbon" and ana.department.name == "Engineering"
    assert {s.name for s in ana.skills.all()} == {"Python", "Go"}
    assert [s.name for s in ana.interests.all()] == ["Kubernetes"]
    bo = Employee.objects.get(email="bo@example.com")
    assert {s.name for s in bo.skills.all()} == {"Python", "Leadership"}
    assert Skill.objects.filter(name="Python").count() == 1
    assert [e.full_name for e in search_employees(Employee.objects, "pyton")] == [
        "Ana Lima",
        "Bo Berg",
    ]


def test_importing_the_same_file_again_changes_nothing(tmp_path):
    import_file(tmp_path, GOOD)
    before = list(Employee.objects.order_by("pk").values())
    out, _ = import_file(tmp_path, GOOD)
    assert "0 new, 0 updated, 3 unchanged" in out
    assert list(Employee.objects.order_by("pk").values()) == before


def test_a_changed_row_updates_that_person_only(tmp_path):
    import_file(tmp_path, GOOD)
    out, _ = import_file(
        tmp_path,
        GOOD.replace("Ana Lima,Engineer", "Ana Lima,Senior Engineer").replace(
            "Python;Go,", "Python,"
        ),
    )
    assert "0 new, 1 updated, 2 unchanged" in out
    ana = Employee.objects.get(email="ana@example.com")
    assert ana.title == "Senior Engineer"
    assert [s.name for s in ana.skills.all()] == ["Python"]


def test_emails_are_matched_whatever_their_case(tmp_path):
    import_file(tmp_path, GOOD)
    out, _ = import_file(tmp_path, GOOD.replace("ana@example.com", "ANA@Example.com"))
    assert "3 unchanged" in out
    assert Employee.objects.count() == 3


def test_a_manager_already_in_the_directory_may_be_referenced(tmp_path):
    import_file(tmp_path, GOOD)
    out, _ = import_file(tmp_path, HEADER + "dee@example.com,Dee Diaz,,,,cy@example.com,,,,\n")
    assert "1 new" in out
    assert Employee.objects.get(email="dee@example.com").manager.full_name == "Cy Chen"


BAD_CASES = {
    "unknown column": (
        "email,full_name,shoe_size\nana@example.com,Ana,42\n",
        ["line 1: unknown column(s): shoe_size"],
    ),
    "bad email": (
        HEADER + "ana@example.com,Ana,,,,,,,,\nnot-an-email,Bo,,,,,,,,\nbo@,Bo,,,,,,,,\n",
        ["line 3: “not-an-email” is not a valid email address", "line 4: “bo@” is not"],
    ),
    "manager not found": (
        HEADER + "ana@example.com,Ana,,,,ghost@example.com,,,,\n"
        "bo@example.com,Bo,,,,nobody@example.com,,,,\n",
        ["line 2: manager ghost@example.com not found", "line 3: manager nobody@example.com"],
    ),
    "manager cycle": (
        HEADER + "ana@example.com,Ana,,,,bo@example.com,,,,\n"
        "bo@example.com,Bo,,,,cy@example.com,,,,\n"
        "cy@example.com,Cy,,,,ana@example.com,,,,\n"
        "dee@example.com,Dee,,,,,,,,\n",
        [
            "line 2: manager cycle: ana@example.com → bo@example.com → cy@example.com → ana",
            "line 3: manager cycle",
            "line 4: manager cycle",
        ],
    ),
    "own manager": (
        HEADER + "ana@example.com,Ana,,,,ana@example.com,,,,\n",
        ["line 2: manager cycle: ana@example.com → ana@example.com"],
    ),
    "duplicate email": (
        HEADER
        + "ana@example.com,Ana,,,,,,,,\nbo@example.com,Bo,,,,,,,,\nAna@example.com,A2,,,,,,,,\n",
        ["line 4: duplicate email ana@example.com (first on line 2)"],
    ),
    "bad level and flags": (
        "email,full_name,level,open_to_mentoring,mentoring_capacity,time_zone\n"
        "ana@example.com,Ana,senior,maybe,99,Mars/Olympus\n",
        [
            "line 2: level must be a whole number from 1 to 20, not “senior”",
            "line 2: open_to_mentoring must be yes or no, not “maybe”",
            "line 2: mentoring_capacity must be a whole number from 0 to 10, not “99”",
            "line 2: unknown time zone “Mars/Olympus”",
        ],
    ),
    # A profile could not show or save a zone outside its list.
    "time zone a profile does not offer": (
        "email,full_name,time_zone\nana@example.com,Ana,UTC\n",
        ["line 2: unknown time zone “UTC”; use a name such as"],
    ),
    "empty email and name": (
        HEADER + "ana@example.com,Ana,,,,,,,,\n,,Engineer,,,,,,,\n",
        ["line 3: email is empty", "line 3: full_name is empty"],
    ),
    "a column given twice": (
        "email,full_name,title,Title\nana@example.com,Ana,Engineer,Boss\n",
        ["line 1: column(s) given twice: title"],
    ),
    "every kind at once": (
        "email,full_name,manager_email,level,shoe_size\n"
        "ana@example.com,Ana,bo@example.com,2,\n"
        "not-an-email,Nobody,,,\n"
        "cy@example.com,Cy,ghost@example.com,,\n"
        "bo@example.com,Bo,ana@example.com,99,\n"
        "ANA@example.com,Ana Again,,,42\n",
        [
            "line 1: unknown column(s): shoe_size",
            "line 2: manager cycle: ana@example.com → bo@example.com → ana@example.com",
            "line 3: “not-an-email” is not a valid email address",
            "line 4: manager ghost@example.com not found",
            "line 5: level must be a whole number from 1 to 20, not “99”",
            "line 5: manager cycle: bo@example.com → ana@example.com → bo@example.com",
            "line 6: duplicate email ana@example.com (first on line 2)",
        ],
    ),
}


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_a_bad_file_reports_every_bad_row_and_imports_nothing(tmp_path, case):
    text, expected = BAD_CASES[case]
    with pytest.raises(CommandError, match="nothing was imported"):
        import_file(tmp_path, text)
    assert Employee.objects.count() == 0
    assert Skill.objects.count() == 0


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_the_report_names_each_bad_line(tmp_path, case, capsys):
    from io import StringIO

    text, expected = BAD_CASES[case]
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_employees", str(write(tmp_path, text)), stderr=err)
    report = err.getvalue().replace(f"{tmp_path / 'people.csv'}:", "line ")
    for line in expected:
        assert line in report


def report_of(tmp_path, text: str | bytes) -> list[str]:
    """The command's report on a bad file, one "line N: problem" a line."""
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_employees", str(write(tmp_path, text)), stderr=err)
    return err.getvalue().replace(f"{tmp_path / 'people.csv'}:", "line ").splitlines()


def test_managers_are_checked_even_when_other_rows_are_bad(tmp_path):
    report = report_of(
        tmp_path,
        HEADER + "ana@example.com,Ana,,,,,,,,\n"
        "bo@,Bo,,,,,,,,\n"
        "cy@example.com,Cy,,,,ghost@example.com,,,,\n",
    )
    assert report == [
        "line 3: “bo@” is not a valid email address",
        "line 4: manager ghost@example.com not found",
    ]


def test_the_report_of_every_kind_of_problem_is_in_line_order(tmp_path):
    text, expected = BAD_CASES["every kind at once"]
    report = report_of(tmp_path, text)
    assert len(report) == len(expected)
    for line, fragment in zip(report, expected, strict=True):
        assert line.startswith(fragment)


def test_a_manager_with_a_bad_address_is_not_also_reported_missing(tmp_path):
    report = report_of(tmp_path, HEADER + "ana@example.com,Ana,,,,boss@,,,,\n")
    assert report == ["line 2: manager_email “boss@” is not a valid email address"]


def test_a_loop_through_people_already_in_the_directory_is_a_cycle(tmp_path):
    import_file(tmp_path, GOOD)
    # Ana, not in this file, reports to Bo in the directory; Bo would report to Dee,
    # and Dee to Ana.
    report = report_of(
        tmp_path,
        HEADER + "bo@example.com,Bo Berg,,,,dee@example.com,,,,\n"
        "dee@example.com,Dee Diaz,,,,ana@example.com,,,,\n",
    )
    bo, dee, ana = "bo@example.com", "dee@example.com", "ana@example.com"
    assert report == [
        f"line 2: manager cycle: {bo} → {dee} → {ana} → {bo}",
        f"line 3: manager cycle: {dee} → {ana} → {bo} → {dee}",
    ]


def test_a_long_cycle_is_shown_shortened(tmp_path):
    people = [f"p{i}@example.com" for i in range(20)]
    rows = "".join(f"{p},P,,,,{people[i - 1]},,,,\n" for i, p in enumerate(people))
    report = report_of(tmp_path, HEADER + rows)
    assert len(report) == 20
    assert report[0] == (
        "line 2: manager cycle: p0@example.com → p19@example.com → p18@example.com"
        " → … 16 more … → p1@example.com → p0@example.com"
    )


def test_a_person_added_by_hand_with_capitals_is_updated_not_duplicated(tmp_path):
    EmployeeFactory(full_name="Ana Lima", email="Ana.Lima@Example.com")
    out, _ = import_file(tmp_path, HEADER + "ana.lima@example.com,Ana Lima,Engineer,,,,,,,\n")
    assert "0 new, 1 updated" in out
    assert Employee.objects.get(email__iexact="ana.lima@example.com").title == "Engineer"


def test_a_file_in_the_wrong_encoding_is_refused_with_its_line(tmp_path):
    latin1 = (HEADER + "ana@example.com,Ana,,,,,,,,\nbo@example.com,Bjørn Berg,,,,,,,,\n").encode(
        "latin-1"
    )
    with pytest.raises(CommandError):
        call_command("import_employees", str(write(tmp_path, latin1)))
    assert Employee.objects.count() == 0


def test_a_bad_file_leaves_existing_people_untouched(tmp_path):
    import_file(tmp_path, GOOD)
    before = list(Employee.objects.order_by("pk").values())
    bad = GOOD.replace("Ana Lima,Engineer", "Ana Renamed,Engineer") + "oops,Nobody,,,,,,,,\n"
    with pytest.raises(CommandError):
        import_file(tmp_path, bad)
    assert list(Employee.objects.order_by("pk").values()) == before


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_employees", str(tmp_path / "nope.csv"))


# Every column: Ana as a re-import of part of the file must leave her.
EVERY_COLUMN = (
    "email,full_name,title,department,location,manager_email,level,skills,interests,bio,"
    "linkedin_url,time_zone,open_to_mentoring,mentoring_capacity,active\n"
    "bo@example.com,Bo Berg,Manager,Engineering,Berlin,,5,Leadership,,,,,,,\n"
    "ana@example.com,Ana Lima,Engineer,Engineering,Lisbon,bo@example.com,3,Python;Go,"
    "Kubernetes,Runs the platform.,https://www.linkedin.com/in/ana,Europe/Lisbon,no,4,yes\n"
)


def ana_as_imported() -> dict:
    ana = Employee.objects.get(email="ana@example.com")
    return {
        "department": ana.department.name,
        "location": ana.location,
        "manager": ana.manager.email,
        "level": ana.level,
        "skills": sorted(s.name for s in ana.skills.all()),
        "interests": [s.name for s in ana.interests.all()],
        "bio": ana.bio,
        "linkedin_url": ana.linkedin_url,
        "time_zone": ana.time_zone,
        "open_to_mentoring": ana.open_to_mentoring,
        "mentoring_capacity": ana.mentoring_capacity,
    }


def test_columns_left_out_of_the_file_are_left_unchanged(tmp_path):
    import_file(tmp_path, EVERY_COLUMN)
    before = ana_as_imported()
    out, _ = import_file(tmp_path, "email,full_name,title\nana@example.com,Ana Lima,Lead\n")
    assert "0 new, 1 updated, 0 unchanged" in out
    ana = Employee.objects.get(email="ana@example.com")
    assert ana.title == "Lead" and ana.is_active
    assert (
        ana_as_imported()
        == before
        == {
            "department": "Engineering",
            "location": "Lisbon",
            "manager": "bo@example.com",
            "level": 3,
            "skills": ["Go", "Python"],
            "interests": ["Kubernetes"],
            "bio": "Runs the platform.",
            "linkedin_url": "https://www.linkedin.com/in/ana",
            "time_zone": "Europe/Lisbon",
            "open_to_mentoring": False,
            "mentoring_capacity": 4,
        }
    )


def test_a_leaver_file_deactivates_without_wiping_what_people_typed(tmp_path):
    import_file(tmp_path, EVERY_COLUMN)
    Employee.objects.filter(email="ana@example.com").update(bio="I typed this myself.")
    out, _ = import_file(tmp_path, "email,full_name,active\nana@example.com,Ana Lima,no\n")
    assert "0 new, 1 updated, 0 unchanged" in out
    ana = Employee.objects.get(email="ana@example.com")
    assert not ana.is_active
    assert ana.bio == "I typed this myself."
    assert ana.department.name == "Engineering" and ana.manager.email == "bo@example.com"


def test_a_partial_file_that_matches_the_directory_changes_nothing(tmp_path):
    import_file(tmp_path, EVERY_COLUMN)
    before = list(Employee.objects.order_by("pk").values())
    out, _ = import_file(tmp_path, "email,full_name,location\nana@example.com,Ana Lima,Lisbon\n")
    assert "0 new, 0 updated, 1 unchanged" in out
    assert list(Employee.objects.order_by("pk").values()) == before


def test_an_empty_cell_in_a_column_the_file_has_still_clears_it(tmp_path):
    import_file(tmp_path, EVERY_COLUMN)
    out, _ = import_file(
        tmp_path,
        "email,full_name,department,manager_email,level,skills,interests,bio,time_zone,"
        "open_to_mentoring,mentoring_capacity\nana@example.com,Ana Lima,,,,,,,,,\n",
    )
    assert "0 new, 1 updated, 0 unchanged" in out
    ana = Employee.objects.get(email="ana@example.com")
    assert ana.department is None and ana.manager is None
    assert not ana.skills.exists() and not ana.interests.exists()
    assert ana.bio == "" and ana.level == 1 and ana.time_zone == settings.DEFAULT_TIME_ZONE
    assert ana.open_to_mentoring and ana.mentoring_capacity == 2
    # Left out of that file, so kept.
    assert ana.location == "Lisbon" and ana.linkedin_url == "https://www.linkedin.com/in/ana"


def test_new_people_in_a_partial_file_get_the_defaults(tmp_path):
    import_file(tmp_path, EVERY_COLUMN)
    out, _ = import_file(
        tmp_path,
        "email,full_name,title\nana@example.com,Ana Lima,Engineer\n"
        "dee@example.com,Dee Diaz,Designer\n",
    )
    assert "1 new, 0 updated, 1 unchanged" in out
    dee = Employee.objects.get(email="dee@example.com")
    assert dee.title == "Designer" and dee.department is None and dee.manager is None
    assert dee.level == 1 and dee.time_zone == settings.DEFAULT_TIME_ZONE and dee.bio == ""
    assert dee.open_to_mentoring and dee.mentoring_capacity == 2 and dee.is_active
    assert not dee.skills.exists() and not dee.interests.exists()


def test_the_result_names_the_departments_and_skills_the_import_created(tmp_path):
    import_file(tmp_path, EVERY_COLUMN)
    result = import_employees_csv(
        b"email,full_name,department,skills,interests\n"
        b"ana@example.com,Ana Lima,Brand New Dept,Python;Underwater basket weaving,Knitting\n"
        b"bo@example.com,Bo Berg,Engineering,Leadership,knitting\n"
    )
    assert result.ok
    assert result.new_departments == ["Brand New Dept"]
    assert result.new_skills == ["Underwater basket weaving", "Knitting"]
    assert result.summary == (
        "0 new, 2 updated, 0 unchanged. New departments: Brand New Dept. "
        "New skills: Underwater basket weaving, Knitting."
    )
    assert Department.objects.filter(name="Brand New Dept").exists()


def test_the_command_names_the_departments_and_skills_it_created(tmp_path):
    out, _ = import_file(
        tmp_path, "email,full_name,department,skills\nana@example.com,Ana,Brand New Dept,Go\n"
    )
    assert "1 new, 0 updated, 0 unchanged. New departments: Brand New Dept. New skills: Go." in out


def test_the_result_names_nothing_new_when_nothing_was_created(tmp_path):
    import_file(tmp_path, EVERY_COLUMN)
    result = import_employees_csv(EVERY_COLUMN.encode())
    assert result.summary == "0 new, 0 updated, 2 unchanged."


def test_the_result_names_a_few_of_many_new_departments():
    rows = "".join(f"p{i}@example.com,P,Dept {i:02}\n" for i in range(25))
    result = import_employees_csv(("email,full_name,department\n" + rows).encode())
    assert len(result.new_departments) == 25
    assert result.summary.endswith("Dept 18, Dept 19, and 5 more.")


class TestUploadPage:
    url = reverse("directory:import")

    def upload(self, client, text: str | bytes):
        data = text.encode() if isinstance(text, str) else text
        return client.post(self.url, {"file": SimpleUploadedFile("people.csv", data)})

    def test_programme_admin_imports_a_good_file(self, admin, as_user):
        response = self.upload(as_user(admin), GOOD)
        assert response.status_code == 302
        page = as_user(admin).get(response["Location"])
        assert "Imported: 3 new, 0 updated, 0 unchanged." in page.content.decode()
        assert Employee.objects.filter(email__endswith="@example.com").count() == 4

    def test_the_upload_names_the_departments_and_skills_it_created(self, admin, as_user):
        response = self.upload(
            as_user(admin),
            "email,full_name,department,skills\nana@example.com,Ana,Brand New Dept,Go;Wevaing\n",
        )
        page = as_user(admin).get(response["Location"]).content.decode()
        assert "New departments: Brand New Dept. New skills: Go, Wevaing." in page

    def test_a_bad_upload_lists_every_problem_and_imports_nothing(self, admin, as_user):
        count = Employee.objects.count()
        response = self.upload(as_user(admin), BAD_CASES["manager cycle"][0])
        html = response.content.decode()
        assert response.status_code == 200
        assert "3 problems found — nothing was imported" in html
        assert "manager cycle" in html
        assert Employee.objects.count() == count

    def test_a_wrongly_encoded_upload_says_how_to_fix_it(self, admin, as_user):
        response = self.upload(as_user(admin), "email,full_name\nå@x.com,Åse\n".encode("utf-16"))
        assert "not UTF-8" in response.content.decode()

    def test_the_page_says_that_columns_left_out_are_left_unchanged(self, admin, as_user):
        html = as_user(admin).get(self.url).content.decode()
        assert "A column left out of the file is left unchanged" in html

    def test_the_page_says_how_big_a_file_it_takes_and_where_bigger_ones_go(self, admin, as_user):
        html = as_user(admin).get(self.url).content.decode()
        assert "up to 20 MB; over 20,000 employees are imported in the background" in html
        assert "manage.py import_employees" in html

    def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(self, admin, as_user):
        count = Employee.objects.count()
        too_big = GOOD + "x" * (EmployeeImportForm.MAX_MB * 1024 * 1024)
        response = self.upload(as_user(admin), too_big)
        assert response.status_code == 200
        html = response.content.decode()
        assert "The file is larger than 20 MB, the most this page takes." in html
        assert "Import bigger files on the server with manage.py import_employees." in html
        assert Employee.objects.count() == count

    def test_a_file_with_more_rows_than_a_request_takes_is_imported_in_the_background(
        self, admin, as_user, monkeypatch
    ):
        monkeypatch.setattr(EmployeeImportForm, "MAX_ROWS", 5)
        client = as_user(admin)
        rows = "".join(f"p{i}@example.com,Person {i}\n" for i in range(8))
        response = self.upload(client, "email,full_name\n" + rows)
        run = ImportRun.objects.get()
        assert response["Location"] == reverse("directory:import_run", args=[run.pk])
        assert run.status == ImportRun.Status.QUEUED and run.uploaded_by == admin
        assert "Waiting for a worker" in client.get(response["Location"]).content.decode()
        assert not Employee.objects.filter(email="p0@example.com").exists()
        tasks.import_file(run.pk)  # what the worker runs
        tasks.import_file(run.pk)  # a repeated task finds it claimed and does nothing
        run.refresh_from_db()
        assert run.status == ImportRun.Status.DONE and run.created == 8 and run.data == b""
        html = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
        assert "Imported: 8 new, 0 updated, 0 unchanged." in html
        assert 'hx-trigger="every 2s"' not in html  # finished: the page stops polling
        assert (
            Employee.objects.filter(email__startswith="p", email__endswith="@example.com").count()
            == 8
        )

    def test_a_bad_background_import_keeps_its_report_and_imports_nothing(
        self, admin, as_user, monkeypatch
    ):
        monkeypatch.setattr(EmployeeImportForm, "MAX_ROWS", 2)
        count = Employee.objects.count()
        client = as_user(admin)
        response = self.upload(client, BAD_CASES["manager cycle"][0])
        tasks.import_file(ImportRun.objects.get().pk)
        html = client.get(response["Location"]).content.decode()
        assert "3 problems found — nothing was imported" in html and "manager cycle" in html
        assert Employee.objects.count() == count

    def test_only_programme_admins_see_an_import_run(self, admin, protege, as_user):
        run = ImportRun.objects.create(filename="people.csv", data=b"x", uploaded_by=admin)
        url = reverse("directory:import_run", args=[run.pk])
        assert as_user(protege).get(url).status_code == 404
        assert as_user(admin).get(url).status_code == 200

    def test_a_file_with_as_many_rows_as_the_page_takes_passes_the_form_whole(self):
        rows = "".join(f"p{i}@example.com,P\n" for i in range(EmployeeImportForm.MAX_ROWS))
        data = ("email,full_name\n" + rows).encode()
        form = EmployeeImportForm(files={"file": SimpleUploadedFile("people.csv", data)})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["file"].read() == data

    def test_other_employees_cannot_see_the_upload_page(self, protege, as_user):
        assert as_user(protege).get(self.url).status_code == 404
        assert self.upload(as_user(protege), GOOD).status_code == 404
        assert not Employee.objects.filter(email="ana@example.com").exists()
