"""Who may see what. Every engagement view looks its engagement up through
`engagement_for`; outsiders get 404, exactly as for an engagement that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse

from directory.models import Employee
from directory.people import current_employee
from engagements.models import Engagement, Participant, Program


def is_programme_admin(user, employee: Employee | None) -> bool:
    if user.is_superuser:
        return True
    return Program.objects.administered_by(employee).exists()


def programme_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_programme_admin(request.user, current_employee(request)):
            raise Http404("Programme admins only.")
        return view(request, *args, **kwargs)

    return wrapper


@dataclass
class Access:
    """An engagement as one person sees it."""

    engagement: Engagement
    me: Employee
    participant: Participant | None
    is_admin: bool

    @property
    def is_protege(self) -> bool:
        return self.engagement.protege_id == self.me.pk

    @property
    def is_mentor(self) -> bool:
        return self.engagement.mentor_id == self.me.pk

    @property
    def is_peer(self) -> bool:
        return (
            self.participant is not None and self.participant.answer == Participant.Answer.ACCEPTED
        )

    @property
    def is_invited_peer(self) -> bool:
        return (
            self.participant is not None and self.participant.answer == Participant.Answer.INVITED
        )

    @property
    def is_member(self) -> bool:
        """In the engagement: sees the private meeting notes and logs meetings."""
        return self.is_protege or self.is_mentor or self.is_peer


ROLES: dict[str, Callable[[Access], bool]] = {
    "any": lambda a: True,
    "protege": lambda a: a.is_protege,
    "mentor": lambda a: a.is_mentor,
    "member": lambda a: a.is_member,
    "party": lambda a: a.is_protege or a.is_mentor,
    "invited_peer": lambda a: a.participant is not None,
}


def engagement_for(request: HttpRequest, pk: int, *, role: str = "any") -> Access:
    """The engagement as the signed-in person may see it, or 404. `role` narrows who may
    act: only the protégé edits and proposes, only the mentor decides, members log time;
    a programme admin sees everything read-only."""
    access = _lookup(request, pk)
    if not ROLES[role](access):
        raise Http404("No such engagement.")
    return access


def _lookup(request: HttpRequest, pk: int) -> Access:
    me = current_employee(request)
    engagement = (
        Engagement.objects.for_cards().select_related("program", "follows").filter(pk=pk).first()
    )
    if engagement is None:
        raise Http404("No such engagement.")
    participant = next((p for p in engagement.participants.all() if p.employee_id == me.pk), None)
    if participant and participant.answer == Participant.Answer.DECLINED:
        participant = None  # declined peers drop out
    access = Access(engagement, me, participant, is_admin=False)
    if engagement.state == Engagement.State.DRAFT:
        # A draft is the protégé's own work in progress.
        if access.is_protege:
            return access
        raise Http404("No such engagement.")
    if access.is_protege or access.is_mentor or participant:
        return access
    if request.user.is_superuser or engagement.program.admins.filter(pk=me.pk).exists():
        access.is_admin = True
        return access
    raise Http404("No such engagement.")
