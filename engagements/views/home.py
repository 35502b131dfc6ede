"""My engagements: what needs me first, then everything I'm in; my notifications."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from directory.people import current_employee
from engagements.access import programme_admin_required
from engagements.forms import ProgrammeFilterForm
from engagements.models import Engagement, Notification, Participant

State = Engagement.State
NOTIFICATIONS_SHOWN = 15
# Within each role: what is running, then what is waiting, then what is over.
STATE_ORDER = {State.ACTIVE: 0, State.PROPOSED: 1, State.DRAFT: 2, State.COMPLETED: 3}


def home(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    engagements = list(
        Engagement.objects.filter(
            Q(protege=me)
            | Q(mentor=me)
            | Q(participants__employee=me, participants__answer__in=["invited", "accepted"])
        )
        .distinct()
        .for_cards()
        .select_related("wrap_up")
        .order_by("-created_at")
    )
    needs_me, as_protege, as_mentor, as_peer = [], [], [], []
    for e in engagements:
        role = "protege" if e.protege_id == me.pk else "mentor" if e.mentor_id == me.pk else "peer"
        {"protege": as_protege, "mentor": as_mentor, "peer": as_peer}[role].append(e)
        action = needed_action(e, me, role)
        if action:
            needs_me.append((e, action))
    for group in (as_protege, as_mentor, as_peer):
        group.sort(key=lambda e: STATE_ORDER.get(e.state, len(STATE_ORDER)))
    notifications = (
        Notification.objects.for_person(me)
        .select_related("engagement", "actor")
        .order_by("-created_at", "-pk")[:NOTIFICATIONS_SHOWN]
    )
    context = {
        "me": me,
        "needs_me": needs_me,
        "groups": [
            ("As protégé", as_protege),
            ("As mentor", as_mentor),
            ("As peer", as_peer),
        ],
        "notifications": notifications,
        "unread": Notification.objects.for_person(me).unread().count(),
    }
    return render(request, "engagements/home.html", context)


def needed_action(e: Engagement, me, role: str) -> str:
    """The one thing this person should do next on this engagement, if any."""
    wrap_up = getattr(e, "wrap_up", None)  # the reverse one-to-one raises when absent
    if role == "protege":
        if e.state == State.DRAFT:
            return "Finish and propose your draft"
        if e.state == State.COMPLETED and not (wrap_up and wrap_up.thanked_at):
            return "Mark your goals and thank your mentor"
    if role == "mentor":
        if e.state == State.PROPOSED:
            return "Accept or decline this proposal"
        if e.state == State.COMPLETED and not (wrap_up and wrap_up.advised_at):
            return "Suggest the next area and the next mentor"
    if role == "peer":
        invite = next((p for p in e.participants.all() if p.employee_id == me.pk), None)
        if invite and invite.answer == Participant.Answer.INVITED and e.is_open:
            return "Join or decline the invitation"
    return ""


def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    me = current_employee(request)
    notification = get_object_or_404(Notification.objects.for_person(me), pk=pk)
    Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(notification.engagement)


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    Notification.objects.for_person(me).unread().update(read_at=timezone.now())
    return redirect("engagements:home")


@programme_admin_required
def programme(request: HttpRequest) -> HttpResponse:
    """Every engagement of the programme, read-only, for its admins (drafts excluded:
    they are the protégé's private work in progress)."""
    form = ProgrammeFilterForm(request.GET or None)
    engagements = (
        Engagement.objects.exclude(state=State.DRAFT)
        .select_related("protege__department", "mentor__department")
        .order_by("-proposed_at", "-pk")
    )
    if form.is_valid():
        engagements = form.filter(engagements)
    page = Paginator(engagements, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "engagements/programme.html", context)
