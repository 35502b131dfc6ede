"""CSV downloads of the report's tables, with the page's filters.

UTF-8 (with a byte-order mark, so spreadsheets read the accents), a header row, and
every text cell that a spreadsheet would run as a formula (starting with = + - @, a
tab or a carriage return) prefixed with an apostrophe. Responses stream: the export
of every engagement reads the database in chunks and never holds the file in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

from engagements import facets
from engagements.models import Engagement
from reports import queries, sections
from reports.forms import Scope

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(cell):
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    if isinstance(cell, dt.datetime):
        # To the second, every row alike ("2026-11-27 10:05:03+00:00"): str() wrote the
        # microseconds when a moment had any, and a spreadsheet read the column as text.
        return cell.replace(microsecond=0).isoformat(sep=" ")
    return "" if cell is None else cell


class Echo:
    """csv.writer writes into this and gets the line back, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def lines(header: list[str], rows: Iterable) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe(cell) for cell in row])


def response(name: str, header: list[str], rows: Iterable) -> StreamingHttpResponse:
    streamed = StreamingHttpResponse(lines(header, rows), content_type="text/csv; charset=utf-8")
    streamed["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return streamed


def engagements(scope: Scope):
    header = ["Id", "Programme", "Title", "State", "Protégé", "Protégé's department", "Mentor"]
    header += ["Mentor's department", "Proposed at", "Decided at", "Start", "End"]
    header += ["Budget (min)", "Logged (min)", "Goals", "Peers joined", "Follows", "Thanked at"]
    rows = (
        queries.engagements_in(scope)
        .annotate(
            used=facets.minutes_used(), n_goals=facets.goal_count(), n_peers=queries.joined_peers()
        )
        .order_by("proposed_at", "pk")
        .values_list(
            "pk",
            "program__name",
            "title",
            "state",
            "protege__full_name",
            "protege__department__name",
            "mentor__full_name",
            "mentor__department__name",
            "proposed_at",
            "decided_at",
            "start_date",
            "end_date",
            "budget_minutes",
            "used",
            "n_goals",
            "n_peers",
            "follows",
            "wrap_up__thanked_at",
        )
        .iterator(chunk_size=2000)
    )
    # The state in words, as the report and the programme list say it ("Completed").
    labels = dict(Engagement.State.choices)
    return header, ((*row[:3], labels.get(row[3], row[3]), *row[4:]) for row in rows)


def departments(scope: Scope):
    header = ["Department", "Headcount", "Proposed", "Accepted", "Protégés", "Protégés per 100"]
    rows = (
        (
            r["name"],
            r["headcount"],
            r["proposed"],
            r["started"],
            r["proteges"],
            sections.share(r["proteges"], r["headcount"]),
        )
        for r in queries.by_department(scope)
    )
    return header, rows


def months(scope: Scope):
    rows = (
        (r["month"].strftime("%Y-%m"), r["proposed"], r["started"]) for r in queries.by_month(scope)
    )
    return ["Month", "Proposed", "Accepted"], rows


def funnel(scope: Scope):
    stages = sections.funnel(scope, sections.Links(scope), queries.method(scope))
    rows = [(s["label"], s["n"], s["share"]) for s in stages["stages"]]
    rows += [("Declined: " + r["label"], r["n"], "") for r in stages["reasons"]]
    rows += [
        ("Median time to answer (hours)", stages["median"], ""),
        ("90th percentile time to answer (hours)", stages["p90"], ""),
    ]
    return ["Stage", "Engagements", "Share of proposed (%)"], rows


def method(scope: Scope):
    figures = sections.method(sections.Links(scope), queries.method(scope))
    rows = [(r["label"], r["n"], r["of"], r["share"]) for r in figures["rows"]]
    rows += [
        ("Completed with time logged: " + r["label"], r["n"], "", "") for r in figures["usage"]
    ]
    m = figures["figures"]
    rows += [
        (
            "Hours delivered of budgeted (completed)",
            round(m["used"] / 60, 1),
            round(m["budget"] / 60, 1),
            figures["hours_share"],
        )
    ]
    return ["Measure", "Engagements", "Out of", "Share (%)"], rows


def outcomes(scope: Scope):
    link = sections.Links(scope)
    figures = sections.outcomes(scope, link, queries.method(scope))
    rows = [(r["label"], r["n"], r["share"]) for r in figures["rows"]]
    return ["Goal outcome", "Goals", "Share (%)"], rows


def mentor_rows(scope: Scope, piling_up: bool):
    header = ["Mentor", "Proposals", "Accepted", "Declined", "Expired", "Hours delivered"]
    header += ["People served per hour", "Active now", "Capacity"]
    rows = (
        (
            r["mentor__full_name"],
            r["proposals"],
            r["accepted"],
            r["declined"],
            r["expired"],
            round(r["minutes"] / 60, 1),
            round(r["served"] / (r["minutes"] / 60), 2) if r["minutes"] else "",
            r["mentor__mentoring_load"],
            r["capacity"],
        )
        for r in queries.mentors(scope)["piling" if piling_up else "sought"]
    )
    return header, rows


def reach(scope: Scope):
    rows = ((r["mentors"], r["proteges"]) for r in queries.reach(scope))
    return ["Distinct mentors in 12 months (6 = six or more)", "Protégés"], rows


TABLES = {
    "engagements": engagements,
    "departments": departments,
    "months": months,
    "funnel": funnel,
    "method": method,
    "outcomes": outcomes,
    "mentors": lambda scope: mentor_rows(scope, piling_up=False),
    "piling-up": lambda scope: mentor_rows(scope, piling_up=True),
    "reach": reach,
}
