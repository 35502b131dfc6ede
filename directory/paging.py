"""Pages of a ranked or long list read in two steps: the page's ids first, from the
sort keys alone, then only its rows, with their joins and prefetches."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
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
    """The rows of these ids, in their order (a row deleted meanwhile left out)."""
    if by_ids is None:
        by_id = queryset.order_by().in_bulk(ids)
    else:
        by_id = {row.pk: row for row in by_ids.all(ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


# Pages beyond this one are Django's (a count, then the page), as is a page number
# that is not a number.
MOST_PAGES = 10_000


class RankedPaginator(Paginator):
    """Numbered pages of a costly ranking (the directory search), each read by page_of.

    `counted_with_page`: the page's ids and the number of matches come from one query
    (a window count). A search ranks every match anyway, and counting them was a second
    pass over them: ~4.6 ms of "negotiation"'s 3 642 at 10 000 employees. Not for a
    list an index reads in order (the directory without a search), whose page stops
    after its 20 rows where a count reads them all."""

    def __init__(self, object_list, per_page, *, counted_with_page: bool = False):
        super().__init__(object_list, per_page)
        self.counted_with_page = counted_with_page

    def get_page(self, number) -> Page:
        if self.counted_with_page and (first := _page_number(number)) is not None:
            bottom = (first - 1) * self.per_page
            found = list(
                self.object_list.annotate(matches=Window(Count("pk"))).values_list("pk", "matches")[
                    bottom : bottom + self.per_page
                ]
            )
            if found:
                self.count = found[0][1]  # the count Paginator would have asked for
                rows = rows_of(self.object_list, [pk for pk, _ in found])
                return self._get_page(rows, first, self)
        # Past the last page, or no match: Django's way (a count, then the last page).
        return super().get_page(number)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(page_of(self.object_list, self.per_page, bottom), number, self)


def _page_number(number) -> int | None:
    if number is None or number == "":
        return 1  # no page asked for: the first
    try:
        number = int(number)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MOST_PAGES else None
