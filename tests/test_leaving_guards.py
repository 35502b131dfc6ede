"""An import may say anyone left the company, except whom that would lock out: the last
admin of a programme still in the company, and a site administrator's login. Such a row
refuses the file, like any bad row, whichever door the file comes through."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory.importing import import_employees_csv
from directory.models import Employee
from tests.factories import EmployeeFactory, make_login

pytestmark = pytest.mark.django_db
IMPORT = reverse("directory:import")


def left(*people: tuple[str, str, str]) -> bytes:
    rows = "".join(f"{email},{name},{active}\n" for email, name, active in people)
    return ("email,full_name,active\n" + rows).encode()


def login_is_open(email: str) -> bool:
    return get_user_model().objects.get(email__iexact=email).is_active


def test_the_only_admin_cannot_import_herself_as_gone_and_stays_signed_in(admin, as_user):
    client = as_user(admin)
    upload = SimpleUploadedFile("people.csv", left((admin.email, admin.full_name, "no")))
    response = client.post(IMPORT, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Helen Park is the last admin of Micro-mentoring still in the company: add another "
        "admin in the programme&#x27;s settings first, or take this row out."
    ) in html
    admin.refresh_from_db()
    assert admin.is_active and login_is_open(admin.email)
    assert client.get(IMPORT).status_code == 200  # still signed in, still an admin


def test_with_another_admin_still_here_the_admin_may_leave(admin, outsider, program):
    program.admins.add(outsider)
    result = import_employees_csv(left((admin.email, admin.full_name, "no")))
    assert result.ok and result.left == ["Helen Park"]
    assert not login_is_open(admin.email)


def test_an_admin_who_left_is_no_second_admin_unless_the_file_brings_them_back(
    admin, outsider, program
):
    program.admins.add(outsider)
    Employee.objects.filter(pk=outsider.pk).update(is_active=False)
    refused = import_employees_csv(left((admin.email, admin.full_name, "no")))
    assert refused.errors == [
        (
            2,
            "Helen Park is the last admin of Micro-mentoring still in the company: add "
            "another admin in the programme's settings first, or take this row out.",
        )
    ]
    assert Employee.objects.get(pk=admin.pk).is_active

    both = left((admin.email, admin.full_name, "no"), (outsider.email, outsider.full_name, "yes"))
    result = import_employees_csv(both)
    assert result.ok and result.left == ["Helen Park"] and result.returned == ["Olga Outsider"]


def test_an_import_does_not_close_a_site_administrators_login(admin, tmp_path):
    """Not in the directory, by their address; in it, by their person (any case)."""
    root = get_user_model().objects.create_superuser("root", "it.root@example.com", "x" * 20)
    staff = EmployeeFactory(full_name="Stef Staff", email="stef.staff@example.com")
    make_login(staff)
    get_user_model().objects.filter(pk=staff.user_id).update(
        is_staff=True, email="Stef.Staff@Example.com"
    )
    file = left(
        ("it.root@example.com", "IT Root", "no"),
        ("stef.staff@example.com", "Stef Staff", "no"),
    )
    result = import_employees_csv(file)
    assert [line for line, _ in result.errors] == [2, 3]
    assert result.errors[0][1] == (
        "it.root@example.com signs in as a site administrator (the Django admin): an import "
        "does not close that login. Mark them as left in the Django admin, or take this row "
        "out of the file."
    )
    assert login_is_open(root.email) and login_is_open(staff.email)
    assert not Employee.objects.filter(email="it.root@example.com").exists()

    # The management command asks the same (the programme's rule is connected at start).
    path = tmp_path / "people.csv"
    path.write_bytes(
        left(("it.root@example.com", "IT Root", "no"), (admin.email, admin.full_name, "no"))
    )
    with pytest.raises(CommandError):
        call_command("import_employees", str(path))
    assert login_is_open(root.email) and Employee.objects.get(pk=admin.pk).is_active


def test_someone_already_gone_may_be_listed_as_gone_again(admin):
    root = get_user_model().objects.create_superuser("root", "it.root@example.com", "x" * 20)
    EmployeeFactory(full_name="IT Root", email="it.root@example.com", is_active=False)
    result = import_employees_csv(left(("it.root@example.com", "IT Root", "no")))
    assert result.ok and result.left == []
    assert login_is_open(root.email)  # nothing changed, so nothing closed


def test_someone_left_out_of_a_file_stays_and_the_page_says_so(admin, mentor, as_user):
    result = import_employees_csv(left(("new.starter@example.com", "New Starter", "yes")))
    assert result.ok and Employee.objects.get(pk=mentor.pk).is_active  # not in the file
    html = as_user(admin).get(IMPORT).content.decode()
    assert "People not in the file stay as they are" in html
