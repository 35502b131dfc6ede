"""Who an import may not mark as having left the company (`active = no`), checked with
the rest of the file before anything is saved, so a refused row refuses the file:

- someone whose login is a site administrator's (Django's staff or superuser): a
  programme admin's upload would otherwise close the login of the people who run the
  site; that is done in the Django admin;
- whatever the apps above the directory refuse, through the `leaving` signal (the
  directory imports nothing from them): a programme keeps an admin still in the company
  (engagements.programme)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.dispatch import Signal

from directory.import_parsing import ImportResult, Row
from directory.models import Employee

# Sent with `active_in_file` ({email: active} for the rows that say it); each receiver
# answers a list of (email, why that person cannot leave by an import).
leaving = Signal()


def check_leaving(rows: list[Row], result: ImportResult) -> None:
    active_in_file: dict[str, bool] = {}
    lines: dict[str, int] = {}
    for row in rows:
        if row.email and "is_active" in row.values and row.email not in lines:
            active_in_file[row.email] = row.values["is_active"]
            lines[row.email] = row.line
    if all(active_in_file.values()):
        return
    refusals = site_administrators(active_in_file)
    for _receiver, answer in leaving.send(sender=Employee, active_in_file=active_in_file):
        refusals.extend(answer)
    result.errors.extend((lines[email], message) for email, message in refusals)


def site_administrators(active_in_file: dict[str, bool]) -> list[tuple[str, str]]:
    """The rows that would close an open staff or superuser login: found, as
    directory.logins.logins_follow finds it, by its person or by its email."""
    gone = [email for email, active in active_in_file.items() if not active]
    # Someone already marked as left changes nothing: their login is not closed again.
    already = set(
        Employee.objects.annotate(address=Lower("email"))
        .filter(address__in=gone, is_active=False)
        .values_list("address", flat=True)
    )
    closing = [email for email in gone if email not in already]
    logins = (
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
        .annotate(address=Lower("email"), person=Lower("employee__email"))
        .filter(Q(address__in=closing) | Q(person__in=closing))
    )
    found = {email for pair in logins.values_list("address", "person") for email in pair}
    return [
        (
            email,
            f"{email} signs in as a site administrator (the Django admin): an import does "
            "not close that login. Mark them as left in the Django admin, or take this row "
            "out of the file.",
        )
        for email in closing
        if email in found
    ]
