"""The mentor's one-click decisions: the inbox, accept, decline, and links from email."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.db.models import Count, F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from directory.compiled import Compiled, shown_only
from directory.http import form_action
from directory.logins import current_employee
from directory.models import Employee, Skill
from engagements import transitions
from engagements.access import Access, engagement_for
from engagements.forms import DeclineForm
from engagements.models import Engagement, Program, TransitionError
from engagements.tokens import BadToken, read_token

# The inbox's two lists, read on every visit to it: their SQL compiled once
# (directory.compiled; compiling them was ~3 ms of the page).
_WAITING = Compiled(
    lambda mentor: (
        Engagement.objects.for_mentor(mentor)
        .proposed()
        .for_cards(mentors_known=True)
        .select_related("program")  # its time zone: the card's "Answer by" date
        .defer(*shown_only("protege", Employee, "full_name", "title", "department"))
        .defer(*shown_only("program", Program, "time_zone"))
        .order_by("proposed_at", "pk")
    )
)
_RECENTLY_ANSWERED = Compiled(
    lambda mentor: (
        # What the mentor answered: not what was withdrawn or expired before they did.
        Engagement.objects.for_mentor(mentor)
        .filter(decided_at__isnull=False)
        .select_related("protege")
        .defer(*shown_only("protege", Employee, "full_name"))
        .order_by("-decided_at", "-pk")[:10]
    )
)


def inbox(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    proposals = _WAITING.all(me.pk)
    for card in proposals:
        card.mentor = me
    with_decline_fields(proposals)
    recent = _RECENTLY_ANSWERED.all(me.pk)
    context = {
        "proposals": proposals,
        "recent": recent,
        "load": me.mentoring_load,
        "me": me,
        "mentor_options": mentor_options(me),
        "decline_presets": DeclineForm.presets(),
    }
    return render(request, "engagements/inbox.html", context)


def decline_form(pk: int, data=None) -> DeclineForm:
    # Each card has its own form: ids must stay unique with many cards on the page.
    return DeclineForm(data, auto_id=f"decline-{pk}-%s")


def with_decline_fields(cards: list[Engagement]) -> None:
    """Give each proposal card its blank decline fields (`engagement.decline_fields`).
    They differ from card to card only in their ids, so they are rendered once and each
    card gets its own ids: drawn per card they were a fifth of the inbox's time (~0.4 ms
    a card). No engagement has the pk 0, and only ids and labels' `for` hold "decline-0-"."""
    blank = render_to_string(DECLINE_FIELDS, {"form": decline_form(0)})
    for card in cards:
        # The blank is escaped HTML; a new numeric id prefix keeps it so.
        card.decline_fields = mark_safe(blank.replace("decline-0-", f"decline-{card.pk}-"))
        # Closed: set, so the template finds it (a missing attribute costs ~20 µs).
        card.declining = getattr(card, "declining", False)


DECLINE_FIELDS = "engagements/_decline_fields.html"


# The datalist of colleagues is a hint, as the directory's "Suggested for you" is: it may
# be minutes old (whoever is typed is checked when the form is sent).
MENTOR_OPTIONS_SECONDS = 5 * 60


@dataclass(frozen=True)
class MentorOptions:
    """Colleagues who share the mentor's skills and mentor too: the suggestions offered
    when declining or advising what next (a datalist; any directory email works). The
    datalist is drawn once per mentor for MENTOR_OPTIONS_SECONDS
    (templates/engagements/_mentor_options.html): reading and drawing its thirty people
    was ~2 ms of the inbox and of an engagement page awaiting advice. `people` is read
    only when it is drawn."""

    mentor: int

    @property
    def seconds(self) -> int:
        return MENTOR_OPTIONS_SECONDS  # read when drawn (a test shortens it)

    @cached_property
    def people(self) -> list[Employee]:
        return list(_mentor_options(self.mentor, Program.default().today()))


def mentor_options(mentor: Employee) -> MentorOptions:
    return MentorOptions(mentor.pk)


def _mentor_options(mentor: int, today: dt.date) -> QuerySet[Employee]:
    # The thirty most like the mentor who can mentor now (available_to_mentor: the one
    # definition, a pause included): the most skills shared, then the most room, then by
    # name. (By name alone, a common skill's thirty were all "Ahmed …" to "Alex …".)
    # Counting the shared skills of a common skill's thousands of holders costs ~20 ms at
    # 10 000 employees, paid once per mentor per MENTOR_OPTIONS_SECONDS (the datalist is
    # kept drawn), so its SQL is not compiled ahead (directory.compiled takes no date).
    return (
        Employee.objects.available_to_mentor(today)
        .filter(skills__in=Skill.objects.filter(experts=mentor))
        .exclude(pk=mentor)
        .annotate(shared=Count("skills"), room=F("mentoring_capacity") - F("mentoring_load"))
        .order_by("-shared", "-room", "full_name")[:30]
    )


def counters(request: HttpRequest, me: Employee) -> str:
    """The header's counts and the inbox's load line, redrawn out of band after a
    decision, so "Mentor inbox 1" and "You mentor 0 of 2" never go stale."""
    me.refresh_from_db(fields=["mentoring_load", "mentoring_capacity", "open_to_mentoring"])
    context = {"oob": True, "me": me, "load": me.mentoring_load}
    return render_to_string("base.html#site_header", context, request) + render_to_string(
        "engagements/inbox.html#load", context, request
    )


def _card(request: HttpRequest, access: Access, *, error: str = "", form=None) -> HttpResponse:
    """After a decision: the swapped card for htmx, the page it came from otherwise.
    A refused decision means someone else changed the state: show what it is now."""
    engagement = access.engagement
    if error:
        engagement.refresh_from_db()
    if request.htmx:
        if form is None:
            with_decline_fields([engagement])
        else:  # declined with errors: the fields as typed, with their messages, open
            engagement.decline_fields = render_to_string(DECLINE_FIELDS, {"form": form})
            engagement.declining = True
        context = {"engagement": engagement, "me": access.me, "error": error}
        card = render_to_string("engagements/inbox.html#card", context, request)
        return HttpResponse(card + counters(request, access.me))
    if error:
        messages.error(request, error)
    # HttpResponseRedirect, not redirect(): `next` is a URL, never a name.
    return HttpResponseRedirect(_back(request) or engagement.get_absolute_url())


def _back(request: HttpRequest) -> str:
    """The page a decision came from (the form's `next`): a path on this site only;
    anything else (another host, a view name) is none."""
    back = request.POST.get("next", "")[:500]
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, {request.get_host()}, request.is_secure()
    ):
        return ""
    return back


@form_action(back="engagements:detail")
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="accept")
    try:
        transitions.accept(access.engagement, by=access.me)
    except TransitionError as exc:
        return _card(request, access, error=str(exc))
    if not request.htmx:
        messages.success(request, f"Accepted. {access.engagement.protege.first_name} is told.")
    return _card(request, access)


@require_http_methods(["GET", "POST"])
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="decline")
    form = decline_form(access.engagement.pk, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transitions.decline(access.engagement, by=access.me, **form.cleaned_data)
        except TransitionError as exc:
            if not refused_as_typed(access.engagement, form, exc):
                return _card(request, access, error=str(exc))
        else:
            if not request.htmx:
                messages.success(request, "Declined, kindly. The protégé has your message.")
            return _card(request, access)
    if request.htmx and request.method == "POST":
        return _card(request, access, form=form)
    context = {
        "engagement": access.engagement,
        "access": access,
        "form": form,
        "mentor_options": mentor_options(access.me),
        # Sent back with errors from the inbox without JavaScript: once fixed, back there.
        "next": _back(request),
    }
    status = 422 if form.errors else 200
    return render(request, "engagements/decline.html", context, status=status)


def refused_as_typed(engagement: Engagement, form: DeclineForm, exc: TransitionError) -> bool:
    """A decline refused while the proposal still waits was refused for what was typed,
    not because someone else answered first: the refusal goes on the form, beside the
    suggested mentor (transitions.decline's one rule about the input, kept there), and
    the form comes back as typed. False when the proposal has moved on."""
    waiting = Engagement.objects.filter(pk=engagement.pk, state=Engagement.State.PROPOSED)
    if not waiting.exists():
        return False
    field = "suggested_mentor" if form.cleaned_data.get("suggested_mentor") else None
    form.add_error(field, str(exc))
    return True


@require_http_methods(["GET", "POST"])
def decide_from_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the proposal and one button; only a POST by the addressed mentor acts."""
    try:
        decision = read_token(token, max_age_for=_token_lifetime)
    except BadToken as exc:
        return render(request, "engagements/decide.html", {"problem": exc.reason}, status=400)
    me = current_employee(request)
    engagement = (
        Engagement.objects.for_cards()
        .select_related("program")  # its time zone: the "Answer by" date
        .filter(pk=decision.engagement_id)
        .first()
    )
    if engagement is None or engagement.mentor_id != decision.mentor_id:
        return render(request, "engagements/decide.html", {"problem": "invalid"}, status=400)
    context = {
        "engagement": engagement,
        "decision": decision,
        "me": me,
        "form": DeclineForm(),
        "mentor_options": mentor_options(me),
    }
    if me.pk != decision.mentor_id:
        # As the access helper answers anyone else: no such page (and no mentor's name).
        raise Http404("No such engagement.")
    if engagement.state != Engagement.State.PROPOSED:
        context["problem"] = "used"
        return render(request, "engagements/decide.html", context)
    if request.method == "POST":
        return _decide(request, engagement, decision, me, context)
    return render(request, "engagements/decide.html", context)


def _decide(request: HttpRequest, engagement, decision, me, context: dict) -> HttpResponse:
    """The email link's one button, pressed by the addressed mentor."""
    form = DeclineForm(request.POST) if decision.action == "decline" else None
    if form is not None and not form.is_valid():
        return render(request, "engagements/decide.html", {**context, "form": form}, status=422)
    try:
        if form is None:
            transitions.accept(engagement, by=me)
        else:
            transitions.decline(engagement, by=me, **form.cleaned_data)
    except TransitionError as exc:
        if form is not None and refused_as_typed(engagement, form, exc):
            return render(request, "engagements/decide.html", {**context, "form": form}, status=422)
        messages.error(request, str(exc))
    else:
        done = "Accepted" if form is None else "Declined"
        messages.success(request, f"{done}. {engagement.protege.first_name} is told.")
    return redirect(engagement)


def _token_lifetime(engagement_id: int) -> dt.timedelta:
    days = (
        Engagement.objects.filter(pk=engagement_id)
        .values_list("program__expire_after_days", flat=True)
        .first()
    )
    return dt.timedelta(days=(days or 0) + 1)
