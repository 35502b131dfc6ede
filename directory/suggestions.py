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
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs
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


STOP_WORDS = {"and", "the", "for", "with", "from", "into", "our", "your", "my", "how", "get"}


def skills_in_text(text: str, *, limit: int = 3) -> list[Skill]:
    """The skills a goal's words are about: "get better at negotiating" → Negotiation.
    One query; word-form and typo tolerant (difflib's close matches over the words of
    skill names, which it prefilters cheaply); short names (Go, SEO) only match exactly.
    """
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 2 and w not in STOP_WORDS]
    if not words:
        return []
    by_word: dict[str, list[Skill]] = {}
    for skill in Skill.objects.all():
        for name_word in set(re.findall(r"[a-z]+", skill.name.lower())):
            by_word.setdefault(name_word, []).append(skill)
    fuzzy_words = [w for w in by_word if len(w) >= 4 and w not in STOP_WORDS]
    best: dict[int, tuple[float, Skill]] = {}
    for word in words:
        scores = {word: 1.0} if word in by_word and word not in STOP_WORDS else {}
        if len(word) >= 3:
            for close in difflib.get_close_matches(word, fuzzy_words, n=5, cutoff=0.8):
                scores.setdefault(close, difflib.SequenceMatcher(None, word, close).ratio())
        for name_word, score in scores.items():
            for skill in by_word[name_word]:
                if score > best.get(skill.pk, (0.0, None))[0]:
                    best[skill.pk] = (score, skill)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].name))
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
    """The best mentors for these skills, ranked by level closeness, then network, then
    load, each with its reasons.

    Thousands of people may know a common skill, so the ranking is split in two exact
    parts instead of computing engagement counts for every candidate: the few experts
    who have any load or any network tie are ranked in full; of everyone else (no load,
    no ties) only the first `limit` by level closeness can make the list.
    """
    from engagements.models import Engagement, WrapUp

    if not skills:
        return []
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)

    # Load: concurrent engagements, and hours promised this month (budgets of the
    # engagements running in it), for every mentor who has any.
    load: dict[int, tuple[int, int]] = {
        row["mentor"]: (row["n"], row["minutes"] or 0)
        for row in Engagement.objects.filter(state__in=BUSY, mentor__skills__in=skills)
        .values("mentor")
        .annotate(
            n=Count("pk"),
            minutes=Sum(
                "budget_minutes",
                filter=Q(start_date__lt=next_month, end_date__gte=month_start),
            ),
        )
    }
    # Network: who mentored the protégé's manager or teammates, who was recommended.
    mentored = Engagement.objects.filter(state__in=["active", "completed"]).exclude(protege=protege)
    team_mentored = (
        dict(
            mentored.filter(protege__manager_id=protege.manager_id)
            .exclude(protege_id=protege.pk)
            .values("mentor")
            .annotate(n=Count("protege", distinct=True))
            .values_list("mentor", "n")
        )
        if protege.manager_id
        else {}
    )
    manager_mentors = (
        set(mentored.filter(protege_id=protege.manager_id).values_list("mentor", flat=True))
        if protege.manager_id
        else set()
    )
    recommended: dict[int, str] = {}
    for mentor_id, by in (
        WrapUp.objects.filter(engagement__protege=protege, next_mentor__isnull=False)
        .order_by("advised_at")
        .values_list("next_mentor", "engagement__mentor__full_name")
    ):
        recommended[mentor_id] = by  # the latest recommendation wins

    level = protege.level
    expertise = Skill.objects.filter(experts=OuterRef("pk"), pk__in=[s.pk for s in skills])
    experts = (
        Employee.objects.active()
        .filter(open_to_mentoring=True, mentoring_capacity__gt=0)
        .filter(Exists(expertise))
        .exclude(pk__in=[protege.pk, *reporting_line_above(protege), *exclude])
        .exclude(snoozed_until__gt=today)
        .select_related("department")
        .annotate(
            expert_in=Subquery(expertise.order_by("name").values("name")[:1]),
            level_tier=Case(
                When(level__gte=level + 1, level__lte=level + 2, then=Value(0)),
                When(level__gt=level + 2, then=Value(1)),
                When(level=level, then=Value(2)),
                default=Value(3),
            ),
        )
    )
    special = set(load) | set(team_mentored) | manager_mentors | set(recommended)
    pool = list(experts.filter(pk__in=special)) + list(
        experts.exclude(pk__in=special).order_by(
            "level_tier", Abs(F("level") - level), "full_name", "pk"
        )[:limit]
    )
    ranked = []
    for person in pool:
        person.load, promised = load.get(person.pk, (0, 0))
        if person.load >= person.mentoring_capacity:
            continue
        if promised >= person.mentoring_hours_per_month * 60:
            continue
        person.team_mentored = team_mentored.get(person.pk, 0)
        person.mentored_manager = person.pk in manager_mentors
        person.recommended_by = recommended.get(person.pk)
        network = (
            10 * bool(person.recommended_by) + 3 * person.mentored_manager + person.team_mentored
        )
        key = (
            person.level_tier,
            -network,
            person.load,
            abs(person.level - level),
            person.full_name,
            person.pk,
        )
        ranked.append((key, person))
    ranked.sort(key=lambda pair: pair[0])
    return [Suggestion(person, mentor_reasons(person, protege)) for _, person in ranked[:limit]]


def mentor_reasons(person: Employee, protege: Employee) -> list[str]:
    reasons = [f"Expert in {person.expert_in}", level_phrase(person.level - protege.level)]
    if person.recommended_by:
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
