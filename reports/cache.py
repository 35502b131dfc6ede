"""The report's figures, minutes old at most: a report is not a decision.

The computed sections of a scope (programmes, department, period) are kept in Django's
cache (Redis in production) for REPORT_CACHE_SECONDS, keyed by the scope alone, never by
the person: two admins who may see the same programmes read the same entry. "Recompute
now" replaces a scope's entry; the beat task `reports.tasks.warm` recomputes the presets
of every programme and of every admin's set of programmes before they expire, so a first
visit to a preset is warm too. The CSV exports do not read this cache: they stay exact.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from engagements.models import Program
from reports import facts, sections
from reports.forms import PRESETS, ReportFilterForm, Scope, clock

VERSION = 2  # raise when the cached sections change shape


def key(scope: Scope) -> str:
    programmes = ",".join(str(pk) for pk in sorted(p.pk for p in scope.programs))
    chosen = scope.program.pk if scope.program else "all"
    department = scope.department.pk if scope.department else "all"
    return (
        f"reports:v{VERSION}:programmes={programmes}:chosen={chosen}:"
        f"department={department}:{scope.start.isoformat()}:{scope.end.isoformat()}"
    )


def compute(scope: Scope, *, keep: int | None = None) -> dict:
    """Compute the scope's sections now and keep them for REPORT_CACHE_SECONDS (or
    `keep` seconds)."""
    with facts.one_read():
        figures = sections.report(scope)
    figures["as_of"] = timezone.now()
    figures["computation"] = uuid.uuid4().hex  # names its drawing (`drawn`)
    kept = {k: v for k, v in figures.items() if k not in ("scope", "link")}
    cache.set(key(scope), kept, keep or settings.REPORT_CACHE_SECONDS)
    return figures


def report(scope: Scope) -> dict:
    """The scope's sections from the cache, or computed (and cached) when absent."""
    kept = cache.get(key(scope))
    if kept is None:
        return compute(scope)
    return kept | {"scope": scope, "link": sections.Links(scope)}


def drawn(figures: dict, scope: Scope) -> dict:
    """What names the figures' HTML in the cache (`{% cache %}` in reports/report.html):
    the computation they came from, so a recomputed report is drawn afresh and two
    admins of the same scope share one drawing. Drawing its ~650 figures and six charts
    was most of the page (~10 ms of ~20 in process); a drawing is no older than the
    figures it shows. Drawings are kept in each web process's memory
    (CACHES["template_fragments"]), as long as a warmed entry: a deploy, which starts
    new processes, draws with its own template."""
    return {
        "name": f"{key(scope)}:{figures['computation']}",
        "seconds": 2 * settings.REPORT_CACHE_SECONDS,
    }


def as_of(figures: dict, scope: Scope) -> dict:
    """When the figures were computed, in the zone whose date the presets end on
    (`reports.forms.clock`), and how often they are refreshed."""
    zone = clock(scope.programs).zone
    return {
        "time": figures["as_of"].astimezone(zone).strftime("%H:%M"),
        "zone": str(zone),
        "minutes": max(1, round(settings.REPORT_CACHE_SECONDS / 60)),
    }


def programme_sets() -> list[tuple[int, ...]]:
    """Every scope of programmes an admin's report reads: each programme alone, each
    admin's programmes together ("all my programmes"), and every programme (superusers).
    A few dozen sets at most: programmes and their admins, not engagements."""
    every = tuple(Program.objects.order_by("pk").values_list("pk", flat=True))
    sets: set[tuple[int, ...]] = {(pk,) for pk in every}
    by_admin: dict[int, list[int]] = {}
    for admin, programme in Program.admins.through.objects.values_list("employee_id", "program_id"):
        by_admin.setdefault(admin, []).append(programme)
    sets |= {tuple(sorted(programmes)) for programmes in by_admin.values()}
    if every and get_user_model().objects.filter(is_superuser=True, is_active=True).exists():
        sets.add(every)
    return sorted(sets)


def warm() -> int:
    """Recompute the presets (last 30 days, quarter, 12 months; every department) of
    every programme set, each ending today by the set's clock (`reports.forms.clock`, as
    for a visit); returns how many reports were computed."""
    computed = 0
    for programmes in programme_sets():
        visible = Program.objects.filter(pk__in=programmes)
        for period in PRESETS:
            # One programme: its admins' "all my programmes" and anyone's choice of it.
            for chosen in ("", *programmes) if len(programmes) == 1 else ("",):
                form = ReportFilterForm({"period": period, "program": chosen}, programmes=visible)
                if form.is_valid():
                    # Kept twice as long as a visit's entry: the next run replaces it
                    # before it expires, so the presets never go cold between runs.
                    compute(form.scope(), keep=2 * settings.REPORT_CACHE_SECONDS)
                    computed += 1
    return computed
