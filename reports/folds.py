"""Aggregates folded into one scan of the report's engagements.

- `groups`: proposals and accepted engagements per month and per department, and the
  decline reasons, in one query with GROUPING SETS (PostgreSQL). SQLite (`make run`)
  has no GROUPING SETS: there the caller runs reports.queries' three grouped queries.
- `lean_headline`: the previous period's headline in one query (both databases).

Both are written over the ORM's own SQL for the report's engagements (facts.engagements_in),
so the period and department are engagements.facets', as everywhere else in the report.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from engagements import facets
from engagements.models import Engagement, Goal, Meeting, Participant
from reports.facts import COMPLETED, RAN, engagements_in, state_in
from reports.forms import Scope

DECLINED = state_in(Engagement.State.DECLINED)
GROUPS = f"""
SELECT GROUPING(month) AS by_month, GROUPING(department) AS by_department,
  month, department, decline_reason,
  COUNT(*) AS proposed,
  COUNT(*) FILTER (WHERE {RAN}) AS started,
  COUNT(DISTINCT protege_id) FILTER (WHERE {RAN}) AS proteges,
  COUNT(*) FILTER (WHERE {DECLINED}) AS declined
FROM ({{scope}}) s
GROUP BY GROUPING SETS ((month), (department), (decline_reason))
ORDER BY declined DESC, decline_reason
"""


def groups(scope: Scope) -> dict | None:
    """{"months": {first day: counts}, "departments": {pk: counts}, "reasons": [rows]}
    from one scan, or None where GROUPING SETS are not available."""
    if connection.vendor != "postgresql":
        return None
    rows = engagements_in(scope).values(
        "state",
        "protege_id",
        "decline_reason",
        month=facets.proposed_month(scope.programs),
        department=F("protege__department"),
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(GROUPS.format(scope=sql), params)
        names = [column[0] for column in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    months, departments, reasons = {}, {}, []
    for row in found:  # a few dozen groups, not engagements; reasons come in order
        counts = {k: row[k] for k in ("proposed", "started", "proteges")}
        if not row["by_month"]:
            months[row["month"].date()] = counts
        elif not row["by_department"]:
            departments[row["department"]] = counts
        elif row["declined"]:
            reasons.append({"decline_reason": row["decline_reason"], "n": row["declined"]})
    return {"months": months, "departments": departments, "reasons": reasons}


LEAN = f"""
WITH s AS ({{scope}})
SELECT COUNT(*) FILTER (WHERE {RAN}) AS ran,
  COUNT(*) FILTER (WHERE {COMPLETED}) AS completed,
  (SELECT COUNT(*) FROM {{goal}} WHERE outcome = 'met'
    AND engagement_id IN (SELECT id FROM s WHERE {COMPLETED})) AS goals_met,
  (SELECT COALESCE(SUM(minutes), 0) FROM {{meeting}}
    WHERE engagement_id IN (SELECT id FROM s WHERE {RAN})) AS minutes,
  (SELECT COUNT(*) FROM (
    SELECT protege_id FROM s WHERE {RAN} UNION SELECT mentor_id FROM s WHERE {RAN}
    UNION SELECT employee_id FROM {{participant}} WHERE answer = 'accepted'
      AND engagement_id IN (SELECT id FROM s WHERE {RAN})
  ) _people) AS people
FROM s
"""


def lean_headline(scope: Scope) -> dict:
    """The headline alone (for the previous period): people taking part, accepted,
    completed, goals met, minutes logged, in one query, cheaper than the facts pass."""
    engagements = engagements_in(scope).values("id", "state", "protege_id", "mentor_id")
    sql, params = engagements.query.sql_with_params()
    query = LEAN.format(
        scope=sql,
        goal=Goal._meta.db_table,
        meeting=Meeting._meta.db_table,
        participant=Participant._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))
