"""The per-engagement facts the method, headline and mentor figures count, in one pass.

Correlated subqueries (one per engagement and per fact) cost seconds over a year of
100 000 engagements; here each child table (goals, meetings, joined peers) is grouped
once over the report's engagements and joined, in a WITH query built on the ORM's own
SQL for the report's engagements (so the period and department are still
engagements.facets'). The FILTER clauses are the same conditions as the programme
list's facets, which the figure-to-list tests hold them to. PostgreSQL and SQLite
(3.30+) both run it.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, QuerySet

from directory.models import Employee
from engagements import facets
from engagements.models import Engagement, Goal, Meeting, Participant, WrapUp
from reports.forms import Scope

State = Engagement.State


def state_in(*states: str) -> str:
    # The states are the model's own constants, never a user's input.
    return "state IN ({})".format(", ".join(f"'{state}'" for state in states))


# The SQL spelling of engagements.facets' definitions, for the facts pass.
RAN = state_in(*facets.RAN)
COMPLETED = state_in(State.COMPLETED)
SUGGESTED = "next_mentor_id IS NOT NULL"

FACTS = """
WITH s AS ({scope}),
g AS (
  SELECT engagement_id, COUNT(*) AS n,
    COUNT(*) FILTER (WHERE outcome = 'met') AS met,
    COUNT(*) FILTER (WHERE outcome = 'partly') AS partly,
    COUNT(*) FILTER (WHERE outcome = 'not_met') AS not_met
  FROM {goal} JOIN s ON s.id = engagement_id GROUP BY engagement_id
),
m AS (
  SELECT engagement_id, SUM(minutes) AS used
  FROM {meeting} JOIN s ON s.id = engagement_id GROUP BY engagement_id
),
p AS (
  SELECT engagement_id, COUNT(*) AS n
  FROM {participant} JOIN s ON s.id = engagement_id WHERE answer = 'accepted'
  GROUP BY engagement_id
),
f AS (
  SELECT s.*, COALESCE(g.n, 0) AS goals, COALESCE(g.met, 0) AS met,
    COALESCE(g.partly, 0) AS partly, COALESCE(g.not_met, 0) AS not_met,
    COALESCE(m.used, 0) AS used, COALESCE(p.n, 0) AS peers,
    w.thanked_at, w.advised_at, w.next_mentor_id,
    CASE WHEN w.next_mentor_id IS NULL THEN 0 ELSE (
      SELECT COUNT(*) FROM (
        SELECT 1 FROM {engagement} x WHERE x.protege_id = s.protege_id
        AND x.mentor_id = w.next_mentor_id AND x.proposed_at >= w.advised_at LIMIT 1
      ) _found
    ) END AS became
  FROM s
  LEFT JOIN g ON g.engagement_id = s.id
  LEFT JOIN m ON m.engagement_id = s.id
  LEFT JOIN p ON p.engagement_id = s.id
  LEFT JOIN {wrapup} w ON w.engagement_id = s.id
)
"""


@contextmanager
def one_read():
    """The report's queries in one transaction, so its figures see one state of the data,
    with PostgreSQL's JIT off: it would spend seconds compiling queries whose row
    estimates (CTEs, correlated subqueries) look large, to run them in milliseconds."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def engagements_in(scope: Scope) -> QuerySet:
    """The report's engagements: proposed in the period (by the programme's date) in the
    chosen programmes, the protégé in the chosen department. Drafts never count."""
    engagements = Engagement.objects.exclude(state=Engagement.State.DRAFT).order_by()
    engagements = facets.proposed_between(engagements, scope.programs, scope.start, scope.end)
    if scope.department:
        engagements = engagements.filter(protege__department=scope.department)
    return engagements


def run(scope: Scope, select: str, *, split: str) -> list[tuple[dict, dict]]:
    engagements = engagements_in(scope).values(
        "id",
        "state",
        "budget_minutes",
        "follows_id",
        "protege_id",
        "mentor_id",
        "proposed_at",
        "decided_at",
        is_cross=ExpressionWrapper(facets.cross_department(), output_field=BooleanField()),
    )
    sql, params = engagements.query.sql_with_params()
    query = FACTS.format(
        scope=sql,
        goal=Goal._meta.db_table,
        meeting=Meeting._meta.db_table,
        participant=Participant._meta.db_table,
        wrapup=WrapUp._meta.db_table,
        engagement=Engagement._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(query + select, params)
        names = [column[0] for column in cursor.description]
        cut = names.index(split)
        return [
            (
                dict(zip(names[:cut], row[:cut], strict=True)),
                dict(zip(names[cut + 1 :], row[cut + 1 :], strict=True)),
            )
            for row in cursor.fetchall()
        ]


def counts(**filters: str) -> str:
    return ",\n".join(
        f"COUNT(*) FILTER (WHERE {where}) AS {name}" for name, where in filters.items()
    )


ANSWERED = f"{state_in(*facets.RAN, State.DECLINED)} AND decided_at IS NOT NULL"

METHOD = f"""
SELECT COUNT(*) AS proposed,
{
    counts(
        ran=RAN,
        one_goal=f"{RAN} AND goals = 1",
        two_goals=f"{RAN} AND goals = 2",
        with_peers=f"{RAN} AND peers > 0",
        active=state_in(State.ACTIVE),
        completed=COMPLETED,
        cancelled=state_in(State.CANCELLED),
        usage_none=f"{COMPLETED} AND used = 0",
        usage_under_half=f"{COMPLETED} AND used > 0 AND used < budget_minutes / 2.0",
        usage_over_half=f"{COMPLETED} AND used >= budget_minutes / 2.0 AND used < budget_minutes",
        usage_full=f"{COMPLETED} AND used >= budget_minutes AND used > 0",
        thanked=f"{COMPLETED} AND thanked_at IS NOT NULL",
        advised=f"{COMPLETED} AND advised_at IS NOT NULL",
        follow_ons="follows_id IS NOT NULL",
        follow_ons_accepted=f"{RAN} AND follows_id IS NOT NULL",
        suggested=SUGGESTED,
        taken=f"{SUGGESTED} AND became > 0",
        cross=f"{RAN} AND is_cross",
        with_met=f"{COMPLETED} AND met > 0",
        with_partly=f"{COMPLETED} AND partly > 0",
        with_not_met=f"{COMPLETED} AND not_met > 0",
        declined=state_in(State.DECLINED),
        expired=state_in(State.EXPIRED),
        withdrawn=state_in(State.WITHDRAWN),
        waiting=state_in(State.PROPOSED),
        answered=ANSWERED,
    )
},
COALESCE(SUM(budget_minutes) FILTER (WHERE {COMPLETED}), 0) AS budget,
COALESCE(SUM(used) FILTER (WHERE {COMPLETED}), 0) AS used,
COALESCE(SUM(peers + 1) FILTER (WHERE {COMPLETED} AND used > 0), 0) AS served,
COALESCE(SUM(met) FILTER (WHERE {COMPLETED}), 0) AS goals_met,
COALESCE(SUM(used) FILTER (WHERE {RAN}), 0) AS minutes,
COUNT(DISTINCT CASE WHEN {RAN} THEN protege_id END) AS proteges,
COUNT(DISTINCT CASE WHEN {RAN} THEN mentor_id END) AS mentors,
COALESCE(SUM(goals) FILTER (WHERE {COMPLETED}), 0) AS goals_total,
COALESCE(SUM(partly) FILTER (WHERE {COMPLETED}), 0) AS goals_partly,
COALESCE(SUM(not_met) FILTER (WHERE {COMPLETED}), 0) AS goals_not_met{{waits}}
FROM f
"""

# PostgreSQL's interpolated percentiles of the time to answer; SQLite has none (the
# caller takes the nearest-rank percentile there, as reports.queries.funnel does).
WAITS = f""",
PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY decided_at - proposed_at)
  FILTER (WHERE {ANSWERED}) AS median_wait,
PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY decided_at - proposed_at)
  FILTER (WHERE {ANSWERED}) AS p90_wait"""

# Distinct peers who joined an accepted engagement, and distinct people taking part
# (protégés, mentors, peers): two scalars over the same scope.
PEOPLE = f"""
, joined AS (
  SELECT DISTINCT employee_id FROM {{participant}}
  WHERE answer = 'accepted' AND engagement_id IN (SELECT id FROM s WHERE {RAN})
),
people AS (
  SELECT (SELECT COUNT(*) FROM joined) AS peers, (SELECT COUNT(*) FROM (
    SELECT protege_id FROM s WHERE {RAN} UNION SELECT mentor_id FROM s WHERE {RAN}
    UNION SELECT employee_id FROM joined
  ) _people) AS people
)
"""

PER_MENTOR = f"""
, per_mentor AS (
  SELECT f.mentor_id AS mentor, e.full_name AS mentor__full_name,
    e.mentoring_load AS mentor__mentoring_load, e.mentoring_capacity AS capacity,
    COUNT(*) AS proposals,
{
    counts(
        accepted=RAN,
        declined=state_in(State.DECLINED),
        expired=state_in(State.EXPIRED),
        unanswered=state_in(State.DECLINED, State.EXPIRED),
    )
},
    COALESCE(SUM(used) FILTER (WHERE {RAN}), 0) AS minutes,
    COALESCE(SUM(peers + 1) FILTER (WHERE {RAN} AND used > 0), 0) AS served
  FROM f JOIN {{employee}} e ON e.id = f.mentor_id
  GROUP BY f.mentor_id, e.full_name, e.mentoring_load, e.mentoring_capacity
),
lists AS (
  SELECT 'sought' AS list,
    ROW_NUMBER() OVER (ORDER BY proposals DESC, mentor__full_name) AS position, * FROM (
    SELECT * FROM per_mentor ORDER BY proposals DESC, mentor__full_name LIMIT {{limit}}
  ) _sought
  UNION ALL
  SELECT 'piling' AS list,
    ROW_NUMBER() OVER (ORDER BY unanswered DESC, mentor__full_name) AS position, * FROM (
    SELECT * FROM per_mentor WHERE unanswered >= 2
    ORDER BY unanswered DESC, mentor__full_name LIMIT {{limit}}
  ) _piling
),
method AS ({{method}})
"""

# One row per listed mentor (or one row of NULLs when none), each carrying the method's
# figures before the `_mentor` marker column and the mentor's after it.
EVERYTHING = """
SELECT method.*, people.*, '' AS _mentor, lists.*
FROM method CROSS JOIN people LEFT JOIN lists ON 1 = 1
ORDER BY lists.list DESC, lists.position
"""


def everything(scope: Scope, *, limit: int) -> tuple[dict, dict[str, list[dict]]]:
    """The method's figures (with the funnel's and outcomes' counts, the distinct
    protégés, mentors, peers and people) and both mentor lists: one WITH query, the
    facts computed once."""
    waits = WAITS if connection.vendor == "postgresql" else ""
    select = (
        PEOPLE.format(participant=Participant._meta.db_table)
        + PER_MENTOR.format(
            employee=Employee._meta.db_table,
            limit=int(limit),
            method=METHOD.format(waits=waits),
        )
        + EVERYTHING
    )
    rows = run(scope, select, split="_mentor")
    figures = rows[0][0]
    listed = [mentor for _, mentor in rows if mentor["list"] is not None]
    return figures, {
        "sought": [row for row in listed if row["list"] == "sought"],
        "piling": [row for row in listed if row["list"] == "piling"],
    }
