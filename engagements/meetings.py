"""Time and the end (rule 6, stick to your word): logged meetings within the end date and
the budget, and the wrap-up — the protégé's thanks, the mentor's advice on what next."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from directory.models import Employee
from engagements.models import Engagement, Event, Goal, Meeting, TransitionError, WrapUp
from engagements.rules import NOT_THEIRS, Verb, authorise, logged_it, may_ever, roles_of
from engagements.transitions import tell

State = Engagement.State


def format_minutes(minutes: int) -> str:
    """120 → "2 h", 90 → "1 h 30 min", 45 → "45 min"."""
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


@transaction.atomic
def log_meeting(
    engagement: Engagement,
    *,
    by: Employee,
    held_on: dt.date,
    minutes: int,
    note: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    now = now or timezone.now()
    # The row lock serialises loggers, so two meetings cannot both fit the last hour.
    engagement = (
        Engagement.objects.select_related("program").select_for_update().get(pk=engagement.pk)
    )
    if engagement.state == State.COMPLETED and may_ever(Verb.LOG_MEETING, roles_of(engagement, by)):
        raise TransitionError(
            f"The engagement ended on {engagement.end_date:%-d %B %Y}; the end date "
            "holds, so no more time can be logged. Propose a follow-on for more."
        )
    authorise(Verb.LOG_MEETING, engagement, by)
    today = engagement.program.today(now)
    if held_on > engagement.end_date:
        raise TransitionError(
            f"{held_on:%-d %B} is after the agreed end date "
            f"({engagement.end_date:%-d %B %Y}), which cannot be extended."
        )
    if held_on < engagement.start_date:
        raise TransitionError(
            f"{held_on:%-d %B} is before the engagement started "
            f"({engagement.start_date:%-d %B %Y})."
        )
    if held_on > today:
        raise TransitionError("Log meetings that have happened, not future ones.")
    used = engagement.minutes_used()
    if used + minutes > engagement.budget_minutes:
        left = engagement.budget_minutes - used
        raise TransitionError(
            f"That would go over the agreed budget: {format_minutes(left)} left of "
            f"{format_minutes(engagement.budget_minutes)}. The budget cannot be extended; "
            "propose a follow-on for more."
        )
    return Meeting.objects.create(
        engagement=engagement, held_on=held_on, minutes=minutes, note=note, logged_by=by
    )


@transaction.atomic
def delete_meeting(
    engagement: Engagement,
    *,
    meeting_pk: int,
    by: Employee,
    now: dt.datetime | None = None,
) -> Meeting | None:
    """Take back a logged meeting, its minutes back in the budget. None: it was already
    deleted (a double-click, a second tab), so there is nothing left to do."""
    now = now or timezone.now()
    # The same row lock as logging: a deletion and a logging, or two deletions, one
    # after the other; and a cancel or the sweep's end waits, so none happens after it.
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    authorise(Verb.DELETE_MEETING, engagement, by)
    meeting = Meeting.objects.filter(pk=meeting_pk, engagement=engagement).first()
    if meeting is None:
        return None
    if not logged_it(meeting, by):
        raise TransitionError(NOT_THEIRS)
    meeting.delete()
    # What it was, not the private note: the timeline is read by programme admins too.
    Event.objects.create(
        engagement=engagement,
        actor=by,
        verb=Event.Verb.MEETING_DELETED,
        message=f"{format_minutes(meeting.minutes)} on {meeting.held_on:%-d %B}",
        created_at=now,
    )
    return meeting


@transaction.atomic
def thank_mentor(
    engagement: Engagement,
    *,
    by: Employee,
    outcomes: dict[int, str],
    thank_you: str,
    now: dt.datetime | None = None,
) -> WrapUp:
    now = now or timezone.now()
    # Lock (or create) the wrap-up first: a second tab must see the first one's thanks.
    wrap_up, _ = WrapUp.objects.select_for_update().get_or_create(engagement=engagement)
    engagement.wrap_up = wrap_up
    authorise(Verb.THANK, engagement, by)
    goals = {g.pk: g for g in engagement.goals.all()}
    if set(outcomes) != set(goals) or not set(outcomes.values()) <= set(Goal.Outcome.values):
        raise TransitionError("Mark every goal as met, partly met or not met.")
    if not thank_you.strip():
        raise TransitionError("Write a few words of thanks to your mentor.")
    for pk, outcome in outcomes.items():
        Goal.objects.filter(pk=pk).update(outcome=outcome)
    wrap_up.thank_you = thank_you
    wrap_up.thanked_at = now
    wrap_up.save()
    Event.objects.create(engagement=engagement, actor=by, verb=Event.Verb.THANKED, created_at=now)
    tell(engagement, Verb.THANK, actor=by, now=now)
    return wrap_up


@transaction.atomic
def advise_next(
    engagement: Engagement,
    *,
    by: Employee,
    next_area: str,
    next_mentor: Employee | None,
    now: dt.datetime | None = None,
) -> WrapUp:
    now = now or timezone.now()
    wrap_up, _ = WrapUp.objects.select_for_update().get_or_create(engagement=engagement)
    engagement.wrap_up = wrap_up
    authorise(Verb.ADVISE, engagement, by)
    if not next_area.strip():
        raise TransitionError("Name the next area to develop.")
    if next_mentor and next_mentor.pk in (engagement.protege_id, by.pk):
        raise TransitionError("Suggest someone other than yourself or the protégé.")
    wrap_up.next_area = next_area
    wrap_up.next_mentor = next_mentor
    wrap_up.advised_at = now
    wrap_up.save()
    Event.objects.create(engagement=engagement, actor=by, verb=Event.Verb.ADVISED, created_at=now)
    tell(engagement, Verb.ADVISE, actor=by, now=now)
    return wrap_up
