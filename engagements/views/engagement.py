"""One engagement: its page, logged meetings, peers' answers, cancelling, wrap-up."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from directory.compiled import Compiled, fits, shown_only
from directory.http import form_action
from directory.logins import current_employee
from directory.models import Employee
from engagements import emails, meetings, proposals, transitions
from engagements.access import Access, engagement_for
from engagements.forms import AdviceForm, CancelForm, MeetingForm, ThankYouForm
from engagements.matching import others_who_could_help
from engagements.models import Engagement, Event, Meeting, Participant, TransitionError
from engagements.views.decisions import mentor_options

# What is true for a peer who just joined: the mentor may not have answered yet.
JOINED = {
    Engagement.State.PROPOSED: (
        "You joined. The mentor has not answered the proposal yet; you will hear when they do."
    ),
    Engagement.State.ACTIVE: "You joined. See you at the first meeting.",
}
# After these the protégé is shown who else could help.
NO_ANSWER = (Engagement.State.DECLINED, Engagement.State.EXPIRED)
# The page's timeline and meetings, read on every view of it: SQL compiled once
# (directory.compiled), and of the people joined only their names, all they show.
_EVENTS = Compiled(
    lambda pk: (
        Event.objects.filter(engagement_id=pk)
        .select_related("actor")
        .defer(*shown_only("actor", Employee, "full_name"))
    )
)
_MEETINGS = Compiled(
    lambda pk: (
        Meeting.objects.filter(engagement_id=pk)
        .select_related("logged_by")
        .defer(*shown_only("logged_by", Employee, "full_name"))
    )
)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk)
    return render_detail(request, access)


def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The engagement as a calendar entry, for the people in it while it runs: the
    mentor accepts without an email (the one who acts is not told), and a peer may join
    after the accepted email went out; the protégé gets the same file attached to it."""
    access = engagement_for(request, pk)
    if not access.sees_private_notes or access.engagement.state != Engagement.State.ACTIVE:
        raise Http404("No calendar entry for this engagement.")
    response = HttpResponse(emails.calendar(access.engagement), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="engagement-{pk}.ics"'
    return response


def render_detail(
    request: HttpRequest,
    access: Access,
    *,
    meeting_form: MeetingForm | None = None,
    thank_form: ThankYouForm | None = None,
    advice_form: AdviceForm | None = None,
    cancel_form: CancelForm | None = None,
    time_notice: tuple[str, str] | None = None,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    engagement = access.engagement
    goals = list(engagement.goals.all())
    today = engagement.program.today()
    shows_others = partial is None and access.is_protege and engagement.state in NO_ANSWER
    # A meeting is logged for a day of the engagement, never one after today: the form
    # offers today, or the last day once it has ended.
    day = min(today, engagement.end_date) if engagement.end_date else today
    spent = time_spent(engagement, today)
    # An hour, or what is left of the budget when less: the last 12 minutes can be logged.
    minutes = min(60, spent["left_minutes"])
    context = {
        "access": access,
        "can": access.can,
        "engagement": engagement,
        "goals": goals,
        **spent,
        "deletable": {m.pk for m in spent["meetings"] if access.deletes(m)},
        "time_notice": time_notice,  # (message level, text) after a deletion with htmx
        "events": (events := _EVENTS.all(engagement.pk)),
        "left": Event.who_left(engagement.pk, events),
        "wrap_up": engagement.wrap_up_or_none,
        "meeting_form": meeting_form or MeetingForm(initial={"held_on": day, "minutes": minutes}),
        "thank_form": thank_form or ThankYouForm(goals=goals),
        "advice_form": advice_form or AdviceForm(),
        "cancel_form": cancel_form or CancelForm(),
        "mentor_options": mentor_options(engagement.mentor) if access.can.advise else None,
        "others": others_who_could_help(engagement, now=timezone.now()) if shows_others else [],
        "ask_again_states": proposals.ASKED_IN_VAIN,
    }
    template = "engagements/detail.html" + (f"#{partial}" if partial else "")
    return render(request, template, context, status=status)


def time_spent(engagement: Engagement, today) -> dict:
    """The Time panel: meetings logged, time used and left of the budget, days left, and
    whether it has started yet (accepted for dates to come: nothing can be logged)."""
    logged = _MEETINGS.all(engagement.pk)
    used, budget = sum(m.minutes for m in logged), engagement.budget_minutes
    start = engagement.start_date
    return {
        "meetings": logged,
        "used_minutes": used,
        "left_minutes": max(budget - used, 0),
        # Less left than the shortest meeting: nothing more can be logged.
        "used_up": budget - used < Meeting.SHORTEST,
        "used_percent": min(100, round(100 * used / budget)) if budget else 0,
        "days_left": (engagement.end_date - today).days if engagement.end_date else None,
        "not_started": start is not None and today < start,
    }


@form_action(back="engagements:detail")
def log_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="log_meeting")
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            meetings.log_meeting(access.engagement, by=access.me, **form.cleaned_data)
        except TransitionError as exc:
            form.add_error(None, str(exc))
        else:
            if not request.htmx:
                messages.success(request, "Meeting logged.")
                return redirect(access.engagement)
            form = None  # a fresh form under the updated budget bar
    # htmx swaps the time section (errors included); without it, the whole page.
    status = 422 if form is not None and not request.htmx else 200
    partial = "time" if request.htmx else None
    return render_detail(request, access, meeting_form=form, partial=partial, status=status)


@form_action(back="engagements:detail")
def delete_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="delete_meeting")
    try:
        meeting = meetings.delete_meeting(
            access.engagement, meeting_pk=_posted_id(request, "meeting"), by=access.me
        )
    except TransitionError as exc:
        notice = ("error", str(exc))
        access = engagement_for(request, pk)  # refused: it moved on, so show it as it is
    else:
        # Already gone is a double-click or a second tab, not a failure: say so calmly.
        notice = ("info", "That meeting was already deleted.")
        if meeting:
            back = meetings.format_minutes(meeting.minutes)
            notice = ("success", f"Meeting deleted: {back} back in the budget.")
    if not request.htmx:
        getattr(messages, notice[0])(request, notice[1])
        return redirect(access.engagement)
    return render_detail(request, access, time_notice=notice, partial="time")


def _posted_id(request: HttpRequest, name: str) -> int:
    """A row id the form posts; anything else is 0, the id of no row."""
    try:
        value = int(request.POST.get(name, ""))
    except ValueError:
        return 0
    return value if fits(value) else 0


@form_action(back="engagements:detail")
def answer_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="answer_invitation")
    join = request.POST.get("answer") == "join"
    try:
        transitions.answer_invitation(access.engagement, by=access.me, join=join)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(access.engagement)
    if join:
        # Its state now, not as the page showed it: the mentor may have answered since.
        access.engagement.refresh_from_db(fields=["state"])
        messages.success(request, JOINED.get(access.engagement.state, "You joined."))
        return redirect(access.engagement)
    messages.success(request, "You declined the invitation.")
    return redirect("engagements:home")


@form_action(back="engagements:detail")
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    """A peer steps out; the engagement is no longer theirs to open, so they go home.
    Leaving again (a second tab, a resent form) says so there instead of a 404."""
    left = Participant.objects.filter(
        engagement_id=pk, employee=current_employee(request), answer=Participant.Answer.LEFT
    )
    if (title := left.values_list("engagement__title", flat=True).first()) is not None:
        messages.info(request, f"You had already left “{title}”.")
        return redirect("engagements:home")
    access = engagement_for(request, pk, action="leave")
    e = access.engagement
    try:
        transitions.leave(e, by=access.me)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(e)
    told = [p.first_name for p in (e.protege, e.mentor) if p.is_active]
    said = f"; {' and '.join(told)} {'has' if len(told) == 1 else 'have'} been told" if told else ""
    messages.success(request, f"You left “{e.title}”{said}.")
    return redirect("engagements:home")


@form_action(back="engagements:detail")
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="cancel")
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            transitions.cancel(access.engagement, by=access.me, reason=form.cleaned_data["reason"])
        except TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Engagement cancelled; the others have been told.")
        return redirect(access.engagement)
    return render_detail(request, access, cancel_form=form, status=422)


@form_action(back="engagements:detail")
def thank(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="thank")
    form = ThankYouForm(request.POST, goals=list(access.engagement.goals.all()))
    if form.is_valid():
        try:
            meetings.thank_mentor(
                access.engagement,
                by=access.me,
                outcomes=form.outcomes(),
                thank_you=form.cleaned_data["thank_you"],
            )
        except TransitionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Thank you sent. It counts towards their recognition.")
            return redirect(access.engagement)
    return render_detail(request, access, thank_form=form, status=422)


@form_action(back="engagements:detail")
def advise(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="advise")
    form = AdviceForm(request.POST)
    if form.is_valid():
        try:
            meetings.advise_next(access.engagement, by=access.me, **form.cleaned_data)
        except TransitionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your advice is with the protégé.")
            return redirect(access.engagement)
    return render_detail(request, access, advice_form=form, status=422)
