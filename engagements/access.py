"""Who may see what. Every engagement view looks its engagement up through
`engagement_for`; outsiders get 404, exactly as for an engagement that does not exist.
What a person may *do* comes from the one table in engagements.rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps

from django.http import Http404, HttpRequest, HttpResponse

from directory.compiled import Compiled
from directory.logins import current_employee
from directory.models import Employee
from engagements.models import Engagement, Meeting, Program, ProgramQuerySet
from engagements.rules import Role, Verb, allowed, logged_it, may_ever, roles_of


def is_programme_admin(user, employee: Employee | None, *, runs: bool | None = None) -> bool:
    """A superuser, or someone who administers a programme (`runs`, when the caller has
    counted that already: the navigation does, with its badges)."""
    if user.is_superuser:
        return True
    if runs is not None:
        return runs
    return Program.objects.administered_by(employee).exists()


def programme_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_programme_admin(request.user, current_employee(request)):
            raise Http404("Programme admins only.")
        return view(request, *args, **kwargs)

    return wrapper


def programmes_run_by(request: HttpRequest) -> ProgramQuerySet:
    """The programmes the signed-in person runs: every one for a superuser. The same
    rule as `programme_admin_required`, per programme."""
    me = current_employee(request)
    return (
        Program.objects.all() if request.user.is_superuser else Program.objects.administered_by(me)
    )


def programme_for(request: HttpRequest, pk: int) -> Program:
    """A programme its admin (or a superuser) may run, or 404 for everyone else."""
    program = programmes_run_by(request).filter(pk=pk).first()
    if program is None:
        raise Http404("No such programme.")
    return program


class Can:
    """`access.can.withdraw` in a template, `access.can["withdraw"]` in Python: may this
    person do the verb now, by the rules table."""

    def __init__(self, access: Access):
        self._access = access

    def __getitem__(self, verb: str) -> bool:
        try:
            verb = Verb(verb)
        except ValueError:
            raise KeyError(verb) from None
        return allowed(verb, self._access.engagement, self._access.roles)

    def __getattr__(self, verb: str) -> bool:
        try:
            return self[verb]
        except KeyError:
            raise AttributeError(verb) from None


@dataclass
class Access:
    """An engagement as one person sees it."""

    engagement: Engagement
    me: Employee
    roles: frozenset[Role]

    @cached_property
    def can(self) -> Can:
        return Can(self)

    @property
    def is_protege(self) -> bool:
        return Role.PROTEGE in self.roles

    @property
    def is_mentor(self) -> bool:
        return Role.MENTOR in self.roles

    @property
    def is_admin(self) -> bool:
        """Sees it only as a programme admin: read-only, no private notes."""
        return self.roles == {Role.ADMIN}

    @property
    def sees_private_notes(self) -> bool:
        """In the engagement (protégé, mentor, joined peer): reads the meeting notes."""
        return bool(self.roles & {Role.PROTEGE, Role.MENTOR, Role.PEER})

    def deletes(self, meeting: Meeting) -> bool:
        """May this person delete this meeting now (the table, and it is theirs)?"""
        return self.can.delete_meeting and logged_it(meeting, self.me)


# Everything an engagement page shows of the engagement: an eleven-table join, read on
# every engagement page and action, so its SQL is compiled once (directory.compiled);
# the server plans it once per connection too (prepared: ~6 ms planning, 0.5 ms running
# at 100 000 engagements).
_ENGAGEMENT = Compiled(
    lambda pk: (
        Engagement.objects.for_cards()
        .select_related("program", "follows", "wrap_up__next_mentor")
        .filter(pk=pk)
        .order_by()  # one row: no sort to plan
    )
)


def engagement_for(request: HttpRequest, pk: int, *, action: str | None = None) -> Access:
    """The engagement as the signed-in person may see it, or 404. With `action`, only a
    person whose role may ever do that verb gets it (the state is the workflow's to
    check, so a late click hears "already accepted" instead of a 404)."""
    me = current_employee(request)
    if (engagement := _ENGAGEMENT.first(pk)) is None:
        raise Http404("No such engagement.")
    roles = roles_of(engagement, me)
    if engagement.state == Engagement.State.DRAFT and Role.PROTEGE not in roles:
        # A draft is the protégé's own work in progress.
        raise Http404("No such engagement.")
    if not roles and (
        request.user.is_superuser or engagement.program.admins.filter(pk=me.pk).exists()
    ):
        roles = frozenset({Role.ADMIN})
    if not roles or (action and not may_ever(Verb(action), roles)):
        raise Http404("No such engagement.")
    return Access(engagement, me, roles)
