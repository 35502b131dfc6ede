"""Matching: mentor and peer suggestions that explain themselves (rules 2 and 5). They
read engagement history (load, who mentored whom, recommendations), so they live here.

A good mentor is expert enough but "just out of your league, barely": one or two levels
above you. Your network (who mentored your manager or your teammates, whom your past
mentors recommended) makes a stranger a warm introduction. Load spreading keeps the
same few experts from being swamped. Every suggestion carries its reasons in words.

Each function is a fixed number of queries whatever the number of candidates: the
ranking and the reasons are SQL annotations, computed by the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Abs, Coalesce

from directory.models import Employee, Skill
from directory.paging import page_of
from directory.skills import skills_in_text
from engagements.models import Engagement, Participant, Program

State = Engagement.State


@dataclass
class Suggestion:
    person: Employee
    reasons: list[str]

    @property
    def reason_text(self) -> str:
        return " · ".join(self.reasons)


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
    today: dt.date | None = None,
    limit: int = 5,
    exclude: list[int] = (),
) -> list[Suggestion]:
    """The best mentors for these skills, ranked by level closeness, then network, then
    load, each with its reasons. Only people available to mentor on `today` (the
    programme's date) are suggested.

    Thousands of people may know a common skill, so the ranking is split in two parts:
    the few experts with a network tie are ranked in full; everyone else is ordered by
    the database and only the first few rows are read. The load is the stored figure
    on the mentor's row, never a count.
    """
    if not skills:
        return []
    today = today or Program.default().today()

    team_mentored, manager_mentors, recommended = network_of(protege)
    level = protege.level
    expertise = Skill.objects.filter(experts=OuterRef("pk"), pk__in=[s.pk for s in skills])
    level_tier = Case(
        When(level__gte=level + 1, level__lte=level + 2, then=Value(0)),
        When(level__gt=level + 2, then=Value(1)),
        When(level=level, then=Value(2)),
        default=Value(3),
    )
    candidates = (
        Employee.objects.available_to_mentor(today)
        .filter(holding(skills))
        .exclude(pk__in=[protege.pk, *protege.managers_above(), *exclude])
    )
    # The few people with a network tie are ranked in full. Everyone else has no
    # network score, so their order is (tier, load, level distance, name): the database
    # sorts them and only the first few ids are read. Ids and sort keys only, so that
    # PostgreSQL ranks from a narrow index (`employee_active_ranking`) instead of
    # reading every wide row (bio, search vector): "negotiation", 2 700 experts, went
    # from 15 ms to 5 ms (EXPLAIN ANALYZE).
    ties = set(team_mentored) | manager_mentors | set(recommended)
    others = list(
        candidates.exclude(pk__in=ties)
        .order_by(level_tier, "mentoring_load", Abs(F("level") - level), "full_name", "pk")
        .values_list("pk", flat=True)[: limit * 4]  # a few spares for anyone fully promised
    )
    # The pool is ranked on its sort keys and the minutes each has promised this month
    # (tuples, no model instances); then only the few rows shown are read in full.
    ranked = []
    for pk, tier, load, their_level, name, hours, promised in (
        candidates.filter(pk__in=[*ties, *others])
        .annotate(level_tier=level_tier, promised=promised_minutes(today))
        .values_list(
            "pk",
            "level_tier",
            "mentoring_load",
            "level",
            "full_name",
            "mentoring_hours_per_month",
            "promised",
        )
    ):
        if promised >= hours * 60:
            continue
        network = 10 * (pk in recommended) + 3 * (pk in manager_mentors) + team_mentored.get(pk, 0)
        ranked.append((tier, -network, load, abs(their_level - level), name, pk))
    shown = [key[-1] for key in sorted(ranked)[:limit]]
    rows = (
        Employee.objects.select_related("department")
        .annotate(expert_in=Subquery(expertise.order_by("name").values("name")[:1]))
        .in_bulk(shown)
    )
    suggestions = []
    for pk in shown:
        if (person := rows.get(pk)) is None:
            continue  # deleted since the ranking read it
        person.team_mentored = team_mentored.get(pk, 0)
        person.mentored_manager = pk in manager_mentors
        person.recommended_by = recommended.get(pk)
        suggestions.append(Suggestion(person, mentor_reasons(person, protege)))
    return suggestions


# A protégé's network in one statement: who mentored their teammates (and how many of
# them), who mentored their manager, and whom their past mentors recommended, oldest
# advice first so that the latest wins. Mentored: an active or completed engagement.
# As three ORM queries, 3.2–3.6 ms a suggestion, most of it building and compiling them;
# each part is served by its own index (a UNION, not an OR: with an OR across the two
# mentored parts no index could serve it, 37 ms).
NETWORK_SQL = """
SELECT 'recommended' AS part, w.next_mentor_id AS mentor, 0 AS n, w.advised_at,
    m.full_name AS advised_by
FROM engagements_wrapup w
JOIN engagements_engagement e ON e.id = w.engagement_id
JOIN directory_employee m ON m.id = e.mentor_id
WHERE e.protege_id = %s AND w.next_mentor_id IS NOT NULL
UNION ALL
SELECT 'team', e.mentor_id, COUNT(DISTINCT e.protege_id), NULL, NULL
FROM engagements_engagement e JOIN directory_employee p ON p.id = e.protege_id
WHERE e.state IN (%s, %s) AND e.protege_id <> %s AND p.manager_id = %s
GROUP BY e.mentor_id
UNION ALL
SELECT 'manager', e.mentor_id, 0, NULL, NULL
FROM engagements_engagement e
WHERE e.state IN (%s, %s) AND e.protege_id = %s
GROUP BY e.mentor_id
ORDER BY part, advised_at"""


def network_of(protege: Employee) -> tuple[dict[int, int], set[int], dict[int, str]]:
    """(teammates each mentor mentored, the manager's mentors, the mentors recommended
    to the protégé with who recommended them), in one query."""
    mentored = [State.ACTIVE, State.COMPLETED]
    params = [protege.pk, *mentored, protege.pk, protege.manager_id, *mentored, protege.manager_id]
    team: dict[int, int] = {}
    manager: set[int] = set()
    recommended: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(NETWORK_SQL, params)
        for part, mentor, n, _, by in cursor.fetchall():
            if part == "team":
                team[mentor] = n
            elif part == "manager":
                manager.add(mentor)
            else:
                recommended[mentor] = by  # the latest recommendation wins
    return team, manager, recommended


def holding(skills: list[Skill]) -> RawSQL:
    """Whether a person holds one of these skills, the skills' ids written into the SQL
    instead of passed as parameters. A query run five times on a connection is prepared
    and then planned once for any parameters (settings: prepare_threshold): not knowing
    which skill, PostgreSQL guessed 600 holders where Negotiation has 2 700, and ranked
    the mentors by probing the ranking index once for each, 7 ms instead of 4."""
    ids = ", ".join(str(int(skill.pk)) for skill in skills)
    if not ids:
        return RawSQL("FALSE", [], output_field=BooleanField())  # no skill, nobody holds it
    return RawSQL(
        "EXISTS (SELECT 1 FROM directory_employee_skills held"
        f' WHERE held.employee_id = "directory_employee"."id" AND held.skill_id IN ({ids}))',
        [],
        output_field=BooleanField(),
    )


def promised_minutes(today: dt.date) -> Coalesce:
    """Minutes a mentor has promised in `today`'s month: the budgets of their active
    engagements running in it (a subquery on the mentor's row)."""
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    running = Engagement.objects.filter(
        state=State.ACTIVE,
        mentor=OuterRef("pk"),
        start_date__lt=next_month,
        end_date__gte=month_start,
    )
    return Coalesce(
        Subquery(
            running.values("mentor").annotate(minutes=Sum("budget_minutes")).values("minutes")
        ),
        0,
    )


def mentor_reasons(person: Employee, protege: Employee) -> list[str]:
    reasons = [f"Expert in {person.expert_in}", level_phrase(person.level - protege.level)]
    if person.recommended_by:
        reasons.append(f"recommended by {person.recommended_by}")
    if person.mentored_manager:
        reasons.append("mentored your manager")
    if person.team_mentored:
        n = person.team_mentored
        reasons.append(f"mentored {n} {'person' if n == 1 else 'people'} on your team")
    free, capacity = person.free_slots, person.mentoring_capacity
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
    if not skills:
        return []
    skill_ids = [s.pk for s in skills]
    interest = Skill.objects.filter(learners=OuterRef("pk"), pk__in=skill_ids).order_by("name")
    excluded = [protege.pk] + ([mentor.pk] if mentor else [])
    with_mentor = Q(pk__in=[])
    if mentor:
        open_states = [State.PROPOSED, State.ACTIVE]
        as_protege = Engagement.objects.filter(
            mentor=mentor, protege=OuterRef("pk"), state__in=open_states
        )
        with_mentor = Q(Exists(as_protege)) | Q(
            Exists(
                Participant.objects.filter(
                    employee=OuterRef("pk"),
                    engagement__mentor=mentor,
                    engagement__state__in=open_states,
                ).exclude(answer=Participant.Answer.DECLINED)
            )
        )
    candidates = (
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
    )
    # Ranked on ids and sort keys (from the narrow `employee_active_ranking` index),
    # then only the rows shown are read: see suggest_mentors.
    people = page_of(candidates, limit)
    suggestions = []
    for person in people:
        reasons = [f"Also wants to learn {person.wants}"]
        if person.band == 0:
            reasons.append(level_phrase(person.level - protege.level))
        if person.same_department == 0 and person.department:
            reasons.append(f"also in {person.department}")
        suggestions.append(Suggestion(person, reasons))
    return suggestions


# A mentor who declined this protégé is not offered again for this long.
DECLINED_RECENTLY = dt.timedelta(days=180)


def others_who_could_help(engagement: Engagement, *, now: dt.datetime) -> list[Suggestion]:
    """After a decline or an expiry: who else could help with the same goals — never
    this engagement's mentor, nor anyone who declined this protégé lately."""
    text = " ".join([engagement.title, *(g.description for g in engagement.goals.all())])
    declined_lately = Engagement.objects.for_protege(engagement.protege).filter(
        state=State.DECLINED, decided_at__gte=now - DECLINED_RECENTLY
    )
    exclude = [engagement.mentor_id, *declined_lately.values_list("mentor", flat=True)]
    return suggest_mentors(
        engagement.protege,
        skills_in_text(text),
        today=engagement.program.today(now),
        exclude=exclude,
        limit=3,
    )
