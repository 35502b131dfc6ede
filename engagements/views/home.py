"""My engagements: what needs me first, then everything I'm in; my notifications."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from directory.logins import current_employee
from engagements.access import programme_admin_required
from engagements.forms import ProgrammeFilterForm
from engagements.models import Engagement, Notification, Program
from engagements.rules import Role, needed_action, roles_of

State = Engagement.State
NOTIFICATIONS_SHOWN = 15
# Within each role: what is running, then what is waiting, then what is over.
STATE_ORDER = {State.ACTIVE: 0, State.PROPOSED: 1, State.DRAFT: 2, State.COMPLETED: 3}


def home(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    engagements = list(
        Engagement.objects.involving(me)
        .for_cards()
        .select_related("wrap_up")
        .order_by("-created_at")
    )
    needs_me, groups = by_role(engagements, me)
    notifications = (
        Notification.objects.for_person(me)
        .select_related("engagement", "actor")
        .order_by("-created_at", "-pk")[:NOTIFICATIONS_SHOWN]
    )
    context = {
        "me": me,
        "needs_me": needs_me,
        "groups": [
            ("As protégé", groups[Role.PROTEGE]),
            ("As mentor", groups[Role.MENTOR]),
            ("As peer", groups[Role.PEER]),
        ],
        "notifications": notifications,
        "unread": Notification.objects.for_person(me).unread().count(),
    }
    return render(request, "engagements/home.html", context)


def by_role(engagements: list[Engagement], me) -> tuple[list, dict]:
    """What needs me (with the action, from the rules table), and the engagements by my
    role in each, running ones first."""
    needs_me, groups = [], {Role.PROTEGE: [], Role.MENTOR: [], Role.PEER: []}
    for e in engagements:
        roles = roles_of(e, me)
        role = next((r for r in (Role.PROTEGE, Role.MENTOR) if r in roles), Role.PEER)
        groups[role].append(e)
        if action := needed_action(e, me):
            needs_me.append((e, action))
    for group in groups.values():
        group.sort(key=lambda e: STATE_ORDER.get(e.state, len(STATE_ORDER)))
    return needs_me, groups


@require_http_methods(["GET", "POST"])
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (the feed's button) marks it read and opens the engagement. A GET (an old
    link, a prefetch) only opens it: reading a page changes nothing."""
    me = current_employee(request)
    notification = get_object_or_404(Notification.objects.for_person(me), pk=pk)
    if request.method == "POST":
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
    me = current_employee(request)
    # The same rule as an engagement's page: admins see their own programmes only.
    programmes = Program.objects.all() if request.user.is_superuser else me.administered_programs
    form = ProgrammeFilterForm(request.GET or None, programmes=programmes.all())
    engagements = (
        Engagement.objects.filter(program__in=programmes.all())
        .exclude(state=State.DRAFT)
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
