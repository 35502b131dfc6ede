"""Pages of a ranked or long list read in two steps: the page's ids first, from the
sort keys alone, then only its rows, with their joins and prefetches."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, QuerySet, Window

from directory.compiled import Compiled


def page_of(queryset: QuerySet, n: int, offset: int = 0, *, by_ids: Compiled | None = None) -> list:
    """The n rows of an ordered queryset from `offset`, in two steps: their ids (an
    index scan, or a sort of the keys alone, that stops after n), then those rows. In
    one query PostgreSQL may join or carry every match's whole row through the sort:
    a programme search matching 10 000 engagements took ~200 ms; the directory search
    carried 3 600 people's bios and search vectors through its ranking, 25 ms instead of
    ~13 (EXPLAIN ANALYZE at 100 000 engagements, 10 000 employees).

    `by_ids`, a compiled lookup of rows by a list of ids, reads them with SQL compiled
    once per page length instead of the queryset's (directory.compiled): the page's
    rows are the same whatever filtered them."""
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + n])
    return rows_of(queryset, ids, by_ids=by_ids)


def rows_of(queryset: QuerySet, ids: list, *, by_ids: Compiled | None = None) -> list:
    """The queryset's rows of these ids, in their order."""
    if by_ids is None:
        by_id = queryset.order_by().in_bulk(ids)
    else:
        by_id = {row.pk: row for row in by_ids.all(ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


# Beyond it (an address typed by hand), a page is found as Django's Paginator finds it.
LAST_COUNTED_PAGE = 10_000


class RankedPaginator(Paginator):
    """Numbered pages of a costly ranking (the directory search), each read by page_of.

    On PostgreSQL, a list ordered by a computed value (the search's tier and rank) sorts
    every match before its first row, so the page's ids carry the count of them all, a
    window over what the sort read anyway: counted apart, the matches were read twice
    ("negotiation", 3 600 people: ~2.5 ms of ~17 ms of SQL). A list in an index's order
    stops reading after its page, so it is counted apart (the window would read all
    10 000: 14 ms)."""

    def get_page(self, number) -> Page:
        try:
            asked = 1 if number in (None, "") else int(number)
        except (TypeError, ValueError):
            asked = 0
        if not self._ranked() or not 1 <= asked <= LAST_COUNTED_PAGE:
            return super().get_page(number)  # Django's: counted apart, any page number
        number = asked
        bottom = (number - 1) * self.per_page
        counted = self.object_list.annotate(matches=Window(Count("pk")))
        rows = list(counted.values_list("pk", "matches")[bottom : bottom + self.per_page])
        if not rows and number > 1:  # past the last page: the last, as Django's does
            return super().get_page(number)
        self.count = rows[0][1] if rows else 0
        found = rows_of(self.object_list, [pk for pk, _ in rows])
        return self._get_page(found, number, self)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(page_of(self.object_list, self.per_page, bottom), number, self)

    def _ranked(self) -> bool:
        if connection.vendor != "postgresql":
            # SQLite's FTS5 ranks with bm25(), which refuses to run beside a window
            # function; the embedded default's directory is small enough to count twice.
            return False
        query = self.object_list.query
        keys = (key.lstrip("-") for key in query.order_by if isinstance(key, str))
        return any(key in query.annotations for key in keys)
