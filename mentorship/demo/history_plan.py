"""Who takes part in the generated history (mentorship.demo.history) and the plan of one
engagement's life before it becomes rows (mentorship.demo.history_rows)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from directory.models import Employee
from engagements.models import Engagement
from mentorship.demo import DEMO_LOGINS

State = Engagement.State
# The demo's protégé and mentor are the history's busiest: the pages they open are the
# ones a real company's history weighs on.
BUSY_PROTEGE, BUSY_MENTOR = (login["email"] for login in DEMO_LOGINS[:2])


@dataclass(slots=True)
class Peer:
    employee: int
    answer: str = "invited"
    answered_at: dt.datetime | None = None


@dataclass(slots=True)
class Plan:
    """One engagement's whole life, before it becomes rows."""

    pk: int
    protege: int
    mentor: int
    skill: str
    proposed_at: dt.datetime
    created_at: dt.datetime
    expires_at: dt.datetime
    title: str = ""
    follows: int | None = None
    state: str = State.PROPOSED
    role: str = ""
    role_detail: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    goals: list[tuple[str, str]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    activities: list[tuple[str, int, int]] = field(default_factory=list)
    peers: list[Peer] = field(default_factory=list)
    decided_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    decline_reason: str = ""
    suggested_mentor: int | None = None
    cancel_reason: str = ""
    cancelled_by: int | None = None
    meetings: list[tuple[dt.date, int, int, str]] = field(default_factory=list)
    thanked_at: dt.datetime | None = None
    thank_you: str = ""
    advised_at: dt.datetime | None = None
    next_area: str = ""
    next_mentor: int | None = None

    @property
    def budget(self) -> int:
        return sum(count * minutes for _, count, minutes in self.activities)


class Company:
    """Who could mentor whom: experts by skill and level, learners by skill."""

    def __init__(self, rng: random.Random, *, busy: bool, exclude: set[str]):
        people = list(
            Employee.objects.filter(is_active=True)
            .order_by("pk")
            .values_list("pk", "email", "level", "open_to_mentoring", "mentoring_capacity")
        )
        self.level = {pk: level for pk, _, level, _, _ in people}
        self.capacity = {pk: cap for pk, _, _, _, cap in people}
        by_email = {email: pk for pk, email, *_ in people}
        self.excluded = {by_email[e] for e in exclude if e in by_email}
        self.busy_mentor = by_email.get(BUSY_MENTOR) if busy else None
        self.busy_protege = by_email.get(BUSY_PROTEGE) if busy else None
        self.skills, self.interests = self._skills("skills"), self._skills("interests")
        self.learners: dict[str, list[int]] = defaultdict(list)
        for pk, names in self.interests.items():
            if pk not in self.excluded:
                for name in names:
                    self.learners[name].append(pk)
        # A few mentors are much sought after; most are asked now and then.
        self.experts: dict[str, dict[int, tuple[list[int], list[float]]]] = {}
        for pk, _, level, open_, cap in people:
            weight = 1 + 8 * rng.random() ** 4
            # The demo logins' share is set apart (see BUSY_AT), whatever the company's size.
            if not open_ or cap < 1 or pk in self.excluded or pk == self.busy_mentor:
                continue
            for name in self.skills.get(pk, ()):
                ids, cum = self.experts.setdefault(name, {}).setdefault(level, ([], []))
                ids.append(pk)
                cum.append((cum[-1] if cum else 0) + weight)
        self.mentors = sorted(
            {pk for levels in self.experts.values() for ids, _ in levels.values() for pk in ids}
        )
        self.proteges = [
            pk
            for pk, *_ in people
            if pk not in self.excluded and pk != self.busy_protege and pk in self.interests
        ]
        appetite, total = [], 0.0
        for _ in self.proteges:
            total += 0.3 + rng.random() ** 2 * 3  # some people learn much more than others
            appetite.append(total)
        self.appetite = appetite

    @staticmethod
    def _skills(attr: str) -> dict[int, list[str]]:
        through = getattr(Employee, attr).through
        found = defaultdict(list)
        for pk, name in through.objects.order_by("pk").values_list("employee_id", "skill__name"):
            found[pk].append(name)
        return found

    def expert(self, rng: random.Random, skill: str, level: int) -> int | None:
        """Someone "just out of your league — barely": one or two levels up, mostly."""
        levels = self.experts.get(skill, {})
        if rng.random() < 0.8:
            wanted = [lv for lv in (level + 1, level + 2) if lv in levels]
        else:
            wanted = [lv for lv in levels if lv > level]
        wanted = wanted or list(levels)
        if not wanted:
            return None
        ids, cum = levels[rng.choice(wanted)]
        return rng.choices(ids, cum_weights=cum)[0]
