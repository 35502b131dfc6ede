"""`seed_demo --engagements N`: a programme history that reads as three years of people
using the app — every state in believable proportions, written exactly as the workflow
writes it (the sweep finds nothing left to do), the same for the same N, topped up and
never repeated when run again."""

import datetime as dt
from collections import Counter
from dataclasses import replace
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum

from directory.models import Employee
from engagements import rules, sweep
from engagements.models import (
    Engagement,
    Event,
    Goal,
    Meeting,
    Notification,
    Participant,
    Program,
    WrapUp,
)
from mentorship.demo.history import seed_history
from mentorship.models import SeededHistory

pytestmark = pytest.mark.django_db
State = Engagement.State
# A fixed instant (a Wednesday morning in the programme's zone): the same history at
# every hour of the year the suite runs.
NOW = dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC)
SIZE = 1500
DEMO_PEOPLE = ["priya.patel@example.com", "daniel.okafor@example.com"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def seed(employees=60, engagements=SIZE) -> str:
    out = StringIO()
    call_command("seed_demo", employees=employees, engagements=engagements, stdout=out)
    return out.getvalue()


def states() -> Counter:
    return Counter(dict(Engagement.objects.values_list("state").annotate(n=Count("pk"))))


def generated(path: str = "") -> Q:
    """Not the hand-made demo (mentorship.demo.engagements): below the busy size, the
    history leaves the demo logins out."""
    return ~Q(**{f"{path}protege__email__in": DEMO_PEOPLE}) & ~Q(
        **{f"{path}mentor__email__in": DEMO_PEOPLE}
    )


def test_the_history_has_every_state_in_believable_proportions(frozen):
    assert "Programme history: 1500 engagements added" in seed()
    counts = states()
    total = sum(counts.values())
    assert total == SIZE + 4  # and the four hand-made ones around the demo logins
    assert set(counts) == set(State.values) - {State.DRAFT}
    share = {state: n / total for state, n in counts.items()}
    assert 0.55 <= share[State.COMPLETED] <= 0.8
    assert 0.05 <= share[State.DECLINED] <= 0.2
    assert 0.02 <= share[State.EXPIRED] <= 0.1
    assert 0.01 <= share[State.WITHDRAWN] <= 0.08
    assert 0.01 <= share[State.CANCELLED] <= 0.08
    assert 0.01 <= share[State.ACTIVE] <= 0.1
    assert counts[State.PROPOSED] >= 3
    ran = Engagement.objects.filter(state__in=[State.COMPLETED, State.ACTIVE, State.CANCELLED])
    assert ran.exclude(protege__department=F("mentor__department")).count() > ran.count() / 5
    two_goals = Engagement.objects.annotate(n=Count("goals")).filter(n=2).count()
    assert 0.6 <= two_goals / total <= 0.8
    assert Engagement.objects.filter(follows__isnull=False).count() > 0.03 * total


def test_the_history_keeps_every_rule_of_the_programme(frozen):
    seed()
    program = Program.default()
    today = program.today()
    engagements = Engagement.objects.all()
    # Capacity: each mentor's stored load is their active count, never over capacity.
    active = dict(
        engagements.filter(state=State.ACTIVE).values_list("mentor").annotate(n=Count("pk"))
    )
    for pk, load, capacity in Employee.objects.values_list(
        "pk", "mentoring_load", "mentoring_capacity"
    ):
        assert load == active.get(pk, 0) <= capacity
    # Dates: proposed ones still within their answer window, active ones running today,
    # completed ones over, none longer than the programme allows.
    proposed = engagements.filter(state=State.PROPOSED)
    assert not proposed.filter(
        Q(expires_at__lte=NOW) | Q(proposed_at__lt=NOW - dt.timedelta(program.expire_after_days))
    ).exists()
    assert not engagements.filter(
        Q(state=State.ACTIVE) & (Q(start_date__gt=today) | Q(end_date__lt=today))
    ).exists()
    assert not engagements.filter(state=State.COMPLETED, end_date__gte=today).exists()
    assert not engagements.filter(closed_at__gt=NOW).exists()
    assert not engagements.filter(decided_at__gt=NOW).exists()
    for start, end in engagements.values_list("start_date", "end_date"):
        assert (end - start).days + 1 <= program.max_length_days
    # Budgets come from the activities; time logged never goes past them.
    budgets = engagements.annotate(
        planned=Sum(F("activities__count") * F("activities__minutes_each"))
    )
    assert not budgets.exclude(budget_minutes=F("planned")).exists()
    logged = engagements.annotate(used=Sum("meetings__minutes")).filter(used__gt=0)
    assert not logged.filter(used__gt=F("budget_minutes")).exists()
    assert not Meeting.objects.filter(held_on__gt=F("engagement__end_date")).exists()
    assert not Meeting.objects.filter(held_on__lt=F("engagement__start_date")).exists()
    done = logged.filter(state=State.COMPLETED).aggregate(b=Sum("budget_minutes"), u=Sum("used"))
    assert 0.7 <= done["u"] / done["b"] <= 1  # near the budget, some under
    assert not engagements.annotate(n=Count("goals")).filter(Q(n=0) | Q(n__gt=2)).exists()


def test_the_history_is_written_as_the_workflow_writes_it(frozen):
    seed()
    events = Event.objects.values_list("engagement", "verb")
    by_engagement: dict[int, Counter] = {}
    for engagement, verb in events:
        by_engagement.setdefault(engagement, Counter())[verb] += 1
    for pk, state in Engagement.objects.values_list("pk", "state"):
        verbs = by_engagement[pk]
        assert verbs["propose"] == 1, (pk, state)
        decided = verbs["accept"] + verbs["decline"]
        closed = verbs["withdraw"] + verbs["expire"]
        assert decided + closed == (0 if state == State.PROPOSED else 1), (pk, state, verbs)
        assert verbs["complete"] == (state == State.COMPLETED)
        assert verbs["cancel"] == (state == State.CANCELLED)
    transitions = Event.objects.exclude(to_state="")
    assert not transitions.exclude(
        Q(verb="propose", from_state=State.DRAFT, to_state=State.PROPOSED)
        | Q(verb="accept", from_state=State.PROPOSED, to_state=State.ACTIVE)
        | Q(verb="decline", from_state=State.PROPOSED, to_state=State.DECLINED)
        | Q(verb="withdraw", from_state=State.PROPOSED, to_state=State.WITHDRAWN)
        | Q(verb="expire", from_state=State.PROPOSED, to_state=State.EXPIRED, actor=None)
        | Q(verb="complete", from_state=State.ACTIVE, to_state=State.COMPLETED, actor=None)
        | Q(verb="cancel", from_state=State.ACTIVE, to_state=State.CANCELLED)
    ).exists()
    # The engagement's timestamps are its events' times.
    assert not Engagement.objects.filter(
        Q(proposed_at__lt=F("events__created_at")) | Q(proposed_at__gt=F("events__created_at")),
        events__verb="propose",
    ).exists()
    # Wrap-ups only where the engagement ended; outcomes only once thanked.
    assert not WrapUp.objects.exclude(engagement__state=State.COMPLETED).exists()
    thanked = WrapUp.objects.filter(thanked_at__isnull=False).count()
    completed = Engagement.objects.filter(state=State.COMPLETED).count()
    assert 0.7 <= thanked / completed <= 0.95
    assert not (
        Goal.objects.filter(outcome="")
        .filter(engagement__wrap_up__thanked_at__isnull=False)
        .exists()
    )
    # ...and on none before: the protégé's thanks alone writes them (meetings.thank_mentor).
    assert not (
        Goal.objects.exclude(outcome="")
        .filter(engagement__wrap_up__thanked_at__isnull=True)
        .exists()
    )
    outcomes = Counter(Goal.objects.exclude(outcome="").values_list("outcome", flat=True))
    assert outcomes["met"] > outcomes["partly"] > outcomes["not_met"] > 0
    suggested = WrapUp.objects.filter(next_mentor__isnull=False).count()
    assert suggested > 0.3 * thanked
    # Notifications: one per unique key (the database enforces it), never to the actor,
    # old ones emailed and mostly read.
    assert not Notification.objects.filter(actor=F("recipient")).exists()
    notifications = Notification.objects.filter(generated("engagement__"))
    assert not notifications.filter(sent_at__isnull=True).exists()
    old = notifications.filter(created_at__lt=NOW - dt.timedelta(days=7))
    assert old.filter(read_at__isnull=False).count() > 0.8 * old.count()
    assert notifications.filter(kind=Notification.Kind.PROPOSAL_RECEIVED).count() == SIZE
    # A decision settles what asked for it: the proposal reads as done when decided.
    decided = notifications.filter(
        kind=Notification.Kind.PROPOSAL_RECEIVED, engagement__decided_at__isnull=False
    )
    assert decided.filter(read_at=F("engagement__decided_at")).count() == decided.count()
    # The sweep, run now, finds nothing to expire, complete or remind.
    before = notifications.count()
    assert sweep.expire_overdue(NOW) == 0
    assert sweep.complete_overdue(NOW) == 0
    sweep.remind(NOW)
    assert notifications.count() == before


def test_the_history_applies_the_rules_table_not_a_copy_of_it(frozen, monkeypatch):
    # Whom a verb tells and what it settles come from engagements.rules.RULES: change
    # the rule and the seeded history follows it, as the workflow would.
    accept = rules.RULES[rules.Verb.ACCEPT]
    told_protege_only = ((rules.Audience.PROTEGE, Notification.Kind.ACCEPTED),)
    monkeypatch.setitem(
        rules.RULES, rules.Verb.ACCEPT, replace(accept, tells=told_protege_only, settles=())
    )
    seed(engagements=300)
    ran = Engagement.objects.filter(generated(), decided_at__isnull=False).exclude(
        state=State.DECLINED
    )
    joined_first = Participant.objects.filter(
        engagement__in=ran, answer="accepted", answered_at__lt=F("engagement__decided_at")
    )
    assert joined_first.exists()  # peers the unchanged rule tells of the acceptance
    accepted = Notification.objects.filter(engagement__in=ran, kind=Notification.Kind.ACCEPTED)
    assert accepted.count() == ran.count()
    assert not accepted.exclude(recipient=F("engagement__protege")).exists()
    # Nothing settled: no proposal reads as done at the moment it was decided.
    assert (
        ran.filter(
            notifications__kind=Notification.Kind.PROPOSAL_RECEIVED,
            notifications__read_at=F("decided_at"),
        ).count()
        == 0
    )


def test_the_sweep_acts_in_the_history_as_often_as_its_beat_schedule_says(frozen, settings):
    # An hourly sweep (SWEEP_EVERY_SECONDS=3600): proposals expire up to an hour late.
    settings.CELERY_BEAT_SCHEDULE = {"sweep": {"schedule": 3600}}
    seed(engagements=300)
    days = Program.default().expire_after_days
    lags = [
        at - proposed - dt.timedelta(days=days)
        for at, proposed in Event.objects.filter(verb="expire").values_list(
            "created_at", "engagement__proposed_at"
        )
    ]
    assert lags and all(dt.timedelta(0) < lag <= dt.timedelta(hours=1) for lag in lags)
    assert max(lags) > dt.timedelta(minutes=5)


def test_the_same_size_gives_the_same_history_and_a_second_run_only_tops_it_up(frozen):
    seed()

    def fingerprint():
        return list(
            Engagement.objects.filter(generated())
            .order_by("pk")
            .values_list("protege", "mentor", "state", "start_date", "budget_minutes")
        )

    first, counts = fingerprint(), states()
    assert seed_history(SIZE) == 0  # already there: nothing repeated
    assert states() == counts
    Engagement.objects.filter(generated()).delete()
    SeededHistory.objects.all().delete()
    assert seed_history(SIZE) == SIZE
    assert fingerprint() == first and states() == counts
    assert seed_history(SIZE + 200) == 200
    assert SeededHistory.objects.get().engagements == SIZE + 200
    assert sum(states().values()) == SIZE + 200 + 4


def test_a_small_history_leaves_the_demo_logins_as_hand_made(frozen):
    seed()
    demo = Engagement.objects.exclude(generated())
    assert sorted(demo.values_list("title", flat=True)) == [
        "Negotiating event sponsorships",
        "Opening a negotiation",
        "Pricing conversations with agencies",
        "Reading a vendor contract",
    ]


def test_a_large_history_gives_the_demo_mentor_a_busy_inbox(frozen):
    seed(employees=120, engagements=0)
    assert seed_history(2500, busy_at=2000) == 2500
    daniel = Employee.objects.get(email="daniel.okafor@example.com")
    priya = Employee.objects.get(email="priya.patel@example.com")
    mentored = Engagement.objects.filter(mentor=daniel)
    waiting = mentored.filter(state=State.PROPOSED).count()
    assert 150 <= mentored.count() <= 280
    assert 12 <= waiting <= 18
    assert daniel.mentoring_load == mentored.filter(state=State.ACTIVE).count()
    assert daniel.mentoring_load < daniel.mentoring_capacity  # free to be proposed to
    assert 8 <= Engagement.objects.filter(protege=priya).count() <= 25
