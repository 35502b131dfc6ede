"""Drafting and proposing (rules 1, 3, 4 and 5): what a proposal is, the rules it must
meet, and the writes that save a draft, propose it, delete it or start a follow-on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from directory.models import Employee
from engagements.models import (
    Activity,
    Engagement,
    Event,
    Goal,
    Participant,
    Program,
    TransitionError,
    WrapUp,
)
from engagements.rules import ALREADY, Verb, authorise
from engagements.transitions import transition

State = Engagement.State
# Proposals that went nowhere: their protégé may ask someone else the same
# (ProposalData.asked_again; the engagement page offers it).
ASKED_IN_VAIN = (State.DECLINED, State.EXPIRED, State.WITHDRAWN)


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


def budget_minutes(activities: Iterable[ActivityData]) -> int:
    """The hours budget is what the planned activities add up to (rule 4)."""
    return sum(a.count * a.minutes_each for a in activities)


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
        return budget_minutes(self.activities)

    @classmethod
    def of(cls, engagement: Engagement) -> ProposalData:
        """The one way from an engagement back to what its form shows."""
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

    @classmethod
    def asked_again(cls, engagement: Engagement, *, mentor: Employee | None) -> ProposalData:
        """A proposal that went nowhere (declined, expired, withdrawn), to ask someone
        else: what it asked, with no dates (the old ones have likely passed) and only the
        peers who had not said no, invited afresh (none of them the new mentor)."""
        data = cls.of(engagement)
        data.mentor = mentor
        data.start_date = data.end_date = None
        data.peers = [
            p.employee
            for p in engagement.participants.all()
            if p.answer != Participant.Answer.DECLINED
            and p.employee.is_active
            and p.employee != mentor
        ]
        return data


class ProposalError(TransitionError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


def goal_limit_message(program: Program, count: int) -> str:
    """Refuses a goal beyond the programme's maximum (rule 1), for the rule check and
    for the form's "+ Add a goal" alike."""
    if count <= program.max_goals:
        return ""
    return (
        f"At most {program.max_goals} goals: a micro-engagement stays targeted. "
        "Start another engagement for more."
    )


def mentor_refusal(mentor: Employee, *, protege: Employee, today: dt.date) -> str:
    """Why this person cannot be proposed to now, in words; empty when they can."""
    if mentor.pk == protege.pk:
        return "You cannot propose an engagement to yourself."
    if mentor.is_available_to_mentor(today):
        return ""
    if not mentor.is_active:
        return f"{mentor.full_name} is no longer in the directory."
    if not mentor.open_to_mentoring:
        return f"{mentor.full_name} is not taking mentoring requests right now."
    if mentor.snoozed_until and mentor.snoozed_until > today:
        return (
            f"{mentor.full_name} is not taking requests until "
            f"{mentor.snoozed_until:%-d %B %Y}. Try someone else, or ask again then."
        )
    return (
        f"{mentor.full_name} is at capacity ({mentor.mentoring_capacity} engagement"
        f"{'s' if mentor.mentoring_capacity != 1 else ''} at a time). Try someone else, "
        "or later."
    )


def check_proposal(
    data: ProposalData, *, protege: Employee, program: Program, today: dt.date
) -> dict[str, list[str]]:
    """Every rule a proposal must meet, as {field: [messages]}; empty when it may go."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        if message:
            errors.setdefault(name, []).append(message)

    if not data.title.strip():
        refuse("title", "Give the engagement a short title.")
    mentor = data.mentor
    if mentor is None:
        refuse("mentor", "Choose a mentor.")
    else:
        refuse("mentor", mentor_refusal(mentor, protege=protege, today=today))
    if not data.goals:
        refuse("goals", "Set at least one goal.")
    refuse("goals", goal_limit_message(program, len(data.goals)))
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
    if data.mentor is None:
        # A draft is a proposal to someone: the rest may be half done, not that.
        raise ProposalError({"mentor": ["Choose a mentor before saving the draft."]})
    if engagement is None:
        engagement = Engagement(
            program=Program.default(), protege=protege, follows=follows, state=State.DRAFT
        )
    else:
        # Lock the row: a draft being proposed in another tab must not change under it.
        engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
        authorise(Verb.EDIT, engagement, protege)
    created = engagement.pk is None
    for name in ("title", "mentor", "role", "role_detail", "note", "start_date", "end_date"):
        setattr(engagement, name, getattr(data, name))
    engagement.budget_minutes = data.budget_minutes
    engagement.save()
    if created:
        Event.objects.create(
            engagement=engagement, actor=protege, verb=Event.Verb.DRAFTED, created_at=now
        )
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
    authorise(Verb.DELETE, engagement, by)
    if not Engagement.objects.filter(pk=engagement.pk, state=State.DRAFT).delete()[0]:
        state = Engagement.objects.filter(pk=engagement.pk).values_list("state", flat=True)
        raise TransitionError(ALREADY.get(state.first(), "Not a draft any more."))


@transaction.atomic
def propose(engagement: Engagement, *, by: Employee, now: dt.datetime | None = None) -> None:
    """Check every rule on the saved draft, then send it (raises ProposalError)."""
    now = now or timezone.now()
    authorise(Verb.PROPOSE, engagement, by)
    engagement = (
        Engagement.objects.select_related("program").select_for_update().get(pk=engagement.pk)
    )
    program = engagement.program
    errors = check_proposal(
        ProposalData.of(engagement),
        protege=engagement.protege,
        program=program,
        today=program.today(now),
    )
    if errors:
        raise ProposalError(errors)
    transition(
        engagement,
        Verb.PROPOSE,
        actor=by,
        now=now,
        proposed_at=now,
        expires_at=now + dt.timedelta(days=program.expire_after_days),
    )


FOLLOW_ON = "Follow-on: "


def start_follow_on(
    engagement: Engagement, *, by: Employee, now: dt.datetime | None = None
) -> tuple[Engagement, bool]:
    """(the draft, whether it is new): a new draft prefilled from the old engagement,
    proposed like any other. One at a time: asked again (a second tab, a double click)
    while it is still a draft, it is that draft, as left."""
    authorise(Verb.FOLLOW_ON, engagement, by)
    with transaction.atomic():
        # The old engagement's row lock puts two requests at once one after the other.
        Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
        drafts = Engagement.objects.filter(follows=engagement, protege=by, state=State.DRAFT)
        if (draft := drafts.order_by("pk").first()) is not None:
            return draft, False
        return _new_follow_on(engagement, by=by, now=now), True


def _new_follow_on(engagement: Engagement, *, by: Employee, now: dt.datetime | None) -> Engagement:
    data = ProposalData.of(engagement)
    # One "Follow-on: " however long the chain: a follow-on of a follow-on is not
    # "Follow-on: Follow-on: ...".
    data.title = f"{FOLLOW_ON}{engagement.title.removeprefix(FOLLOW_ON)}"[:120]
    data.start_date = data.end_date = None
    data.peers = []
    wrap_up = WrapUp.objects.filter(engagement=engagement).first()
    if wrap_up and wrap_up.next_area:
        data.goals = [GoalData(wrap_up.next_area, "")]
    return save_draft(data, protege=by, follows=engagement, now=now)
