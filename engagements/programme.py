"""Running the programme: its rules and its admins, changed in the app, each change a
`ProgramEvent`. Every function locks the programme's row first, so two admins saving at
once are applied one after the other and each record says truly what it changed from;
and two admins removing each other at once cannot leave the programme with none."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.utils import timezone

from directory.leaving import leaving
from directory.models import Employee
from engagements.models import Program, ProgramEvent

Verb = ProgramEvent.Verb


class ProgrammeError(Exception):
    """A change that is refused; the message is for the person."""


def _locked(program: Program) -> Program:
    return Program.objects.select_for_update().get(pk=program.pk)


def _admin_label(employee: Employee) -> str:
    return f"{employee.full_name} <{employee.email}>"


def change_rules(
    program: Program, *, by: Employee, rules: dict, now: dt.datetime | None = None
) -> ProgramEvent | None:
    """Apply the rules (validated by the form, as a whole); one record of what changed,
    old → new. Nothing changed: no record, returns None."""
    unknown = set(rules) - set(Program.RULES)
    if unknown:
        raise ValueError(f"Not a programme rule: {sorted(unknown)}")
    with transaction.atomic():
        locked = _locked(program)
        changes = {
            name: [getattr(locked, name), value]
            for name, value in rules.items()
            if getattr(locked, name) != value
        }
        if not changes:
            return None
        for name, (_, value) in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        return ProgramEvent.objects.create(
            program=locked,
            actor=by,
            verb=Verb.RULES_CHANGED,
            changes=changes,
            created_at=now or timezone.now(),
        )


def add_admin(
    program: Program, employee: Employee, *, by: Employee, now: dt.datetime | None = None
) -> ProgramEvent:
    if not employee.is_active:
        raise ProgrammeError(f"{employee.full_name} has left the directory.")
    with transaction.atomic():
        locked = _locked(program)
        if locked.admins.filter(pk=employee.pk).exists():
            raise ProgrammeError(f"{employee.full_name} is already an admin of {locked.name}.")
        locked.admins.add(employee)
        return ProgramEvent.objects.create(
            program=locked,
            actor=by,
            verb=Verb.ADMIN_ADDED,
            changes={"admin": [None, _admin_label(employee)]},
            created_at=now or timezone.now(),
        )


def remove_admin(
    program: Program, employee: Employee, *, by: Employee, now: dt.datetime | None = None
) -> ProgramEvent:
    with transaction.atomic():
        locked = _locked(program)
        admins = dict(locked.admins.values_list("pk", "is_active"))
        if employee.pk not in admins:
            raise ProgrammeError(f"{employee.full_name} is not an admin of {locked.name}.")
        # An admin who left the company cannot sign in: they do not keep it running.
        if not any(here for pk, here in admins.items() if pk != employee.pk):
            raise ProgrammeError(
                f"{employee.full_name} is the only admin of {locked.name} still in the "
                "company: a programme keeps at least one. Add another admin first."
            )
        locked.admins.remove(employee)
        return ProgramEvent.objects.create(
            program=locked,
            actor=by,
            verb=Verb.ADMIN_REMOVED,
            changes={"admin": [_admin_label(employee), None]},
            created_at=now or timezone.now(),
        )


@receiver(leaving)
def keeps_an_admin(sender, active_in_file: dict[str, bool], **kwargs) -> list[tuple[str, str]]:
    """An import may not mark as having left the last admin of a programme who is still
    in the company (remove_admin's rule): nobody could sign in to run it."""
    gone = {email for email, active in active_in_file.items() if not active}
    leavers = Employee.objects.annotate(address=Lower("email")).filter(address__in=gone)
    refusals = []
    for program in Program.objects.filter(admins__in=leavers).distinct().prefetch_related("admins"):
        admins = {admin.email.lower(): admin for admin in program.admins.all()}
        if any(active_in_file.get(email, admin.is_active) for email, admin in admins.items()):
            continue
        refusals += [
            (
                email,
                f"{admin.full_name} is the last admin of {program.name} still in the company: "
                "add another admin in the programme's settings first, or take this row out.",
            )
            for email, admin in admins.items()
            if email in gone and admin.is_active
        ]
    return refusals
