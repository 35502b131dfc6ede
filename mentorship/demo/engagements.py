"""A few engagements around the demo logins, made through the workflow as people would."""

from __future__ import annotations

import datetime as dt

from directory.models import Employee
from engagements import meetings, proposals, transitions
from engagements.models import Engagement, Program


def seed_engagements(now) -> int:
    """A few engagements around the demo logins, so every page has something to show:
    a finished one with thanks and advice, one that ended and waits for its wrap-up, an
    active one with logged time, and a proposal waiting in the demo mentor's inbox.
    Only on a fresh demo."""
    if Engagement.objects.exists():
        return 0
    people = {
        e.email.split("@")[0]: e
        for e in Employee.objects.filter(
            email__in=[
                "priya.patel@example.com",
                "daniel.okafor@example.com",
                "kenji.tanaka@example.com",
                "tom.becker@example.com",
                "rosa.mendes@example.com",
                "nadia.khan@example.com",
            ]
        )
    }
    if len(people) < 6:
        return 0
    # Dates on the programme's calendar, as people would pick them: 60 days before 23:30
    # UTC in November is 00:30 the next day in London's summer time, and a UTC date
    # would start that engagement "in the past".
    day = Program.default().today

    def engagement(protege, mentor, title, goals, start, days, activities, role, detail):
        data = proposals.ProposalData(
            title=title,
            mentor=people[mentor],
            role=role,
            role_detail=detail,
            start_date=day(start),
            end_date=day(start) + dt.timedelta(days=days - 1),
            goals=[proposals.GoalData(g, m) for g, m in goals],
            activities=[proposals.ActivityData(k, c, m) for k, c, m in activities],
        )
        draft = proposals.save_draft(data, protege=people[protege], now=start)
        proposals.propose(draft, by=people[protege], now=start)
        return draft

    past = now - dt.timedelta(days=60)
    done = engagement(
        "priya.patel",
        "kenji.tanaka",
        "Reading a vendor contract",
        [
            (
                "Find the three clauses that matter in an agency contract",
                "I mark them up on our current contract and Kenji agrees",
            )
        ],
        past,
        21,
        [("interview", 2, 60), ("review", 1, 90)],
        "discussions",
        "Bring two contracts; ask questions; mark up one myself.",
    )
    transitions.accept(done, by=people["kenji.tanaka"], now=past + dt.timedelta(hours=3))
    for n, minutes in ((3, 60), (10, 60), (17, 90)):
        meetings.log_meeting(
            done,
            by=people["priya.patel"],
            held_on=day(past + dt.timedelta(days=n)),
            minutes=minutes,
            note="Worked through the liability clause.",
            now=past + dt.timedelta(days=n),
        )
    transitions.complete(done, now=past + dt.timedelta(days=21))
    goal = done.goals.get()
    meetings.thank_mentor(
        done,
        by=people["priya.patel"],
        outcomes={goal.pk: "met"},
        thank_you="Thank you Kenji — I found the auto-renewal trap in our own contract!",
        now=past + dt.timedelta(days=22),
    )
    meetings.advise_next(
        done,
        by=people["kenji.tanaka"],
        next_area="Negotiating the renewal itself",
        next_mentor=people["daniel.okafor"],
        now=past + dt.timedelta(days=23),
    )

    # Ended three days ago and waiting for its wrap-up: the end of the journey to try.
    ended = now - dt.timedelta(days=24)
    to_wrap = engagement(
        "priya.patel",
        "daniel.okafor",
        "Opening a negotiation",
        [
            ("Open a negotiation with a clear anchor", "Daniel agrees my opening is credible"),
            ("Prepare my walk-away point", "I write it down before the call"),
        ],
        ended,
        21,
        [("interview", 2, 45), ("review", 1, 60)],
        "discussions",
        "Role-play two openings with Daniel and debrief.",
    )
    transitions.accept(to_wrap, by=people["daniel.okafor"], now=ended + dt.timedelta(hours=2))
    for n in (4, 12):
        meetings.log_meeting(
            to_wrap,
            by=people["priya.patel"],
            held_on=day(ended + dt.timedelta(days=n)),
            minutes=45,
            note="Practised the anchor.",
            now=ended + dt.timedelta(days=n),
        )
    transitions.complete(to_wrap, now=ended + dt.timedelta(days=21))

    recent = now - dt.timedelta(days=6)
    active = engagement(
        "rosa.mendes",
        "daniel.okafor",
        "Negotiating event sponsorships",
        [
            ("Prepare a sponsorship negotiation plan", "Daniel signs off the plan"),
            ("Lead one sponsor call", "The sponsor agrees terms within our budget"),
        ],
        recent,
        28,
        [("shadow", 1, 120), ("discussion", 3, 45)],
        "shadowing",
        "Shadow Daniel's renewal call, then prepare my own plan.",
    )
    transitions.accept(active, by=people["daniel.okafor"], now=recent + dt.timedelta(hours=5))
    meetings.log_meeting(
        active,
        by=people["rosa.mendes"],
        held_on=day(recent + dt.timedelta(days=2)),
        minutes=120,
        note="Shadowed the Acme renewal.",
        now=recent + dt.timedelta(days=2),
    )
    engagement(
        "tom.becker",
        "daniel.okafor",
        "Pricing conversations with agencies",
        [
            (
                "Hold a pricing conversation without conceding first",
                "I get a second quote and negotiate 10% off",
            )
        ],
        now - dt.timedelta(hours=20),
        21,
        [("interview", 2, 60)],
        "discussions",
        "Role-play two pricing calls and debrief.",
    )
    return Engagement.objects.count()
