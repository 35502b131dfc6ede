"""The engagement's life: every state change, and every write that must follow a rule.

The allowed transitions are written down once, in TRANSITIONS. Each function here checks
who may act, changes the state with a conditional UPDATE (0 rows changed means someone
else already did it: a double-click or two tabs act once), writes the audit Event and
queues the Notifications, all in one transaction. Views and tasks call these; nothing
else writes an engagement's state.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from directory.models import Employee
from engagements.models import (
    Activity,
    Engagement,
    Event,
    Goal,
    Meeting,
    Notification,
    Participant,
    Program,
    TransitionError,
    WrapUp,
)

State = Engagement.State
Kind = Notification.Kind

# verb: (from, to). Drafts are deleted, not transitioned.
TRANSITIONS: dict[str, tuple[str, str]] = {
    "propose": (State.DRAFT, State.PROPOSED),
    "accept": (State.PROPOSED, State.ACTIVE),
    "decline": (State.PROPOSED, State.DECLINED),
    "withdraw": (State.PROPOSED, State.WITHDRAWN),
    "expire": (State.PROPOSED, State.EXPIRED),
    "complete": (State.ACTIVE, State.COMPLETED),
    "cancel": (State.ACTIVE, State.CANCELLED),
}
ALREADY = {
    State.PROPOSED: "This engagement has already been proposed.",
    State.ACTIVE: "This proposal was already accepted.",
    State.COMPLETED: "This engagement has already ended.",
    State.DECLINED: "This proposal was already declined.",
    State.WITHDRAWN: "This proposal was withdrawn by the protégé.",
    State.EXPIRED: "This proposal expired without an answer.",
    State.CANCELLED: "This engagement was cancelled.",
    State.DRAFT: "This engagement is still a draft.",
}


# ---------------------------------------------------------------------------
# Drafts and the proposal rules (rules 1, 3, 4 and 5)


@dataclass
class GoalData:
    description: str
    measure: str = ""


@dataclass
class ActivityData:
    kind: str
    count: int
    minutes_each: int
    description: str = ""

    @property
    def minutes(self) -> int:
        return self.count * self.minutes_each


@dataclass
class ProposalData:
    """What the propose form collects; saved as a draft, checked before proposing."""

    title: str
    mentor: Employee | None
    role: str = ""
    role_detail: str = ""
    note: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    goals: list[GoalData] = field(default_factory=list)
    activities: list[ActivityData] = field(default_factory=list)
    peers: list[Employee] = field(default_factory=list)

    @property
    def budget_minutes(self) -> int:
        return sum(a.minutes for a in self.activities)

    @classmethod
    def of(cls, engagement: Engagement) -> ProposalData:
        return cls(
            title=engagement.title,
            mentor=engagement.mentor,
            role=engagement.role,
            role_detail=engagement.role_detail,
            note=engagement.note,
            start_date=engagement.start_date,
            end_date=engagement.end_date,
            goals=[GoalData(g.description, g.measure) for g in engagement.goals.all()],
            activities=[
                ActivityData(a.kind, a.count, a.minutes_each, a.description)
                for a in engagement.activities.all()
            ],
            peers=[p.employee for p in engagement.participants.all()],
        )


def mentor_load(mentor: Employee) -> int:
    return Engagement.objects.for_mentor(mentor).active().count()


def check_proposal(
    data: ProposalData, *, protege: Employee, program: Program, today: dt.date
) -> dict[str, list[str]]:
    """Every rule a proposal must meet, as {field: [messages]}; empty when it may go."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.title.strip():
        refuse("title", "Give the engagement a short title.")
    mentor = data.mentor
    if mentor is None:
        refuse("mentor", "Choose a mentor.")
    elif mentor.pk == protege.pk:
        refuse("mentor", "You cannot propose an engagement to yourself.")
    elif not mentor.is_active:
        refuse("mentor", f"{mentor.full_name} is no longer in the directory.")
    elif not mentor.open_to_mentoring:
        refuse("mentor", f"{mentor.full_name} is not taking mentoring requests right now.")
    elif mentor.snoozed_until and mentor.snoozed_until > today:
        refuse(
            "mentor",
            f"{mentor.full_name} is not taking requests until "
            f"{mentor.snoozed_until:%-d %B %Y}. Try someone else, or ask again then.",
        )
    elif mentor_load(mentor) >= mentor.mentoring_capacity:
        refuse(
            "mentor",
            f"{mentor.full_name} is at capacity ({mentor.mentoring_capacity} engagements "
            "at a time). Try someone else, or later.",
        )
    if not data.goals:
        refuse("goals", "Set at least one goal.")
    if len(data.goals) > program.max_goals:
        refuse("goals", f"At most {program.max_goals} goals: keep the engagement targeted.")
    if any(not g.measure.strip() for g in data.goals):
        refuse("goals", "Every goal needs a measure of success.")
    if not data.role:
        refuse("role", "Say what your role will be.")
    elif not data.role_detail.strip():
        refuse("role_detail", "Describe what you will do.")
    if not data.activities:
        refuse("activities", "Plan at least one activity: it sets the hours budget.")
    if data.start_date is None:
        refuse("start_date", "Choose a start date.")
    elif data.start_date < today:
        refuse("start_date", "The start date is in the past.")
    if data.end_date is None:
        refuse("end_date", "Choose an end date.")
    elif data.start_date and data.end_date < data.start_date:
        refuse("end_date", "The end date is before the start date.")
    elif data.start_date and (data.end_date - data.start_date).days + 1 > program.max_length_days:
        refuse(
            "end_date",
            f"An engagement lasts at most {program.max_length_days} days; "
            "plan a follow-on for more.",
        )
    if len(data.peers) > program.max_peers:
        refuse("peers", f"Invite at most {program.max_peers} peers.")
    for peer in data.peers:
        if peer.pk == protege.pk:
            refuse("peers", "You are already in the engagement; invite colleagues.")
        elif mentor and peer.pk == mentor.pk:
            refuse("peers", f"{peer.full_name} is the mentor, not a peer.")
    return errors


@transaction.atomic
def save_draft(
    data: ProposalData,
    *,
    protege: Employee,
    engagement: Engagement | None = None,
    follows: Engagement | None = None,
    now: dt.datetime | None = None,
) -> Engagement:
    """Create or update a draft with its goals, activities and invited peers."""
    now = now or timezone.now()
    if engagement is None:
        engagement = Engagement(
            program=Program.default(), protege=protege, follows=follows, state=State.DRAFT
        )
    else:
        # Lock the row: a draft being proposed in another tab must not change under it.
        engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
        if engagement.protege_id != protege.pk:
            raise TransitionError("Only the protégé edits a draft.")
        if engagement.state != State.DRAFT:
            raise TransitionError(
                "Only a draft can be changed: once proposed, the goals, activities, "
                "dates and budget stay as agreed."
            )
    created = engagement.pk is None
    for name in ("title", "mentor", "role", "role_detail", "note", "start_date", "end_date"):
        setattr(engagement, name, getattr(data, name))
    engagement.budget_minutes = data.budget_minutes
    engagement.save()
    if created:
        Event.objects.create(engagement=engagement, actor=protege, verb="drafted", created_at=now)
    engagement.goals.all().delete()
    Goal.objects.bulk_create(
        Goal(engagement=engagement, position=i, description=g.description, measure=g.measure)
        for i, g in enumerate(data.goals)
    )
    engagement.activities.all().delete()
    Activity.objects.bulk_create(
        Activity(
            engagement=engagement,
            position=i,
            kind=a.kind,
            description=a.description,
            count=a.count,
            minutes_each=a.minutes_each,
        )
        for i, a in enumerate(data.activities)
    )
    engagement.participants.all().delete()
    Participant.objects.bulk_create(
        Participant(engagement=engagement, employee=peer) for peer in data.peers
    )
    return engagement


@transaction.atomic
def delete_draft(engagement: Engagement, *, by: Employee) -> None:
    if engagement.protege_id != by.pk:
        raise TransitionError("Only the protégé can delete a draft.")
    if not Engagement.objects.filter(pk=engagement.pk, state=State.DRAFT).delete()[0]:
        raise TransitionError(ALREADY.get(_current_state(engagement), "Not a draft any more."))


# ---------------------------------------------------------------------------
# Transitions


def _current_state(engagement: Engagement) -> str:
    return Engagement.objects.filter(pk=engagement.pk).values_list("state", flat=True).first()


def _transition(
    engagement: Engagement,
    verb: str,
    *,
    actor: Employee | None,
    now: dt.datetime,
    message: str = "",
    **fields,
) -> None:
    source, target = TRANSITIONS[verb]
    changed = Engagement.objects.filter(pk=engagement.pk, state=source).update(
        state=target, **fields
    )
    if not changed:
        raise TransitionError(ALREADY.get(_current_state(engagement), "This cannot be done now."))
    engagement.state = target
    for name, value in fields.items():
        setattr(engagement, name, value)
    Event.objects.create(
        engagement=engagement,
        actor=actor,
        verb=verb,
        from_state=source,
        to_state=target,
        message=message,
        created_at=now,
    )


def notify(
    engagement: Engagement,
    kind: str,
    recipients: Iterable[Employee],
    *,
    actor: Employee | None = None,
    now: dt.datetime,
    occasion: str = "",
) -> None:
    """Queue one message per person; the unique key drops repeats of the same occasion."""
    Notification.objects.bulk_create(
        [
            Notification(
                engagement=engagement,
                kind=kind,
                recipient=person,
                actor=actor,
                occasion=occasion,
                created_at=now,
                due_at=now,
            )
            for person in {p.pk: p for p in recipients}.values()
        ],
        ignore_conflicts=True,
    )


def _joined_peers(engagement: Engagement) -> list[Employee]:
    return [
        p.employee
        for p in engagement.participants.select_related("employee").filter(
            answer=Participant.Answer.ACCEPTED
        )
    ]


def _invited_peers(engagement: Engagement) -> list[Participant]:
    return list(
        engagement.participants.select_related("employee").exclude(
            answer=Participant.Answer.DECLINED
        )
    )


@transaction.atomic
def propose(engagement: Engagement, *, by: Employee, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if engagement.protege_id != by.pk:
        raise TransitionError("Only the protégé proposes an engagement.")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    program = engagement.program
    today = timezone.localdate(now, timezone=program_zone(program))
    errors = check_proposal(
        ProposalData.of(engagement), protege=engagement.protege, program=program, today=today
    )
    if errors:
        raise ProposalError(errors)
    _transition(
        engagement,
        "propose",
        actor=by,
        now=now,
        proposed_at=now,
        expires_at=now + dt.timedelta(days=program.expire_after_days),
    )
    notify(engagement, Kind.PROPOSAL_RECEIVED, [engagement.mentor], actor=by, now=now)
    notify(
        engagement,
        Kind.PEER_INVITED,
        [p.employee for p in _invited_peers(engagement)],
        actor=by,
        now=now,
    )


class ProposalError(TransitionError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


@transaction.atomic
def accept(engagement: Engagement, *, by: Employee, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if engagement.mentor_id != by.pk:
        raise TransitionError("Only the mentor can accept this proposal.")
    _transition(engagement, "accept", actor=by, now=now, decided_at=now)
    # Peers who have not answered yet still can; the protégé and joined peers hear now.
    notify(
        engagement,
        Kind.ACCEPTED,
        [engagement.protege, *_joined_peers(engagement)],
        actor=by,
        now=now,
    )


@transaction.atomic
def decline(
    engagement: Engagement,
    *,
    by: Employee,
    reason: str,
    message: str = "",
    suggested_mentor: Employee | None = None,
    now: dt.datetime | None = None,
) -> None:
    now = now or timezone.now()
    if engagement.mentor_id != by.pk:
        raise TransitionError("Only the mentor can decline this proposal.")
    if reason not in Engagement.DeclineReason.values:
        raise TransitionError("Choose a reason for declining.")
    if suggested_mentor and suggested_mentor.pk in (engagement.protege_id, by.pk):
        raise TransitionError("Suggest someone other than yourself or the protégé.")
    _transition(
        engagement,
        "decline",
        actor=by,
        now=now,
        message=message,
        decided_at=now,
        decline_reason=reason,
        decline_message=message,
        suggested_mentor=suggested_mentor,
    )
    notify(engagement, Kind.DECLINED, [engagement.protege], actor=by, now=now)


@transaction.atomic
def withdraw(engagement: Engagement, *, by: Employee, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if engagement.protege_id != by.pk:
        raise TransitionError("Only the protégé can withdraw a proposal.")
    _transition(engagement, "withdraw", actor=by, now=now, closed_at=now)
    notify(
        engagement,
        Kind.WITHDRAWN,
        [engagement.mentor, *[p.employee for p in _invited_peers(engagement)]],
        actor=by,
        now=now,
    )


@transaction.atomic
def expire(engagement: Engagement, *, now: dt.datetime | None = None) -> None:
    """No answer by the deadline (the sweep calls this)."""
    now = now or timezone.now()
    _transition(engagement, "expire", actor=None, now=now, closed_at=now)
    notify(engagement, Kind.EXPIRED, [engagement.protege], now=now)


@transaction.atomic
def complete(engagement: Engagement, *, now: dt.datetime | None = None) -> None:
    """The end date has passed (the sweep calls this): logging stops, wrap-up starts."""
    now = now or timezone.now()
    _transition(engagement, "complete", actor=None, now=now, closed_at=now)
    notify(
        engagement,
        Kind.COMPLETED,
        [engagement.protege, engagement.mentor, *_joined_peers(engagement)],
        now=now,
    )


@transaction.atomic
def cancel(
    engagement: Engagement, *, by: Employee, reason: str, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    if by.pk not in (engagement.protege_id, engagement.mentor_id):
        raise TransitionError("Only the protégé or the mentor can cancel.")
    if not reason.strip():
        raise TransitionError("Say why you are cancelling: the other side deserves to know.")
    _transition(
        engagement, "cancel", actor=by, now=now, message=reason, closed_at=now, cancel_reason=reason
    )
    others = [engagement.protege, engagement.mentor, *_joined_peers(engagement)]
    notify(engagement, Kind.CANCELLED, [p for p in others if p.pk != by.pk], actor=by, now=now)


def program_zone(program: Program) -> zoneinfo.ZoneInfo:
    """Dates of an engagement (start, end, "today") are days in the programme's zone."""
    return zoneinfo.ZoneInfo(program.time_zone)


# ---------------------------------------------------------------------------
# Peers


@transaction.atomic
def answer_invitation(
    engagement: Engagement, *, by: Employee, join: bool, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    answer = Participant.Answer.ACCEPTED if join else Participant.Answer.DECLINED
    changed = Participant.objects.filter(
        engagement=engagement,
        employee=by,
        answer=Participant.Answer.INVITED,
        engagement__state__in=[State.PROPOSED, State.ACTIVE],
    ).update(answer=answer, answered_at=now)
    if not changed:
        raise TransitionError("This invitation was already answered or is no longer open.")
    Event.objects.create(
        engagement=engagement,
        actor=by,
        verb="peer_joined" if join else "peer_declined",
        created_at=now,
    )
    notify(engagement, Kind.PEER_ANSWERED, [engagement.protege], actor=by, now=now)


# ---------------------------------------------------------------------------
# Time (rule 6: stick to your word)


def minutes_used(engagement: Engagement) -> int:
    return engagement.meetings.aggregate(total=Sum("minutes"))["total"] or 0


def is_participant(engagement: Engagement, employee: Employee) -> bool:
    return (
        employee.pk in (engagement.protege_id, engagement.mentor_id)
        or engagement.participants.filter(
            employee=employee, answer=Participant.Answer.ACCEPTED
        ).exists()
    )


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
    if not is_participant(engagement, by):
        raise TransitionError("Only the people in this engagement log its meetings.")
    if engagement.state != State.ACTIVE:
        if engagement.state == State.COMPLETED:
            raise TransitionError(
                f"The engagement ended on {engagement.end_date:%-d %B %Y}; the end date "
                "holds, so no more time can be logged. Propose a follow-on for more."
            )
        raise TransitionError("Meetings are logged on active engagements only.")
    today = timezone.localdate(now, timezone=program_zone(engagement.program))
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
    used = minutes_used(engagement)
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


def format_minutes(minutes: int) -> str:
    """120 → "2 h", 90 → "1 h 30 min", 45 → "45 min"."""
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


# ---------------------------------------------------------------------------
# Wrap-up and follow-on


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
    if engagement.protege_id != by.pk:
        raise TransitionError("Only the protégé marks the goals and thanks the mentor.")
    if engagement.state != State.COMPLETED:
        raise TransitionError("Wrap-up opens when the engagement has ended.")
    goals = {g.pk: g for g in engagement.goals.all()}
    if set(outcomes) != set(goals) or not set(outcomes.values()) <= set(Goal.Outcome.values):
        raise TransitionError("Mark every goal as met, partly met or not met.")
    if not thank_you.strip():
        raise TransitionError("Write a few words of thanks to your mentor.")
    wrap_up, _ = WrapUp.objects.select_for_update().get_or_create(engagement=engagement)
    if wrap_up.thanked_at:
        raise TransitionError("You have already wrapped up this engagement.")
    for pk, outcome in outcomes.items():
        Goal.objects.filter(pk=pk).update(outcome=outcome)
    wrap_up.thank_you = thank_you
    wrap_up.thanked_at = now
    wrap_up.save()
    Event.objects.create(engagement=engagement, actor=by, verb="thanked", created_at=now)
    notify(engagement, Kind.THANKED, [engagement.mentor], actor=by, now=now)
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
    if engagement.mentor_id != by.pk:
        raise TransitionError("Only the mentor suggests what and whom next.")
    if engagement.state != State.COMPLETED:
        raise TransitionError("Wrap-up opens when the engagement has ended.")
    if not next_area.strip():
        raise TransitionError("Name the next area to develop.")
    if next_mentor and next_mentor.pk in (engagement.protege_id, by.pk):
        raise TransitionError("Suggest someone other than yourself or the protégé.")
    wrap_up, _ = WrapUp.objects.select_for_update().get_or_create(engagement=engagement)
    if wrap_up.advised_at:
        raise TransitionError("You have already given your advice.")
    wrap_up.next_area = next_area
    wrap_up.next_mentor = next_mentor
    wrap_up.advised_at = now
    wrap_up.save()
    Event.objects.create(engagement=engagement, actor=by, verb="advised", created_at=now)
    notify(engagement, Kind.ADVISED, [engagement.protege], actor=by, now=now)
    return wrap_up


def start_follow_on(
    engagement: Engagement, *, by: Employee, now: dt.datetime | None = None
) -> Engagement:
    """A new draft prefilled from the old engagement; proposed like any other."""
    if engagement.protege_id != by.pk:
        raise TransitionError("Only the protégé proposes a follow-on.")
    if engagement.state not in (State.COMPLETED, State.CANCELLED):
        raise TransitionError("A follow-on starts when this engagement has ended.")
    data = ProposalData.of(engagement)
    data.title = f"Follow-on: {engagement.title}"[:120]
    data.start_date = data.end_date = None
    data.peers = []
    wrap_up = WrapUp.objects.filter(engagement=engagement).first()
    if wrap_up and wrap_up.next_area:
        data.goals = [GoalData(wrap_up.next_area, "")]
    return save_draft(data, protege=by, follows=engagement, now=now)


# ---------------------------------------------------------------------------
# Recognition and the method's aim (about six micro-mentors a year)


def mentor_record(mentor: Employee) -> dict:
    counts = Engagement.objects.for_mentor(mentor).aggregate(
        completed=Count("pk", filter=Q(state=State.COMPLETED)),
        active=Count("pk", filter=Q(state=State.ACTIVE)),
    )
    thanks = list(
        WrapUp.objects.filter(engagement__mentor=mentor, thanked_at__isnull=False)
        .select_related("engagement__protege")
        .order_by("-thanked_at")[:5]
    )
    return {**counts, "thanks": thanks}


def micro_mentors_last_year(protege: Employee, *, now: dt.datetime | None = None) -> int:
    since = (now or timezone.now()) - dt.timedelta(days=365)
    return (
        Engagement.objects.for_protege(protege)
        .filter(state__in=[State.ACTIVE, State.COMPLETED], decided_at__gte=since)
        .values("mentor")
        .distinct()
        .count()
    )
