"""Mentor and peer suggestions that explain themselves (rules 2 and 5).

A good mentor is expert enough but "just out of your league, barely": one or two levels
above you. Your network (who mentored your manager or your teammates, whom your past
mentors recommended) makes a stranger a warm introduction. Load spreading keeps the
same few experts from being swamped. Every suggestion carries its reasons in words.

Each function is a fixed number of queries whatever the number of candidates: the
ranking and the reasons are SQL annotations, computed by the database.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from directory.models import Employee, Skill

# Mentoring that counts against a mentor's capacity.
BUSY = ("active",)


@dataclass
class Suggestion:
    person: Employee
    reasons: list[str]

    @property
    def reason_text(self) -> str:
        return " · ".join(self.reasons)


def skills_in_text(text: str, *, limit: int = 3) -> list[Skill]:
    """The skills a goal's words are about: "get better at negotiating" → Negotiation.
    One query (the skill list is short); typo and word-form tolerant."""
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 3]
    if not words:
        return []
    found: dict[int, tuple[float, Skill]] = {}
    for skill in Skill.objects.all():
        for name_word in re.findall(r"[a-z]+", skill.name.lower()):
            if len(name_word) < 2:
                continue
            for word in words:
                # Short skill names (Go, SEO, AWS) must match exactly.
                score = (
                    1.0
                    if word == name_word
                    else difflib.SequenceMatcher(None, word, name_word).ratio()
                    if len(name_word) >= 4
                    else 0.0
                )
                if score >= 0.8 and score > found.get(skill.pk, (0, None))[0]:
                    found[skill.pk] = (score, skill)
    ranked = sorted(found.values(), key=lambda pair: (-pair[0], pair[1].name))
    return [skill for _, skill in ranked[:limit]]


def reporting_line_above(employee: Employee) -> list[int]:
    """The manager, their manager, and so on up: one recursive query."""
    if employee.manager_id is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE chain(id, manager_id, depth) AS (
                SELECT id, manager_id, 1 FROM directory_employee WHERE id = %s
                UNION ALL
                SELECT e.id, e.manager_id, chain.depth + 1
                FROM directory_employee e JOIN chain ON e.id = chain.manager_id
                WHERE chain.depth < 50
            )
            SELECT id FROM chain
            """,
            [employee.manager_id],
        )
        return [row[0] for row in cursor.fetchall()]


def level_phrase(difference: int) -> str:
    if difference == 0:
        return "same level as you"
    if difference > 0:
        return f"{difference} level{'s' if difference != 1 else ''} above you"
    return f"{-difference} level{'s' if difference != -1 else ''} below you"


def suggest_mentors(
    protege: Employee,
    skills: list[Skill],
    *,
    limit: int = 5,
    exclude: list[int] = (),
    today: dt.date | None = None,
) -> list[Suggestion]:
    from engagements.models import Engagement, WrapUp

    if not skills:
        return []
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    above = reporting_line_above(protege)
    team = Q(manager_id=protege.manager_id) if protege.manager_id else Q(pk__in=[])
    skill_ids = [s.pk for s in skills]

    busy = Engagement.objects.filter(mentor=OuterRef("pk"), state__in=BUSY)
    load = busy.values("mentor").annotate(n=Count("pk")).values("n")
    # Hours promised this month: the budgets of engagements running in this month.
    promised = (
        busy.filter(start_date__lt=next_month, end_date__gte=month_start)
        .values("mentor")
        .annotate(m=Sum("budget_minutes"))
        .values("m")
    )
    mentored = Engagement.objects.filter(
        mentor=OuterRef("pk"), state__in=["active", "completed"]
    ).exclude(protege=protege)
    mentored_team = (
        mentored.filter(protege__in=Employee.objects.filter(team).exclude(pk=protege.pk))
        .values("mentor")
        .annotate(n=Count("protege", distinct=True))
        .values("n")
    )
    mentored_manager = mentored.filter(protege_id=protege.manager_id)
    recommended = WrapUp.objects.filter(next_mentor=OuterRef("pk"), engagement__protege=protege)
    recommender = recommended.order_by("-advised_at").values("engagement__mentor__full_name")[:1]
    expertise = Skill.objects.filter(experts=OuterRef("pk"), pk__in=skill_ids).order_by("name")
    level = protege.level
    candidates = (
        Employee.objects.active()
        .filter(open_to_mentoring=True, mentoring_capacity__gt=0)
        .filter(Exists(expertise))
        .exclude(pk__in=[protege.pk, *above, *exclude])
        .exclude(snoozed_until__gt=today)
        .annotate(
            load=Coalesce(Subquery(load, output_field=IntegerField()), 0),
            promised=Coalesce(Subquery(promised, output_field=IntegerField()), 0),
            team_mentored=Coalesce(Subquery(mentored_team, output_field=IntegerField()), 0),
            mentored_manager=Exists(mentored_manager),
            recommended=Exists(recommended),
            recommended_by=Subquery(recommender),
            expert_in=Subquery(expertise.values("name")[:1]),
            level_tier=Case(
                When(level__gte=level + 1, level__lte=level + 2, then=Value(0)),
                When(level__gt=level + 2, then=Value(1)),
                When(level=level, then=Value(2)),
                default=Value(3),
            ),
            network=Case(When(recommended=True, then=Value(10)), default=Value(0))
            + Case(When(mentored_manager=True, then=Value(3)), default=Value(0))
            + F("team_mentored"),
        )
        .filter(load__lt=F("mentoring_capacity"))
        .filter(promised__lt=F("mentoring_hours_per_month") * 60)
        .select_related("department")
        .order_by("level_tier", "-network", "load", Abs(F("level") - level), "full_name", "pk")
    )[:limit]
    return [Suggestion(person, mentor_reasons(person, protege)) for person in candidates]


def mentor_reasons(person: Employee, protege: Employee) -> list[str]:
    reasons = [f"Expert in {person.expert_in}", level_phrase(person.level - protege.level)]
    if person.recommended:
        reasons.append(f"recommended by {person.recommended_by}")
    if person.mentored_manager:
        reasons.append("mentored your manager")
    if person.team_mentored:
        n = person.team_mentored
        reasons.append(f"mentored {n} {'person' if n == 1 else 'people'} on your team")
    free, capacity = person.mentoring_capacity - person.load, person.mentoring_capacity
    reasons.append(f"{free} of {capacity} slot{'s' if capacity != 1 else ''} free")
    return reasons


def suggest_peers(
    protege: Employee,
    skills: list[Skill],
    *,
    mentor: Employee | None = None,
    limit: int = 5,
) -> list[Suggestion]:
    """Colleagues who want to learn the same thing, not already busy with this mentor;
    same level band and same department first."""
    from engagements.models import Engagement, Participant

    if not skills:
        return []
    skill_ids = [s.pk for s in skills]
    interest = Skill.objects.filter(learners=OuterRef("pk"), pk__in=skill_ids).order_by("name")
    excluded = [protege.pk] + ([mentor.pk] if mentor else [])
    with_mentor = Q(pk__in=[])
    if mentor:
        open_states = ["proposed", "active"]
        as_protege = Engagement.objects.filter(
            mentor=mentor, protege=OuterRef("pk"), state__in=open_states
        )
        with_mentor = Q(Exists(as_protege)) | Q(
            Exists(
                Participant.objects.filter(
                    employee=OuterRef("pk"),
                    engagement__mentor=mentor,
                    engagement__state__in=open_states,
                ).exclude(answer="declined")
            )
        )
    people = (
        Employee.objects.active()
        .filter(Exists(interest))
        .exclude(pk__in=excluded)
        .exclude(with_mentor)
        .annotate(
            wants=Subquery(interest.values("name")[:1]),
            band=Case(
                When(level__gte=protege.level - 1, level__lte=protege.level + 1, then=Value(0)),
                default=Value(1),
            ),
            same_department=Case(
                When(department_id=protege.department_id, then=Value(0)), default=Value(1)
            ),
        )
        .select_related("department")
        .order_by("band", "same_department", "full_name", "pk")
    )[:limit]
    suggestions = []
    for person in people:
        reasons = [f"Also wants to learn {person.wants}"]
        if person.band == 0:
            reasons.append(level_phrase(person.level - protege.level))
        if person.same_department == 0 and person.department:
            reasons.append(f"also in {person.department}")
        suggestions.append(Suggestion(person, reasons))
    return suggestions
