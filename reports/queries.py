"""Every figure of the participation report, each an SQL aggregate.

The engagements a report reads are defined once (`engagements_in`, with the period and
department of engagements.facets); every figure below is an aggregate over them (filtered
Count, Sum over correlated subqueries, percentile_cont), so the page's query count does
not grow with the data. Each figure's filter is the same as the programme list's facet
its link sets, which is what makes the figure and the list's total agree.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from directory.models import Department, Employee
from engagements import facets
from engagements.models import Engagement, Goal, Participant
from reports import facts, folds
from reports.facts import engagements_in
from reports.forms import Scope

State = Engagement.State
RAN = Q(state__in=facets.RAN)
COMPLETED = Q(state=State.COMPLETED)
ANSWERED = Q(state__in=[*facets.RAN, State.DECLINED], decided_at__isnull=False)
REACH_TARGET = 6  # distinct mentors a year: the method's aim


def joined_peers() -> Coalesce:
    joined = (
        Participant.objects.filter(engagement=OuterRef("pk"), answer=Participant.Answer.ACCEPTED)
        .order_by()
        .values("engagement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(joined, output_field=IntegerField()), 0)


def headline(scope: Scope, figures: dict | None = None) -> dict:
    """People taking part, engagements accepted and completed, goals met, minutes logged
    (from the facts' figures when the caller has them already)."""
    figures = figures or folds.lean_headline(scope)
    return {
        "people": figures["people"],
        "started": figures["ran"],
        "completed": figures["completed"],
        "goals_met": figures["goals_met"],
        "minutes": figures["minutes"],
    }


def participation(scope: Scope, figures: dict) -> dict:
    """Distinct protégés, mentors and peers (from the facts' figures) and the headcount."""
    employees = Employee.objects.filter(is_active=True)
    if scope.department:
        employees = employees.filter(department=scope.department)
    return {
        "proteges": figures["proteges"],
        "mentors": figures["mentors"],
        "peers": figures["peers"],
        "headcount": employees.count(),
    }


def by_department(scope: Scope, groups: dict | None = None) -> list[dict]:
    """Per department of the protégé: headcount, proposals, accepted, distinct protégés.
    Two grouped queries (one pass over the engagements — or the `groups` of
    reports.folds — one over the employees), joined on the department: a few dozen
    rows, not the engagements."""
    grouped = (
        engagements_in(scope)
        .values("protege__department")
        .annotate(
            proposed=Count("pk"),
            started=Count("pk", filter=RAN),
            proteges=Count("protege", distinct=True, filter=RAN),
        )
        .order_by()
    )
    departments = Department.objects.annotate(
        headcount=Count("employees", filter=Q(employees__is_active=True))
    ).order_by("name")
    if scope.department:
        departments = departments.filter(pk=scope.department.pk)
    if groups is not None:
        counted = groups["departments"]
    else:
        counted = {row.pop("protege__department"): row for row in grouped}
    none = {"proposed": 0, "started": 0, "proteges": 0}
    return [
        {"pk": d.pk, "name": d.name, "headcount": d.headcount, **counted.get(d.pk, none)}
        for d in departments
    ]


def by_month(scope: Scope, groups: dict | None = None) -> list[dict]:
    """Proposals and accepted engagements per month of the period (each engagement's
    month in its programme's zone), every month shown, none left out for having none."""
    found = groups["months"] if groups is not None else None
    rows = (
        engagements_in(scope)
        .annotate(month=facets.proposed_month(scope.programs))
        .values("month")
        .annotate(proposed=Count("pk"), started=Count("pk", filter=RAN))
        .order_by("month")
    )
    if found is None:
        found = {row["month"].date(): row for row in rows}
    months, day = [], scope.start.replace(day=1)
    while day <= scope.end:  # at most 61 months: a bounded calendar, not data rows
        row = found.get(day, {"proposed": 0, "started": 0})
        months.append({"month": day, "proposed": row["proposed"], "started": row["started"]})
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


FUNNEL = ("proposed", "declined", "expired", "withdrawn", "waiting", "answered")


def funnel(scope: Scope, figures: dict) -> dict:
    """The funnel's counts and the time to answer, from the facts' figures (the median
    and 90th percentile are PostgreSQL's percentile_cont there)."""
    found = {key: figures[key] for key in FUNNEL} | {"accepted": figures["ran"]}
    if connection.vendor == "postgresql":
        return found | {"median_wait": figures["median_wait"], "p90_wait": figures["p90_wait"]}
    # SQLite (make run) has no percentile_cont: the nearest-rank percentile instead (the
    # smallest wait with at least that share of answers at or below it), one query each.
    wait = F("decided_at") - F("proposed_at")
    waits = engagements_in(scope).filter(ANSWERED).annotate(wait=wait).order_by("wait")
    for key, fraction in (("median_wait", 0.5), ("p90_wait", 0.9)):
        n = found["answered"]
        rank = max(1, math.ceil(n * fraction))
        found[key] = waits.values_list("wait", flat=True)[rank - 1] if n else None
    return found


def decline_reasons(scope: Scope, groups: dict | None = None) -> QuerySet | list[dict]:
    if groups is not None:
        return groups["reasons"]
    return (
        engagements_in(scope)
        .filter(state=State.DECLINED)
        .values("decline_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "decline_reason")
    )


def method(scope: Scope) -> dict:
    """Keeping to the method, outcome counts and cross-department pairs: one pass."""
    return facts.everything(scope, limit=10)[0]


def outcomes(figures: dict) -> dict:
    """Goals of the completed engagements by their outcome (unmarked: no wrap-up yet),
    from the facts' figures."""
    goals = {
        "total": figures["goals_total"],
        Goal.Outcome.MET.value: figures["goals_met"],
        Goal.Outcome.PARTLY.value: figures["goals_partly"],
        Goal.Outcome.NOT_MET.value: figures["goals_not_met"],
    }
    goals["unmarked"] = goals["total"] - sum(goals[o] for o in Goal.Outcome.values)
    return goals


# Full: as many running engagements as they take at a time, or more (a capacity lowered
# below the load).
FULL = Q(mentoring_capacity__gt=0, mentoring_load__gte=F("mentoring_capacity"))


def _mentors(scope: Scope) -> QuerySet:
    """Now, not in the period. The load is one figure per mentor across programmes; the
    department is the mentor's here."""
    mentors = Employee.objects.filter(is_active=True).filter(
        Q(open_to_mentoring=True) | Q(mentoring_load__gt=0)
    )
    if scope.department:
        mentors = mentors.filter(department=scope.department)
    return mentors


def mentor_load(scope: Scope) -> dict:
    """Active engagements against capacity, today."""
    return _mentors(scope).aggregate(
        mentors=Count("pk"),
        busy=Count("pk", filter=Q(mentoring_load__gt=0)),
        active=Coalesce(Sum("mentoring_load"), 0),
        capacity=Coalesce(Sum("mentoring_capacity"), 0),
        at_capacity=Count("pk", filter=FULL),
    )


def mentors_at_capacity(scope: Scope, *, limit: int = 20) -> list[dict]:
    """Who is full today, the furthest over their capacity first: the people behind the
    at-capacity count, for an admin to look at (at most `limit`)."""
    over = F("mentoring_load") - F("mentoring_capacity")
    return list(
        _mentors(scope)
        .filter(FULL)
        .order_by(over.desc(), "full_name", "pk")
        .values("pk", "full_name", "mentoring_load", "mentoring_capacity")[:limit]
    )


def mentors(scope: Scope, *, limit: int = 10) -> dict[str, list[dict]]:
    """{"sought": the most sought-after mentors, "piling": those whose declined and
    expired proposals pile up (two or more)}."""
    return facts.everything(scope, limit=limit)[1]


def reach(scope: Scope) -> list[dict]:
    """Protégés by how many distinct mentors they had in the year to the period's end
    (accepted engagements), 1 … 6 or more: a histogram of a per-protégé count, which
    takes a GROUP BY over a GROUP BY (written in SQL over the ORM's own query)."""
    year = engagements_in(scope.year_to_end()).filter(RAN).values("protege_id", "mentor_id")
    sql, params = year.query.sql_with_params()
    histogram = f"""
        SELECT CASE WHEN n >= {REACH_TARGET} THEN {REACH_TARGET} ELSE n END AS bucket,
               COUNT(*) AS proteges
        FROM (
            SELECT protege_id, COUNT(DISTINCT mentor_id) AS n FROM ({sql}) _year
            GROUP BY protege_id
        ) _per_protege
        GROUP BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(histogram, params)
        found = dict(cursor.fetchall())
    return [{"mentors": n, "proteges": found.get(n, 0)} for n in range(1, REACH_TARGET + 1)]
