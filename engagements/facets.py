"""The engagements behind a figure of the participation report.

One definition of each filter, used by the programme list (`ProgrammeFilterForm`) and by
the reports, so that a figure on the report and the total of the list it links to are
the same query and cannot drift apart.

The period: an engagement belongs to a period by the date, in its programme's time
zone, on which it was proposed (drafts were never proposed and are in no period).
The department is the protégé's.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from engagements.models import Engagement, Goal, Meeting, Participant, Program

State = Engagement.State
# Accepted by the mentor: it ran, or runs (the funnel's "accepted").
RAN = [State.ACTIVE, State.COMPLETED, State.CANCELLED]
ACCEPTED = "accepted"

YES_NO = [("", "Either"), ("yes", "Yes"), ("no", "No")]
GOALS = [("", "Any"), ("1", "One goal"), ("2", "Two goals")]
OUTCOMES = [("", "Any")] + list(Goal.Outcome.choices)
USAGE = [
    ("", "Any"),
    ("none", "No time logged"),
    ("under_half", "Under half the budget"),
    ("over_half", "Half the budget or more"),
    ("full", "The whole budget"),
]
ADVICE = [
    ("", "Any"),
    ("given", "The mentor advised what next"),
    ("suggested", "The mentor suggested a next mentor"),
    ("taken", "The suggestion became an engagement"),
]


def midnight(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(zone))


def proposed_between(
    engagements: QuerySet, programs: Iterable[Program], start: dt.date | None, end: dt.date | None
) -> QuerySet:
    """Engagements of these programmes proposed on a programme-local date from `start` to
    `end`, both included. One range condition per time zone (programmes are few), so the
    (program, proposed_at) index serves it."""
    by_zone = defaultdict(list)
    for program in programs:
        by_zone[program.time_zone].append(program.pk)
    if not by_zone:
        return engagements.none()
    condition = Q()
    for zone, ids in by_zone.items():
        part = Q(program__in=ids)
        if start:
            part &= Q(proposed_at__gte=midnight(start, zone))
        if end:
            part &= Q(proposed_at__lt=midnight(end + dt.timedelta(days=1), zone))
        condition |= part
    return engagements.filter(condition)


def proposed_month(programs: Iterable[Program]):
    """The first day of the month in which each engagement was proposed, by the same
    clock as proposed_between (its own programme's zone): an engagement proposed on the
    evening of 30 June in New York is June's, though it is already July in London."""
    by_zone = defaultdict(list)
    for program in programs:
        by_zone[program.time_zone].append(program.pk)
    months = [
        When(program__in=ids, then=TruncMonth("proposed_at", tzinfo=zoneinfo.ZoneInfo(zone)))
        for zone, ids in by_zone.items()
    ]
    if len(months) == 1:
        return months[0].result  # one zone: no CASE to plan
    return Case(*months, default=TruncMonth("proposed_at"), output_field=DateTimeField())


def minutes_used():
    """The minutes logged on the engagement (0 when none)."""
    logged = (
        Meeting.objects.filter(engagement=OuterRef("pk"))
        .order_by()
        .values("engagement")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Coalesce(Subquery(logged, output_field=IntegerField()), 0)


def goal_count():
    return Coalesce(
        Subquery(
            Goal.objects.filter(engagement=OuterRef("pk"))
            .order_by()
            .values("engagement")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_peers() -> Exists:
    """At least one invited peer joined."""
    return Exists(
        Participant.objects.filter(engagement=OuterRef("pk"), answer=Participant.Answer.ACCEPTED)
    )


def with_outcome(outcome: str) -> Exists:
    return Exists(Goal.objects.filter(engagement=OuterRef("pk"), outcome=outcome))


def cross_department() -> Q:
    """Protégé and mentor in two different (known) departments."""
    return Q(protege__department__isnull=False, mentor__department__isnull=False) & ~Q(
        protege__department=F("mentor__department")
    )


def suggestion_taken() -> Exists:
    """The mentor's suggested next mentor: the protégé proposed to them afterwards."""
    return Exists(
        Engagement.objects.filter(
            protege=OuterRef("protege"),
            mentor=OuterRef("wrap_up__next_mentor"),
            proposed_at__gte=OuterRef("wrap_up__advised_at"),
        )
    )


def by_state(engagements: QuerySet, state: str) -> QuerySet:
    if state == ACCEPTED:
        return engagements.filter(state__in=RAN)
    return engagements.filter(state=state)


def by_usage(engagements: QuerySet, usage: str) -> QuerySet:
    engagements = engagements.alias(used=minutes_used())
    return engagements.filter(
        {
            "none": Q(used=0),
            "under_half": Q(used__gt=0, used__lt=F("budget_minutes") / 2.0),
            "over_half": Q(used__gte=F("budget_minutes") / 2.0, used__lt=F("budget_minutes")),
            "full": Q(used__gte=F("budget_minutes"), used__gt=0),
        }[usage]
    )


def by_advice(engagements: QuerySet, advice: str) -> QuerySet:
    if advice == "given":
        return engagements.filter(wrap_up__advised_at__isnull=False)
    engagements = engagements.filter(wrap_up__next_mentor__isnull=False)
    if advice == "taken":
        engagements = engagements.filter(suggestion_taken())
    return engagements


def yes_no(engagements: QuerySet, answer: str, condition) -> QuerySet:
    return engagements.filter(condition) if answer == "yes" else engagements.exclude(condition)


def apply(engagements: QuerySet, data: dict) -> QuerySet:
    """Every facet set in `data` (a filter form's cleaned data), except the period."""
    if data.get("department"):
        engagements = engagements.filter(protege__department=data["department"])
    if data.get("program"):
        engagements = engagements.filter(program=data["program"])
    if data.get("state"):
        engagements = by_state(engagements, data["state"])
    if data.get("goals"):
        engagements = engagements.alias(n_goals=goal_count()).filter(n_goals=int(data["goals"]))
    if data.get("peers"):
        engagements = yes_no(engagements, data["peers"], with_peers())
    if data.get("cross"):
        engagements = yes_no(engagements, data["cross"], cross_department())
    if data.get("outcome"):
        engagements = engagements.filter(with_outcome(data["outcome"]))
    if data.get("usage"):
        engagements = by_usage(engagements, data["usage"])
    if data.get("follow_on"):
        engagements = yes_no(engagements, data["follow_on"], Q(follows__isnull=False))
    if data.get("thanked"):
        engagements = yes_no(engagements, data["thanked"], Q(wrap_up__thanked_at__isnull=False))
    if data.get("advice"):
        engagements = by_advice(engagements, data["advice"])
    if data.get("reason"):
        engagements = engagements.filter(decline_reason=data["reason"])
    if data.get("mentor"):
        engagements = engagements.filter(mentor=data["mentor"])
    return engagements
