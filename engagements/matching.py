"""Matching: mentor and peer suggestions that explain themselves (rules 2 and 5). They
read engagement history (load, who mentored whom, recommendations), so they live here.

A good mentor is expert enough but "just out of your league, barely": one or two levels
above you. Your network (who mentored your manager or your teammates, whom your past
mentors recommended) makes a stranger a warm introduction. Load spreading keeps the
same few experts from being swamped. Every suggestion carries its reasons in words.

Each function is a fixed number of queries whatever the number of candidates: the
ranking and the reasons are computed by the database, in SQL written as text (built as
ORM querysets, building and compiling them cost more than the database's work).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from directory.compiled import Compiled
from directory.models import Employee, Skill, available_to_mentor_sql
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
    ties = set(team_mentored) | manager_mentors | set(recommended)
    left_out = {protege.pk, *protege.managers_above(), *exclude}
    # The pool, ranked on its sort keys and the minutes each has promised this month
    # (tuples, no model instances); then only the few rows shown are read in full.
    ranked, expert_in = [], {}
    for pk, tier, load, their_level, name, hours, promised, skill in _pool(
        protege.level, skills, today, left_out, ties, spares=limit * 4
    ):
        if promised >= hours * 60:
            continue
        network = 10 * (pk in recommended) + 3 * (pk in manager_mentors) + team_mentored.get(pk, 0)
        ranked.append((tier, -network, load, abs(their_level - protege.level), name, pk))
        expert_in[pk] = skill
    shown = [key[-1] for key in sorted(ranked)[:limit]]
    rows = {person.pk: person for person in _SHOWN.all(shown)}
    suggestions = []
    for pk in shown:
        if (person := rows.get(pk)) is None:
            continue  # deleted since the ranking read it
        person.expert_in = expert_in[pk]
        person.team_mentored = team_mentored.get(pk, 0)
        person.mentored_manager = pk in manager_mentors
        person.recommended_by = recommended.get(pk)
        suggestions.append(Suggestion(person, mentor_reasons(person, protege)))
    return suggestions


# The ranking as SQL text, the one statement a suggestion runs besides the network and
# the rows shown. Built with the ORM, its querysets cost ~10 ms of Python a ranking to
# build and compile (of ~25 ms; "negotiation", 2 700 experts, at 10 000 employees).
# Who is available is the directory's rule, compiled from its queryset
# (directory.models.available_to_mentor_sql). The tier: one or two levels above first,
# then further above, then the same level, then below.
TIER_SQL = """CASE
    WHEN "directory_employee"."level" BETWEEN {above} AND {above2} THEN 0
    WHEN "directory_employee"."level" > {above2} THEN 1
    WHEN "directory_employee"."level" = {level} THEN 2
    ELSE 3 END"""
# Everyone without a network tie has no network score, so their order is (tier, load,
# level distance, name): the database sorts them and only the first few ids (`spare`)
# are read: the available mentors (the index `employee_available_mentors`, with their
# sort keys) merged with the skill's holders (the through table's (skill, employee)
# index), both in id order, never a wide row (bio, search vector). "negotiation", 6 000
# available and 2 700 holders: 15 ms from the table, 3 ms so (EXPLAIN ANALYZE). The
# pool is those few and the available holders with a tie, with the minutes each has
# promised in
# `today`'s month (the budgets of their active engagements running in it) and the
# first of the skills they hold, by name.
POOL_SQL = """
WITH spare AS (
    SELECT "directory_employee"."id" FROM "directory_employee"
    WHERE {available} AND {holding} AND "directory_employee"."id" NOT IN ({left_out_or_tied})
    ORDER BY {tier}, "directory_employee"."mentoring_load",
        abs("directory_employee"."level" - {level}), "directory_employee"."full_name",
        "directory_employee"."id"
    LIMIT {spares}
), pool AS (
    SELECT id FROM spare
    UNION SELECT "directory_employee"."id" FROM "directory_employee"
    WHERE "directory_employee"."id" IN ({tied}) AND "directory_employee"."id" NOT IN ({left_out})
        AND {available} AND {holding}
)
SELECT "directory_employee"."id", {tier}, "directory_employee"."mentoring_load",
    "directory_employee"."level", "directory_employee"."full_name",
    "directory_employee"."mentoring_hours_per_month",
    coalesce((
        SELECT sum(running.budget_minutes) FROM engagements_engagement running
        WHERE running.mentor_id = "directory_employee"."id" AND running.state = %s
            AND running.start_date < %s AND running.end_date >= %s), 0),
    (SELECT expertise.name FROM directory_skill expertise
        JOIN directory_employee_skills held ON held.skill_id = expertise.id
        WHERE held.employee_id = "directory_employee"."id" AND held.skill_id IN ({skills})
        ORDER BY expertise.name LIMIT 1)
FROM pool JOIN "directory_employee" ON "directory_employee"."id" = pool.id
"""


def _numbers(ids) -> str:
    """Ids written into SQL as numbers (integers only, so nothing typed reaches the SQL
    as text); NULL for none, which an IN list matches nothing with. Every NOT IN list
    holds at least the protégé."""
    return ", ".join(str(int(i)) for i in sorted({i for i in ids if i is not None})) or "NULL"


def _pool(
    level: int, skills: list[Skill], today: dt.date, left_out: set, ties: set, *, spares: int
) -> list[tuple]:
    """(id, tier, load, level, name, hours a month, minutes promised, skill held) of the
    first `spares` people without a tie and of everyone with one, available on `today`.
    Ids and levels are written in as numbers: the plan is made knowing the skills (see
    `holding`) and the protégé's level."""
    available, available_params = available_to_mentor_sql(today)
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    level = int(level)
    tier = TIER_SQL.format(level=level, above=level + 1, above2=level + 2)
    sql = POOL_SQL.format(
        available=available,
        holding=holding(skills).sql,
        tier=tier,
        level=level,
        spares=int(spares),
        skills=_numbers(skill.pk for skill in skills),
        left_out=_numbers(left_out),
        left_out_or_tied=_numbers(left_out | ties),
        tied=_numbers(ties),
    )
    month = [connection.ops.adapt_datefield_value(day) for day in (next_month, month_start)]
    params = [*available_params, *available_params, State.ACTIVE, *month]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The rows shown, read by id: SQL compiled once per number of rows (directory.compiled).
def _shown(ids: list[int]) -> QuerySet[Employee]:
    return Employee.objects.select_related("department").filter(pk__in=ids)


_SHOWN = Compiled(_shown)


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
    if not skills:
        return RawSQL("FALSE", [], output_field=BooleanField())  # no skill, nobody holds it
    ids = _numbers(skill.pk for skill in skills)
    return RawSQL(
        "EXISTS (SELECT 1 FROM directory_employee_skills held"
        f' WHERE held.employee_id = "directory_employee"."id" AND held.skill_id IN ({ids}))',
        [],
        output_field=BooleanField(),
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
    ranked = _peers(protege, skills, mentor, limit)
    rows = {person.pk: person for person in _SHOWN.all([pk for pk, *_ in ranked])}
    suggestions = []
    for pk, band, same_department, wants in ranked:
        if (person := rows.get(pk)) is None:
            continue  # deleted since the ranking read it
        reasons = [f"Also wants to learn {wants}"]
        if band == 0:
            reasons.append(level_phrase(person.level - protege.level))
        if same_department == 0 and person.department:
            reasons.append(f"also in {person.department}")
        suggestions.append(Suggestion(person, reasons))
    return suggestions


# Everyone active who is learning one of the skills, ranked on ids and sort keys (from
# the narrow `employee_active_ranking` index); the skill they want, first by name, is
# read for the rows kept only. As ORM querysets, building and compiling them was more
# than half the peers' ~11 ms.
PEERS_SQL = """
SELECT "directory_employee"."id",
    CASE WHEN "directory_employee"."level" BETWEEN {below} AND {above} THEN 0 ELSE 1 END,
    CASE WHEN {same_department} THEN 0 ELSE 1 END,
    (SELECT interest.name FROM directory_skill interest
        JOIN directory_employee_interests wants ON wants.skill_id = interest.id
        WHERE wants.employee_id = "directory_employee"."id" AND wants.skill_id IN ({skills})
        ORDER BY interest.name LIMIT 1)
FROM "directory_employee"
WHERE "directory_employee"."is_active" AND "directory_employee"."id" NOT IN ({left_out})
    AND EXISTS (SELECT 1 FROM directory_employee_interests wants
        WHERE wants.employee_id = "directory_employee"."id" AND wants.skill_id IN ({skills}))
    {not_with_mentor}
ORDER BY 2, 3, "directory_employee"."full_name", "directory_employee"."id"
LIMIT {limit}
"""
# Not already with this mentor: as protégé, or as a peer who has not declined, in an
# engagement proposed or running.
NOT_WITH_MENTOR_SQL = """AND NOT EXISTS (SELECT 1 FROM engagements_engagement busy
        WHERE busy.mentor_id = {mentor} AND busy.protege_id = "directory_employee"."id"
            AND busy.state IN (%s, %s))
    AND NOT EXISTS (SELECT 1 FROM engagements_participant peer
        JOIN engagements_engagement busy ON busy.id = peer.engagement_id
        WHERE peer.employee_id = "directory_employee"."id" AND busy.mentor_id = {mentor}
            AND busy.state IN (%s, %s) AND peer.answer <> %s)"""


def _peers(protege: Employee, skills: list[Skill], mentor: Employee | None, limit: int) -> list:
    """(id, band, same department, skill wanted) of the first `limit` peers."""
    level, department = int(protege.level), protege.department_id
    params, not_with_mentor = [], ""
    if mentor:
        not_with_mentor = NOT_WITH_MENTOR_SQL.format(mentor=int(mentor.pk))
        open_states = [State.PROPOSED, State.ACTIVE]
        params = [*open_states, *open_states, Participant.Answer.DECLINED]
    sql = PEERS_SQL.format(
        below=level - 1,
        above=level + 1,
        same_department=(
            '"directory_employee"."department_id" IS NULL'
            if department is None
            else f'"directory_employee"."department_id" = {int(department)}'
        ),
        skills=_numbers(skill.pk for skill in skills),
        left_out=_numbers([protege.pk] + ([mentor.pk] if mentor else [])),
        not_with_mentor=not_with_mentor,
        limit=int(limit),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# A mentor who declined this protégé is not offered again for this long.
DECLINED_RECENTLY = dt.timedelta(days=180)


def others_who_could_help(engagement: Engagement, *, now: dt.datetime) -> list[Suggestion]:
    """After a decline or an expiry: who else could help with the same goals — never
    this engagement's mentor, nor anyone who declined this protégé lately, nor anyone
    the protégé has asked already (waiting) or works with now (running)."""
    text = " ".join([engagement.title, *(g.description for g in engagement.goals.all())])
    asked = Engagement.objects.for_protege(engagement.protege).filter(
        Q(state=State.DECLINED, decided_at__gte=now - DECLINED_RECENTLY)
        | Q(state__in=[State.PROPOSED, State.ACTIVE])
    )
    exclude = [engagement.mentor_id, *asked.values_list("mentor", flat=True)]
    return suggest_mentors(
        engagement.protege,
        skills_in_text(text),
        today=engagement.program.today(now),
        exclude=exclude,
        limit=3,
    )
