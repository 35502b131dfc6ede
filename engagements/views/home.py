"""My engagements: what needs me and what is current, my history a page at a time;
my notifications; the programme's list for its admins."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from directory.compiled import Compiled, shown_only
from directory.http import form_action
from directory.logins import current_employee
from directory.models import Employee
from engagements.access import engagement_for, programme_admin_required, programmes_run_by
from engagements.forms import ProgrammeFilterForm
from engagements.models import Engagement, Notification, Participant
from engagements.paging import (
    CursorForm,
    NewestFirst,
    PageForm,
    count_up_to,
    keyset_page,
    names_only,
)
from engagements.rules import Role, needed_action, roles_of

State = Engagement.State
NOTIFICATIONS_SHOWN = 15
# Ended or cancelled this recently still counts as current: the wrap-up is due now.
RECENTLY_ENDED = dt.timedelta(days=30)
# A bound on the current list whatever happens (a person has a handful in practice).
CURRENT_SHOWN = 60
HISTORY_PAGE = 25
PROGRAMME_PAGE = 30
PROGRAMME_COUNTED_UP_TO = 500
# Within each role: what is running, then what is waiting, then what is over.
STATE_ORDER = {State.ACTIVE: 0, State.PROPOSED: 1, State.DRAFT: 2, State.COMPLETED: 3}


def home(request: HttpRequest) -> HttpResponse:
    """What needs me and what is current; the history is a link away. Only what the
    page shows is loaded: the names, the wrap-up and the peers' answers (the rules
    table reads them to say what needs me), never goals or activities."""
    me = current_employee(request)
    engagements = _CURRENT.all(me.pk, timezone.now() - RECENTLY_ENDED)
    needs_me, groups = by_role(engagements, me)
    context = {
        "me": me,
        "needs_me": needs_me,
        "groups": [
            ("As protégé", groups[Role.PROTEGE]),
            ("As mentor", groups[Role.MENTOR]),
            ("As peer", groups[Role.PEER]),
        ],
        # The unread count is the navigation's (mentorship.context_processors).
        "notifications": _NOTIFICATIONS.all(me.pk),
    }
    return render(request, "engagements/home.html", context)


# What my engagements reads on every visit, its SQL compiled once (directory.compiled):
# compiling the union of my three roles was ~3 ms of CPU, the notifications' ~0.9.
# Of the people and engagements joined, only what the page shows (shown_only): the
# busy mentor's list 1.7 -> 1.25 ms, the notifications 0.7 -> 0.36.
def _current(person: int, since: dt.datetime) -> QuerySet[Engagement]:
    mine = Engagement.objects.involving(person, current_since=since)
    shown = names_only(mine.select_related("protege", "mentor", "wrap_up"))
    return shown.prefetch_related("participants").order_by("-created_at", "-pk")[:CURRENT_SHOWN]


_CURRENT = Compiled(_current)
_NOTIFICATIONS = Compiled(
    lambda person: (
        Notification.objects.for_person(person)
        .select_related("engagement", "actor")
        .defer(*shown_only("engagement", Engagement, "title"))
        .defer(*shown_only("actor", Employee, "full_name"))
        .order_by("-created_at", "-pk")[:NOTIFICATIONS_SHOWN]
    )
)


def history(request: HttpRequest) -> HttpResponse:
    """Everything I have been part of, newest first, a page at a time. The order is
    total (created, then id), so no engagement is lost or repeated across pages."""
    me = current_employee(request)
    number = PageForm(request.GET).number()
    page = Paginator(NewestFirst(me), HISTORY_PAGE).get_page(number)
    return render(request, "engagements/history.html", {"me": me, "page": page})


def by_role(engagements: list[Engagement], me) -> tuple[list, dict]:
    """What needs me (with the action, from the rules table), and the engagements by my
    role in each, running ones first."""
    needs_me, groups = [], {Role.PROTEGE: [], Role.MENTOR: [], Role.PEER: []}
    for e in engagements:
        roles = roles_of(e, me)
        role = next((r for r in (Role.PROTEGE, Role.MENTOR) if r in roles), Role.PEER)
        groups[role].append(e)
        # A peer who has not answered sees the invitation, not the engagement's state.
        e.invited = role == Role.PEER and any(
            p.employee_id == me.pk and p.answer == Participant.Answer.INVITED
            for p in e.participants.all()
        )
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
    try:
        access = engagement_for(request, notification.engagement_id)
    except Http404:
        # A peer who declined the invitation, or joined and left: it is no longer theirs.
        title = notification.engagement.title
        messages.info(request, f"You are no longer in “{title}”, so it does not open for you.")
        return redirect("engagements:home")
    return redirect(access.engagement)  # read with the access check, not a second time


@form_action(back="engagements:home")
def read_all(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    Notification.objects.for_person(me).unread().update(read_at=timezone.now())
    return redirect("engagements:home")


@programme_admin_required
def programme(request: HttpRequest) -> HttpResponse:
    """Every engagement of the programme, read-only, for its admins (drafts excluded:
    they are the protégé's private work in progress)."""
    # The same rule as an engagement's page: admins see their own programmes only.
    programmes = programmes_run_by(request)
    form = ProgrammeFilterForm(request.GET or None, programmes=programmes)
    engagements = Engagement.objects.filter(program__in=programmes).exclude(state=State.DRAFT)
    # Every valid filter applies even beside an invalid one, which is left out and
    # named on the page: the list never shows more than the form says.
    engagements = form.filter(engagements)
    # Keyset pages and a capped count: a deep page and the total cost what page 1 does.
    page = keyset_page(engagements, CursorForm(request.GET), PROGRAMME_PAGE, by_ids=_LISTED)
    total, more = count_up_to(engagements, PROGRAMME_COUNTED_UP_TO)
    query = request.GET.copy()
    for key in CursorForm.base_fields:
        query.pop(key, None)
    context = {"form": form, "page": page, "total": total, "more": more}
    context["query"] = query.urlencode()
    # Each facet a report's link set, with the list's address without it: one removed
    # at a time, the rest of what the figure said kept (Clear removes them all).
    context["facets"] = [
        (field, label, value, _without(query, field.name))
        for field, label, value in form.active_facets()
    ]
    return render(request, "engagements/programme.html", context)


def _without(query, name: str) -> str:
    rest = query.copy()
    rest.pop(name, None)
    return rest.urlencode()


def _listed(ids: list[int]) -> QuerySet[Engagement]:
    rows = Engagement.objects.filter(pk__in=ids).select_related(
        "protege__department", "mentor__department"
    )
    return names_only(rows, "department")


# A page of the programme list: its rows by their ids, SQL compiled once per page
# length (directory.compiled); compiling them was ~1 ms of the page.
_LISTED = Compiled(_listed)
