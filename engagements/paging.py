"""Pages of long lists whose cost does not grow with how far back one reads.

A page number is fine for one person's history (a few hundred rows at most). The
programme's list is the whole company's: its pages are keyset pages (the rows after
the last one shown, through the (proposed_at, id) index), so page 500 costs what page 1
costs, and its total is counted only up to a cap.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import connection
from django.db.models import Q, QuerySet

from directory.paging import page_of

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


def keyset_page(engagements: QuerySet, cursor: CursorForm, size: int) -> dict:
    """One page of engagements ordered newest proposal first, (proposed_at, id)
    descending, and the cursors of the pages beside it.

    The redundant `proposed_at <=` (or `>=`) bound is what lets the index scan start at
    the cursor: PostgreSQL does not derive it from the OR alone, and without it a deep
    page reads every row before it."""
    bounds = cursor.bounds()
    newest_first = engagements.order_by("-proposed_at", "-pk")
    if bounds is None:
        rows = page_of(newest_first, size + 1)
        has_newer, has_older = False, len(rows) > size
        rows = rows[:size]
    elif bounds[0] == "after":
        _, at, pk = bounds
        older = Q(proposed_at__lte=at) & (Q(proposed_at__lt=at) | Q(pk__lt=pk))
        rows = page_of(newest_first.filter(older), size + 1)
        has_newer, has_older = True, len(rows) > size
        rows = rows[:size]
    else:
        _, at, pk = bounds
        newer = Q(proposed_at__gte=at) & (Q(proposed_at__gt=at) | Q(pk__gt=pk))
        rows = page_of(engagements.filter(newer).order_by("proposed_at", "pk"), size + 1)
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


def counted_together(**counts: tuple[QuerySet, int]) -> dict[str, tuple[int, bool]]:
    """count_up_to for several querysets (queryset, cap) in one round trip, for the
    figures every page shows in its navigation: one SELECT of scalar subqueries instead
    of a query each (each costs its compilation and a round trip, ~1 ms on every page)."""
    parts, params = [], []
    for queryset, cap in counts.values():
        sql, more = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params += more
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {
        name: (min(n, cap), n > cap)
        for (name, (_, cap)), n in zip(counts.items(), row, strict=True)
    }
