"""A small programme whose every report figure is known in advance.

The report is read on 30 June 2026 (the programme's zone is Europe/London, BST in June),
so "last 30 days" is 1–30 June and the previous period 2–31 May. Engagements are made the
way people make them (draft, propose, decide) at chosen moments:

    E1 Priya (Marketing) → Mark (Sales)        2 goals, peer Tom joins, completed,
                                               4 h logged of 4 h, thanked, next mentor Mona
    E2 Priya → Mona (Marketing)                active, 1 h logged, proposed after E1's advice
    E3 Eli (Engineering) → Erin (Engineering)  declined "not now" after 6 h
    E4 Sam (Sales) → Mark                      expired
    E5 Eli → Mark                              withdrawn
    E6 Sam → Erin                              still waiting
    E7 Priya → Mark                            a follow-on of E1, accepted after 12 h, cancelled
    E8 Sam → Erin   proposed at 00:00 on 1 June (local): declined "at capacity" after 72 h
    E9 Sam → Mark   proposed at 23:59:59 on 31 May (local): previous period, active, 30 min
    E10 in another programme (New York), proposed 30 June 23:30 there (1 July in London)

Answers came after 24 h (E1), 48 h (E2), 12 h (E7), 6 h (E3), 72 h (E8).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import time_machine
from django.contrib.auth import get_user_model

from engagements import proposals, transitions
from engagements.models import Engagement, Goal, Meeting, Program, WrapUp
from tests.factories import DepartmentFactory, EmployeeFactory, engagement_between, make_login

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TODAY = dt.date(2026, 6, 30)
NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=LONDON)


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0, month: int = 6):
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=LONDON)


@dataclass
class Company:
    admin: object
    other_admin: object
    marketing: object
    engineering: object
    sales: object
    priya: object
    eli: object
    sam: object
    tom: object
    mark: object
    erin: object
    mona: object
    program: Program
    other_program: Program
    e: dict


def person(name, department, *, mentor_capacity=0, password=False):
    """An employee with a login (a password only when a browser must type it: hashing
    one costs a second)."""
    employee = EmployeeFactory(
        full_name=name,
        department=department,
        open_to_mentoring=bool(mentor_capacity),
        mentoring_capacity=mentor_capacity or 1,
        level=5 if mentor_capacity else 2,
    )
    if password:
        make_login(employee)
    else:
        employee.user = get_user_model().objects.create(
            username=employee.email, email=employee.email
        )
        employee.save(update_fields=["user"])
    return employee


def make(protege, mentor, *, proposed, state, hours=24, goals=1, peers=(), reason="not_now"):
    """Draft and propose at `proposed`; the mentor decides `hours` later."""
    with time_machine.travel(proposed, tick=False):
        start = proposed.astimezone(LONDON).date() + dt.timedelta(days=1)
        engagement = engagement_between(
            protege, mentor, state="draft", goals=goals, peers=peers, start=start
        )
        proposals.propose(engagement, by=protege)
    decided = proposed + dt.timedelta(hours=hours)
    with time_machine.travel(decided, tick=False):
        if state in ("active", "completed", "cancelled"):
            transitions.accept(engagement, by=mentor)
            for peer in peers:
                transitions.answer_invitation(engagement, by=peer, join=True)
        elif state == "declined":
            transitions.decline(engagement, by=mentor, reason=reason)
        elif state == "withdrawn":
            transitions.withdraw(engagement, by=protege)
        elif state == "expired":
            transitions.expire(engagement)
    with time_machine.travel(decided + dt.timedelta(hours=1), tick=False):
        if state == "completed":
            transitions.complete(engagement)
        elif state == "cancelled":
            transitions.cancel(engagement, by=protege, reason="Change of priorities")
    engagement.refresh_from_db()
    assert engagement.state == state
    return engagement


def log(engagement, minutes, day):
    Meeting.objects.create(
        engagement=engagement, held_on=day, minutes=minutes, logged_by=engagement.protege
    )


def build(*, admin_password: bool = False) -> Company:
    program = Program.default()
    program.time_zone = "Europe/London"
    program.save()
    other_program = Program.objects.create(name="Sales academy", time_zone="America/New_York")
    marketing = DepartmentFactory(name="Marketing")
    engineering = DepartmentFactory(name="Engineering")
    sales = DepartmentFactory(name="Sales")
    admin = person("Helen Park", engineering, password=admin_password)
    program.admins.add(admin)
    other_admin = person("Otto Admin", sales)
    other_program.admins.add(other_admin)
    priya, tom = person("Priya Patel", marketing), person("Tom Becker", marketing)
    eli, sam = person("Eli Engineer", engineering), person("Sam Seller", sales)
    mark = person("Mark Mentor", sales, mentor_capacity=3)
    erin = person("Erin Expert", engineering, mentor_capacity=3)
    mona = person("Mona Marketer", marketing, mentor_capacity=1)

    e = {}
    e[9] = make(sam, mark, proposed=at(31, 23, 59, 59, month=5), state="active")
    log(e[9], 30, dt.date(2026, 6, 5))
    e[8] = make(sam, erin, proposed=at(1, 0, 0, 0), state="declined", hours=72, reason="capacity")
    e[1] = make(priya, mark, proposed=at(2), state="completed", goals=2, peers=[tom])
    log(e[1], 180, dt.date(2026, 6, 4))
    log(e[1], 60, dt.date(2026, 6, 10))
    goals = list(e[1].goals.order_by("position"))
    Goal.objects.filter(pk=goals[0].pk).update(outcome=Goal.Outcome.MET)
    Goal.objects.filter(pk=goals[1].pk).update(outcome=Goal.Outcome.PARTLY)
    WrapUp.objects.create(
        engagement=e[1],
        thank_you="Thank you!",
        thanked_at=at(17, 10),
        next_area="Brand strategy",
        next_mentor=mona,
        advised_at=at(17, 11),
    )
    e[3] = make(eli, erin, proposed=at(3), state="declined", hours=6)
    e[4] = make(sam, mark, proposed=at(4), state="expired", hours=8 * 24)
    e[5] = make(eli, mark, proposed=at(5), state="withdrawn")
    e[6] = make(sam, erin, proposed=at(6), state="proposed")
    e[2] = make(priya, mona, proposed=at(18), state="active", hours=48)
    log(e[2], 60, dt.date(2026, 6, 25))
    e[7] = make(priya, mark, proposed=at(20), state="cancelled", hours=12)
    Engagement.objects.filter(pk=e[7].pk).update(follows=e[1])
    ny_evening = dt.datetime(2026, 6, 30, 23, 30, tzinfo=NEW_YORK)
    e[10] = make(sam, erin, proposed=ny_evening, state="proposed")
    Engagement.objects.filter(pk=e[10].pk).update(program=other_program)
    return Company(
        admin,
        other_admin,
        marketing,
        engineering,
        sales,
        priya,
        eli,
        sam,
        tom,
        mark,
        erin,
        mona,
        program,
        other_program,
        e,
    )
