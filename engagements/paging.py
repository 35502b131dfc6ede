"""Pages of long lists whose cost does not grow with how far back one reads.

One person's history has numbered pages (`NewestFirst`: page n sorts the newest n
pages' worth of each of the person's roles from their indexes, not all, then reads 25). The
programme's list is the whole company's: its pages are keyset pages (the rows after
the last one shown, through the (proposed_at, id) index), so page 500 costs what page 1
costs, and its total is counted only up to a cap.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django import forms
from django.db import connection
from django.db.models import Q, QuerySet

from directory.compiled import STAND_IN_ID, Compiled, is_stand_in, planned_once_sql, shown_only
from directory.models import Employee
from directory.paging import page_of
from engagements.models import Engagement
from engagements.models.engagement import ids_involving

MAX_PAGE = 10_000


class PageForm(forms.Form):
    """A page number; anything else is page 1."""

    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False)

    def number(self) -> int:
        return (self.is_valid() and self.cleaned_data["page"]) or 1


class CursorForm(forms.Form):
    """Where a keyset page starts: after the row with this proposal time and id (the
    last row of the previous page), or before one (the first row of the next page,
    when going back)."""

    after_at = forms.DateTimeField(required=False)
    after = forms.IntegerField(min_value=1, required=False)
    before_at = forms.DateTimeField(required=False)
    before = forms.IntegerField(min_value=1, required=False)

    def bounds(self) -> tuple[str, dt.datetime, int] | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        for direction in ("after", "before"):
            if data[direction] and data[f"{direction}_at"]:
                return direction, data[f"{direction}_at"], data[direction]
        return None


# How far the history's count goes with SQL compiled once (counted_for); a longer
# history, which nobody has yet, is counted by the ORM.
HISTORY_COUNTED_UP_TO = 2_000


class NewestFirst:
    """A person's engagements newest first, as a Paginator reads them: all counted, and
    a page read from the newest few of each role only (`ids_involving(newest=…)`), not
    from all of them sorted: page n reads at most n pages' worth of each role's index
    entries, whatever the person's history, and its own 25 rows. (The count reads them
    all, from the indexes; its SQL is compiled once: building and compiling the union
    was ~0.5 ms of the page.)"""

    def __init__(self, me: Employee):
        self.me = me

    def count(self) -> int:
        counted = counted_for(self.me, history=(ids_involving, HISTORY_COUNTED_UP_TO))
        n, more = counted["history"]
        return ids_involving(self.me).count() if more else n

    def __getitem__(self, rows: slice) -> list[Engagement]:
        """The page's ids first, sorted from the indexes alone (each role's newest
        (id, created_at) pairs, `ids_involving(dated=True)`), then only its rows. Read
        in one query, every row of the newest n pages of each role was read and joined
        to its people before the sort kept 25: page 8 of the busy mentor's history read
        212 (2.5 ms; now 0.5 ms and 0.5 ms, EXPLAIN ANALYZE at 100 000 engagements)."""
        start = rows.start or 0
        if rows.stop <= start:  # an empty history's one page: no SQL can ask for none
            return []
        sql, params = _history_ids_sql(start, rows.stop)
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.me.pk if is_stand_in(p) else p for p in params])
            ids = [pk for pk, _ in cursor.fetchall()]
        return _HISTORY_ROWS.all(ids)


@functools.lru_cache(maxsize=64)
def _history_ids_sql(start: int, stop: int) -> tuple[str, list]:
    """The ids of a page of anyone's history, newest first, as SQL compiled once per
    process for a stand-in person: the slice, and each role's newest, are in the SQL,
    so each page number has its own. Compiling the union was ~1.7 ms of the page."""
    return for_stand_in(
        functools.partial(ids_involving, newest=stop, dated=True),
        lambda found: found.order_by("-created_at", "-pk")[start:stop],
    )


def names_only(engagements: QuerySet[Engagement], *also: str) -> QuerySet[Engagement]:
    """Of the protégé and the mentor joined (select_related), only the name a list shows,
    whether they are still in the directory (`person_name` says when they left), and
    `also` (shown_only)."""
    return engagements.defer(
        *shown_only("protege", Employee, "full_name", "is_active", *also),
        *shown_only("mentor", Employee, "full_name", "is_active", *also),
    )


def _history_rows(ids: list[int]) -> QuerySet[Engagement]:
    rows = Engagement.objects.filter(pk__in=ids).select_related("protege", "mentor")
    return names_only(rows).order_by("-created_at", "-pk")


# The rows of a page of anyone's history, by their ids (directory.compiled).
_HISTORY_ROWS = Compiled(_history_rows)


def keyset_page(
    engagements: QuerySet, cursor: CursorForm, size: int, *, by_ids: Compiled | None = None
) -> dict:
    """One page of engagements ordered newest proposal first, (proposed_at, id)
    descending, and the cursors of the pages beside it.

    The redundant `proposed_at <=` (or `>=`) bound is what lets the index scan start at
    the cursor: PostgreSQL does not derive it from the OR alone, and without it a deep
    page reads every row before it."""
    bounds = cursor.bounds()
    newest_first = engagements.order_by("-proposed_at", "-pk")
    if bounds is None:
        rows = page_of(newest_first, size + 1, by_ids=by_ids)
        has_newer, has_older = False, len(rows) > size
        rows = rows[:size]
    elif bounds[0] == "after":
        _, at, pk = bounds
        older = Q(proposed_at__lte=at) & (Q(proposed_at__lt=at) | Q(pk__lt=pk))
        rows = page_of(newest_first.filter(older), size + 1, by_ids=by_ids)
        has_newer, has_older = True, len(rows) > size
        rows = rows[:size]
    else:
        _, at, pk = bounds
        newer = Q(proposed_at__gte=at) & (Q(proposed_at__gt=at) | Q(pk__gt=pk))
        oldest_first = engagements.filter(newer).order_by("proposed_at", "pk")
        rows = page_of(oldest_first, size + 1, by_ids=by_ids)
        has_newer, has_older = len(rows) > size, True
        rows = rows[:size][::-1]
    return {
        "rows": rows,
        "newer": rows[0] if rows and has_newer else None,
        "older": rows[-1] if rows and has_older else None,
    }


def count_up_to(queryset: QuerySet, cap: int) -> tuple[int, bool]:
    """How many rows, counting no further than `cap` (a LIMITed subquery): the number
    and whether there are more. A full COUNT(*) reads every matching row."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


PersonQuery = Callable[[Employee], QuerySet]


def counted_for(person: Employee, **counts: tuple[PersonQuery, int]) -> dict[str, tuple[int, bool]]:
    """count_up_to for several of one person's querysets in one round trip: the figures
    every page shows in its navigation. Each count is (a function from the person to a
    queryset, a cap); one SELECT of scalar subqueries instead of a query each.

    The SQL is compiled once per process, for a stand-in person, and each call swaps its
    person's id into the parameters: compiling the three querysets was ~0.8 ms of the
    ~1.1 ms they cost on every page (running them, ~0.2 ms). So a function may use the
    person's id only, never another of their fields (the stand-in has none)."""
    sql, params = _counting_sql(tuple((make, cap) for make, cap in counts.values()))
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.pk if is_stand_in(p) else p for p in params])
        row = cursor.fetchone()
    return {
        name: (min(n, cap), n > cap)
        for (name, (_, cap)), n in zip(counts.items(), row, strict=True)
    }


@functools.lru_cache(maxsize=16)
def _counting_sql(counts: tuple[tuple[PersonQuery, int], ...]) -> tuple[str, list]:
    parts, params = [], []
    for make, cap in counts:
        sql, more = for_stand_in(
            make, lambda found, cap=cap: found.order_by().values("pk")[: cap + 1]
        )
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params += more
    return "SELECT " + ", ".join(parts), params


def for_stand_in(
    make: PersonQuery, shape: Callable[[QuerySet], QuerySet] = lambda found: found
) -> tuple[str, list]:
    """The SQL and parameters of `shape(make(person))` for a stand-in person, whose id
    each call swaps for its own person's. `make` may use the person's id only, never
    another of their fields (the stand-in has none); one that does not filter on it is
    refused. On PostgreSQL the SQL is planned once, as a compiled lookup's is
    (directory.compiled.planned_once_sql): the history's count and its page's ids were
    planned anew on every call (pg_prepared_statements: 0 generic plans in 30), ~1 ms
    each for the busy mentor."""
    stand_in = Employee(pk=STAND_IN_ID)
    stand_in._state.adding = False  # as if saved: Django refuses unsaved rows in filters
    sql, params = shape(make(stand_in)).query.sql_with_params()
    slots = [(position, 0, None) for position, p in enumerate(params) if is_stand_in(p)]
    if not slots:
        name = getattr(make, "__qualname__", repr(make))
        raise ValueError(f"{name} does not filter on the person's id")
    if connection.vendor == "postgresql":
        sql, params, _ = planned_once_sql(sql, list(params), slots, connection)
    return sql, list(params)
