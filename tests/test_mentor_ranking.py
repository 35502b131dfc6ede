"""The mentor ranking's SQL (engagements.matching) against the rule written plainly in
Python: on a seeded company with a history, for many protégés and goals, on PostgreSQL
and on the embedded default (SQLite, `make run`), the same mentors in the same order
with the same skill named. The crafted cases in test_suggestions say why each rule is
there; this says the fast SQL keeps every one of them for everyone."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from tests.embedded import manage_embedded

pytestmark = pytest.mark.django_db
# A fixed instant: the same company, history and month at every hour of the year.
NOW = dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC)

# Shared by both databases: the reference ranking and the comparison, run as a script
# on SQLite. It reads every row and knows nothing of the SQL's two-step pool.
COMPARISON = """
import datetime as dt
from itertools import islice

from directory.models import Employee, Skill
from engagements.matching import network_of, suggest_mentors, suggest_peers
from engagements.models import Engagement, Participant


class Company:
    # Every person with their skills and interests, and every active engagement: read
    # once, so each case's reference ranking costs no queries but the network's.

    def __init__(self, today):
        self.people = list(Employee.objects.prefetch_related("skills", "interests"))
        self.skills = {p.pk: {s.pk: s.name for s in p.skills.all()} for p in self.people}
        self.interests = {p.pk: {s.pk: s.name for s in p.interests.all()} for p in self.people}
        month_start = today.replace(day=1)
        next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
        self.promised = {}
        for e in Engagement.objects.filter(state=Engagement.State.ACTIVE):
            if e.start_date < next_month and e.end_date >= month_start:
                self.promised[e.mentor_id] = self.promised.get(e.mentor_id, 0) + e.budget_minutes


def reference(company, protege, skills, today, limit, exclude=()):
    wanted = {s.pk for s in skills}
    team, manager, recommended = network_of(protege)
    left_out = {protege.pk, *protege.managers_above(), *exclude}
    level, ranked = protege.level, []
    for person in company.people:
        held = sorted(name for pk, name in company.skills[person.pk].items() if pk in wanted)
        if person.pk in left_out or not held or not person.is_available_to_mentor(today):
            continue
        if company.promised.get(person.pk, 0) >= person.mentoring_hours_per_month * 60:
            continue
        if level + 1 <= person.level <= level + 2:
            tier = 0
        elif person.level > level + 2:
            tier = 1
        elif person.level == level:
            tier = 2
        else:
            tier = 3
        network = (
            10 * (person.pk in recommended)
            + 3 * (person.pk in manager)
            + team.get(person.pk, 0)
        )
        key = (tier, -network, person.mentoring_load, abs(person.level - level))
        ranked.append((*key, person.full_name, person.pk, held[0]))
    return [(pk, held) for *_, pk, held in sorted(ranked)[:limit]]


def reference_peers(company, protege, skills, mentor, limit):
    wanted = {s.pk for s in skills}
    busy = set()
    if mentor:
        open_states = [Engagement.State.PROPOSED, Engagement.State.ACTIVE]
        mentored = Engagement.objects.filter(mentor=mentor, state__in=open_states)
        busy = set(mentored.values_list("protege", flat=True)) | set(
            Participant.objects.filter(engagement__in=mentored)
            .exclude(answer=Participant.Answer.DECLINED)
            .values_list("employee", flat=True)
        )
    ranked = []
    for person in company.people:
        wants = sorted(name for pk, name in company.interests[person.pk].items() if pk in wanted)
        if not person.is_active or not wants or person.pk in busy or person.pk == protege.pk:
            continue
        if mentor and person.pk == mentor.pk:
            continue
        band = 0 if abs(person.level - protege.level) <= 1 else 1
        same = 0 if person.department_id == protege.department_id else 1
        ranked.append((band, same, person.full_name, person.pk, wants[0]))
    return [(pk, wants) for *_, pk, wants in sorted(ranked)[:limit]]


def compare(today):
    skills = list(Skill.objects.order_by("pk"))
    goals = [[s] for s in skills] + [skills[i : i + 3] for i in range(0, len(skills), 3)]
    protégés = list(Employee.objects.order_by("pk")[::7])
    open_states = [Engagement.State.PROPOSED, Engagement.State.ACTIVE]
    busy = Engagement.objects.filter(state__in=open_states).order_by("pk")
    busy_mentors = [e.mentor for e in busy.select_related("mentor")[:20]]
    company = Company(today)
    compared = found = 0
    for n, protege in enumerate(protégés):
        for goal in islice(goals, n % 5, None, 5):
            # Now and then the best two are left out (declined lately, say).
            best = reference(company, protege, goal, today, 2)
            exclude = [pk for pk, _ in best] if n % 3 == 0 else []
            got = suggest_mentors(protege, goal, today=today, limit=5, exclude=exclude)
            expected = reference(company, protege, goal, today, 5, exclude)
            assert [(s.person.pk, s.person.expert_in) for s in got] == expected, (
                protege, goal, exclude
            )
            compared, found = compared + 1, found + len(got)
            # Peers, with no mentor chosen yet and with a busy one.
            for mentor in [None, busy_mentors[n % len(busy_mentors)]]:
                peers = suggest_peers(protege, goal, mentor=mentor)
                wants = [p.reasons[0].removeprefix("Also wants to learn ") for p in peers]
                got = [(p.person.pk, w) for p, w in zip(peers, wants)]
                expected = reference_peers(company, protege, goal, mentor, 5)
                assert got == expected, (protege, goal, mentor)
    return compared, found
"""


def seed() -> None:
    call_command("seed_demo", employees=120, engagements=600, stdout=StringIO())


def test_the_ranking_is_the_rule_for_every_protégé_and_goal():
    with time_machine.travel(NOW, tick=False):
        seed()
        namespace = {}
        exec(COMPARISON, namespace)
        compared, found = namespace["compare"](NOW.date())
    # Enough cases, most with suggestions, for the comparison to mean something.
    assert compared >= 150 and found >= 3 * compared, (compared, found)


def test_the_embedded_default_ranks_by_the_same_rule(tmp_path):
    """The same comparison on SQLite, the company seeded at the same instant."""
    script = COMPARISON + (
        "\nfrom io import StringIO\n"
        "import time_machine\n"
        "from django.core.management import call_command\n"
        f"with time_machine.travel({NOW!r}, tick=False):\n"
        "    call_command('seed_demo', employees=120, engagements=600, stdout=StringIO())\n"
        f"    compared, found = compare({NOW.date()!r})\n"
        "assert compared >= 150 and found >= 3 * compared, (compared, found)\n"
    )
    manage_embedded(
        tmp_path,
        ["migrate", "--no-input", "-v", "0"],
        ["shell", "-c", f"import datetime\n{script}"],
    )
