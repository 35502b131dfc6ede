"""The report page's sections: the figures of reports.queries, each with the link to the
programme list of the engagements behind it, the change against the previous period,
and the charts' geometry."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from engagements.facets import ACCEPTED
from engagements.models import Engagement, Goal
from reports import charts, facts, folds, queries
from reports.forms import Scope

State = Engagement.State


def share(part: int | float, whole: int | float) -> int | None:
    """A whole percentage, or None when there is nothing to divide."""
    return round(100 * part / whole) if whole else None


def hours(duration) -> float | None:
    return round(duration.total_seconds() / 3600, 1) if duration is not None else None


class Links:
    """`links(state="declined")`: the programme list with the report's filters and more."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.base = reverse("engagements:programme")

    def __call__(self, **facets) -> str:
        return f"{self.base}?{urlencode(self.scope.query(**facets))}"


def change(now: int, before: int) -> dict:
    delta = now - before
    return {
        "now": now,
        "before": before,
        "delta": abs(delta),
        "direction": "up" if delta > 0 else "down" if delta < 0 else "same",
        "percent": share(abs(delta), before),
    }


def headline(scope: Scope, link: Links, figures: dict) -> list[dict]:
    now, before = queries.headline(scope, figures), queries.headline(scope.previous())
    met_in = link(state=State.COMPLETED, outcome=Goal.Outcome.MET)
    rows = [
        ("people", "People taking part", None),
        ("started", "Engagements accepted", link(state=ACCEPTED)),
        ("completed", "Completed on the agreed date", link(state=State.COMPLETED)),
        ("goals_met", "Goals met", None),
        ("minutes", "Hours delivered", link(state=ACCEPTED)),
    ]
    # Goals are counted, engagements listed: an engagement can meet both its goals, so
    # the figure names the engagements its link lists ("in 3 engagements"). A recent
    # period's engagements have not all ended: fewer completed than in the period before
    # reads as a fall, when most are still running.
    extra = {
        "completed": {"running": figures["active"]},
        "goals_met": {
            "running": figures["active"],
            "within": {"n": figures["with_met"], "link": met_in},
        },
    }
    return [
        {"key": key, "label": label, "link": url, "hours": key == "minutes"}
        | change(now[key], before[key])
        | extra.get(key, {})
        for key, label, url in rows
    ]


def participation(scope: Scope, link: Links, found: dict, groups: dict | None = None) -> dict:
    figures = queries.participation(scope, found)
    headcount = figures["headcount"]
    departments = list(queries.by_department(scope, groups))
    for row in departments:  # a dozen departments: display arithmetic, not data rows
        row["share"] = share(row["proteges"], row["headcount"])
        row["link"] = link(state=ACCEPTED, department=row["pk"])
    months = queries.by_month(scope, groups)
    for row in months:
        row["label"] = row["month"].strftime("%b %y")
    return {
        "roles": [
            {"label": label, "n": figures[key], "share": share(figures[key], headcount)}
            for key, label in (("proteges", "Protégés"), ("mentors", "Mentors"), ("peers", "Peers"))
        ],
        "headcount": headcount,
        "link": link(state=ACCEPTED),
        "departments": departments,
        "department_chart": charts.horizontal(departments, "started", "name"),
        "months": months,
        "month_chart": charts.vertical(months, "started", "label"),
    }


def funnel(scope: Scope, link: Links, found: dict, groups: dict | None = None) -> dict:
    figures = queries.funnel(scope, found)
    stages = [
        {"label": "Proposed", "n": figures["proposed"], "link": link()},
        {"label": "Accepted", "n": figures["accepted"], "link": link(state=ACCEPTED)},
    ] + [
        {"label": label, "n": figures[key], "link": link(state=state)}
        for state, key, label in (
            (State.DECLINED, "declined", "Declined"),
            (State.EXPIRED, "expired", "Expired"),
            (State.WITHDRAWN, "withdrawn", "Withdrawn"),
            (State.PROPOSED, "waiting", "Still waiting"),
        )
    ]
    for stage in stages:
        stage["share"] = share(stage["n"], figures["proposed"])
    reasons = [
        {
            "label": Engagement.DeclineReason(row["decline_reason"]).label
            if row["decline_reason"]
            else "No reason given",
            "n": row["n"],
            "link": link(state=State.DECLINED, reason=row["decline_reason"])
            if row["decline_reason"]
            else None,
        }
        for row in queries.decline_reasons(scope, groups)
    ]
    return {
        "stages": stages,
        "chart": charts.horizontal(stages, "n", "label"),
        "median": hours(figures["median_wait"]),
        "p90": hours(figures["p90_wait"]),
        "answered": figures["answered"],
        "reasons": reasons,
    }


def method(link: Links, m: dict) -> dict:
    rows = [
        ("Two goals", m["two_goals"], m["ran"], link(state=ACCEPTED, goals=2)),
        ("One goal", m["one_goal"], m["ran"], link(state=ACCEPTED, goals=1)),
        ("With peers", m["with_peers"], m["ran"], link(state=ACCEPTED, peers="yes")),
        ("Completed on the agreed date", m["completed"], m["ran"], link(state=State.COMPLETED)),
        ("Cancelled", m["cancelled"], m["ran"], link(state=State.CANCELLED)),
        ("Still running", m["active"], m["ran"], link(state=State.ACTIVE)),
        (
            "Thank-you sent",
            m["thanked"],
            m["completed"],
            link(state=State.COMPLETED, thanked="yes"),
        ),
        (
            "Wrap-up advice given",
            m["advised"],
            m["completed"],
            link(state=State.COMPLETED, advice="given"),
        ),
        ("Follow-ons proposed", m["follow_ons"], m["proposed"], link(follow_on="yes")),
        (
            "Follow-ons accepted",
            m["follow_ons_accepted"],
            m["follow_ons"],
            link(state=ACCEPTED, follow_on="yes"),
        ),
        ("Next mentor suggested", m["suggested"], m["completed"], link(advice="suggested")),
        ("Suggestion became an engagement", m["taken"], m["suggested"], link(advice="taken")),
        ("Cross-department pairs", m["cross"], m["ran"], link(state=ACCEPTED, cross="yes")),
    ]
    usage = [
        {"label": label, "n": m[f"usage_{key}"], "link": link(state=State.COMPLETED, usage=key)}
        for key, label in (
            ("none", "No time logged"),
            ("under_half", "Under half"),
            ("over_half", "Half or more"),
            ("full", "All of it"),
        )
    ]
    return {
        "figures": m,
        "rows": [
            {"label": label, "n": n, "of": of, "share": share(n, of), "link": url}
            for label, n, of, url in rows
        ],
        "usage": usage,
        "usage_chart": charts.horizontal(usage, "n", "label"),
        "hours_share": share(m["used"], m["budget"]),
        "served_per_hour": round(m["served"] / (m["used"] / 60), 2) if m["used"] else None,
    }


def outcomes(scope: Scope, link: Links, figures: dict) -> dict:
    goals = queries.outcomes(figures)
    rows = [
        {
            "label": outcome.label,
            "n": goals[outcome.value],
            "share": share(goals[outcome.value], goals["total"]),
            "engagements": figures[f"with_{outcome.value}"],
            "link": link(state=State.COMPLETED, outcome=outcome.value),
        }
        for outcome in Goal.Outcome
    ]
    rows.append(
        {
            "label": "Not marked yet",
            "n": goals["unmarked"],
            "share": share(goals["unmarked"], goals["total"]),
        }
    )
    return {"rows": rows, "total": goals["total"], "chart": charts.horizontal(rows, "n", "label")}


def mentor_load(scope: Scope, link: Links, tables: dict) -> dict:
    load = queries.mentor_load(scope)
    for row in tables["sought"] + tables["piling"]:  # twenty rows at most
        row["link"] = link(mentor=row["mentor"])
        minutes = row["minutes"]
        row["per_hour"] = round(row["served"] / (minutes / 60), 2) if minutes else None
    full = queries.mentors_at_capacity(scope) if load["at_capacity"] else []
    for row in full:  # their running engagements, whichever period the report shows
        row["link"] = f"{link.base}?{urlencode({'mentor': row['pk'], 'state': State.ACTIVE})}"
        row["over"] = row["mentoring_load"] > row["mentoring_capacity"]
    return {"load": load, "use": share(load["active"], load["capacity"]), "full": full, **tables}


def reach(scope: Scope) -> dict:
    rows = queries.reach(scope)
    for row in rows:
        row["label"] = (
            f"{row['mentors']}+" if row["mentors"] == queries.REACH_TARGET else str(row["mentors"])
        )
    return {
        "rows": rows,
        "chart": charts.vertical(rows, "proteges", "label", mark=f"{queries.REACH_TARGET}+"),
        "target": queries.REACH_TARGET,
        "year": scope.year_to_end(),
    }


def report(scope: Scope) -> dict:
    """Every section of the page; the facts' one pass feeds the headline, participation,
    funnel, method, outcomes and mentor lists."""
    link = Links(scope)
    figures, tables = facts.everything(scope, limit=10)
    groups = folds.groups(scope)  # None on SQLite: three grouped queries there
    method_figures = method(link, figures)
    return {
        "scope": scope,
        "link": link,
        "headline": headline(scope, link, figures),
        "participation": participation(scope, link, figures, groups),
        "funnel": funnel(scope, link, figures, groups),
        "method": method_figures,
        "outcomes": outcomes(scope, link, figures),
        "mentor_load": mentor_load(scope, link, tables),
        "reach": reach(scope),
        "all_link": link(),
    }
