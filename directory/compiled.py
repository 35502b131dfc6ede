"""Querysets of one fixed shape, compiled to SQL once per process.

Django compiles a queryset to SQL every time it runs, and for the lookups every page
makes, compiling was most of their cost: the person behind the login, ~0.9 ms of CPU a
request, ~0.75 of it the compiler's; an engagement page's eleven-table join and my
engagements' union of three roles, ~3 ms each. The SQL never changes, only its values.
A `Compiled` queryset is built once, for stand-in values no row has; it keeps the SQL
and the compiler's map from columns to model instances, and each call runs that SQL
with its own values in the stand-ins' places, then builds the instances as Django's
`ModelIterable` does (the same instances: select_related joins, annotations and
prefetches included). A prefetch of a reverse foreign key (an engagement's goals) is
compiled too, once for each number of parents: on an engagement page its three took
~2 ms of ~13; any other prefetch is Django's.

    _WAITING = Compiled(lambda mentor: Engagement.objects.for_mentor(mentor).proposed())
    proposals = _WAITING.all(me.pk)

Only for querysets whose SQL does not depend on the values: each value is an integer
(an id) or, where `build` annotates its parameter `dt.datetime`, a moment compared with a
DateTimeField; used in equality or range filters only, never in a list (`pk__in`), as
None (`IS NULL`), in a slice, or in Python while the queryset is built. Each stand-in
must reach the SQL's parameters, or the queryset is refused."""

from __future__ import annotations

import datetime as dt
import inspect
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connections
from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import ReverseManyToOneDescriptor
from django.db.models.query import get_related_populators

# A value no row has: an id, a person, a login. The SQL is compiled with it and each
# call swaps in its own (engagements.paging.counted_for does the same). A queryset of
# several values has a stand-in each: ids counting down from this one, moments in the
# first second of 1901.
STAND_IN_ID = -7_654_321
STAND_IN_MOMENT = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)

M = TypeVar("M", bound=Model)
# What a 64-bit integer column holds, in PostgreSQL and SQLite alike.
BIGINT = (-(2**63), 2**63 - 1)


def is_stand_in(param: object) -> bool:
    return type(param) is int and param == STAND_IN_ID


class Compiled(Generic[M]):
    """`build(a, b, …)` gives the queryset for these values (`build()`, for none);
    `all(a, b, …)` runs the SQL compiled once from `build` of stand-ins and returns the
    rows' instances, `first(…)` the first or None."""

    def __init__(self, build: Callable[..., QuerySet[M]]):
        self.build = build
        kinds = [
            dt.datetime if parameter.annotation is dt.datetime else int
            for parameter in inspect.signature(build, eval_str=True).parameters.values()
        ]
        self.stand_ins = [
            STAND_IN_MOMENT + dt.timedelta(microseconds=i)
            if kind is dt.datetime
            else STAND_IN_ID - i
            for i, kind in enumerate(kinds)
        ]
        self._plan: _Plan | None = None
        self._lock = threading.Lock()

    def all(self, *values: int | dt.datetime) -> list[M]:
        if len(values) != len(self.stand_ins) or any(
            type(v) is not type(s) for v, s in zip(values, self.stand_ins, strict=False)
        ):
            raise TypeError(f"values like {self.stand_ins!r}, not {values!r}")
        if not all(BIGINT[0] <= v <= BIGINT[1] for v in values if type(v) is int):
            return []  # no row has it (an id typed into a URL, say); the database would refuse it
        return (self._plan or self._compile()).run(values)

    def first(self, *values: int | dt.datetime) -> M | None:
        found = self.all(*values)
        return found[0] if found else None

    @property
    def sql(self) -> str:
        """The SQL every call runs (compiled now if it was not yet)."""
        return (self._plan or self._compile()).sql

    def _compile(self) -> _Plan:
        with self._lock:
            if self._plan is None:
                self._plan = _Plan(self.build(*self.stand_ins), self.stand_ins)
        return self._plan


class _Plan:
    """The SQL of one queryset, where its values go, and how its rows become instances
    (Django's ModelIterable, without compiling the SQL again)."""

    def __init__(self, queryset: QuerySet, stand_ins: list):
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        # Where each stand-in went: as it is, or as the database's text for a moment
        # (SQLite's; PostgreSQL takes the datetime itself).
        ops = connections[self.alias].ops
        self.slots = []
        for position, param in enumerate(self.params):
            for value_at, stand_in in enumerate(stand_ins):
                if type(param) is type(stand_in) and param == stand_in:
                    self.slots.append((position, value_at, None))
                elif isinstance(stand_in, dt.datetime) and param == ops.adapt_datetimefield_value(
                    stand_in
                ):
                    self.slots.append((position, value_at, ops.adapt_datetimefield_value))
        if missing := set(range(len(stand_ins))) - {value_at for _, value_at, _ in self.slots}:
            unused = [stand_ins[i] for i in sorted(missing)]
            raise ValueError(f"the SQL does not use the stand-in values {unused}: {self.sql}")
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.annotations = compiler.annotation_col_map
        self.converters = compiler.get_converters([column[0] for column in select])
        self.klass_info, self.select = klass_info, select
        # Prefetches of a reverse foreign key are compiled too; any other is Django's.
        self.prefetches, self.other_prefetches = [], []
        for lookup in queryset._prefetch_related_lookups:
            if compiled := _ReversePrefetch.of(self.model, lookup):
                self.prefetches.append(compiled)
            else:
                self.other_prefetches.append(lookup)

    def run(self, values: tuple | list) -> list:
        connection = connections[self.alias]
        params = list(self.params)
        for position, value_at, adapt in self.slots:
            params[position] = adapt(values[value_at]) if adapt else values[value_at]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        found = self.instances(rows, connection)
        if found:  # as the queryset would, a query each
            for prefetch in self.prefetches:
                prefetch.attach(found)
            if self.other_prefetches:
                prefetch_related_objects(found, *self.other_prefetches)
        return found

    def instances(self, rows: list[tuple], connection) -> list:
        if self.converters:  # SQLite's dates and booleans, say (as the compiler's)
            rows = [self.converted(row, connection) for row in rows]
        populators = get_related_populators(self.klass_info, self.select, self.alias)
        found = []
        for row in rows:
            obj = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def converted(self, row: tuple, connection) -> tuple:
        row = list(row)
        for position, (converters, expression) in self.converters.items():
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        return tuple(row)


class _ReversePrefetch:
    """`prefetch_related("goals")` of a compiled queryset: the rows of a reverse foreign
    key, read for all the parents in one query as Django's prefetch does, with its SQL
    compiled once for each number of parents (its `IN (…)` has a value a parent). Each
    parent's list is cached as Django caches it, each row knowing its parent."""

    MOST_PARENTS = 100  # more, and Django's own prefetch reads them

    @classmethod
    def of(cls, model, lookup) -> _ReversePrefetch | None:
        """For a one-level prefetch of a reverse foreign key, without to_attr, slices or
        prefetches of its own; None for any other."""
        name = lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup
        queryset = lookup.queryset if isinstance(lookup, Prefetch) else None
        descriptor = getattr(model, name, None) if LOOKUP_SEP not in name else None
        if (
            type(descriptor) is not ReverseManyToOneDescriptor
            or not descriptor.field.target_field.primary_key  # rows are matched on the pk
            or (isinstance(lookup, Prefetch) and lookup.to_attr)
            or (
                queryset is not None
                and (queryset.query.is_sliced or queryset._prefetch_related_lookups)
            )
        ):
            return None
        return cls(descriptor, name, queryset)

    def __init__(self, descriptor, name: str, queryset: QuerySet | None):
        self.name, self.field = name, descriptor.field  # the child's foreign key
        self.queryset = queryset
        self.rows = queryset if queryset is not None else self.field.model._default_manager.all()
        self._plans: dict[int, _Plan] = {}
        self._lock = threading.Lock()

    def attach(self, parents: list) -> None:
        if len(parents) > self.MOST_PARENTS:
            prefetch_related_objects(parents, Prefetch(self.name, queryset=self.queryset))
            return
        ids = [parent.pk for parent in parents]
        by_parent: dict = {}
        for row in self._plan(len(ids)).run(ids):
            by_parent.setdefault(getattr(row, self.field.attname), []).append(row)
        for parent in parents:
            rows = by_parent.get(parent.pk, [])
            for row in rows:
                self.field.set_cached_value(row, parent)
            manager = getattr(parent, self.name)
            cached = (
                manager._apply_rel_filters(self.queryset)
                if self.queryset is not None
                else manager.get_queryset()
            )
            cached._result_cache, cached._prefetch_done = rows, True
            if not hasattr(parent, "_prefetched_objects_cache"):
                parent._prefetched_objects_cache = {}
            parent._prefetched_objects_cache[self.field.remote_field.cache_name] = cached

    def _plan(self, n: int) -> _Plan:
        if (plan := self._plans.get(n)) is None:
            with self._lock:
                if (plan := self._plans.get(n)) is None:
                    stand_ins = [STAND_IN_ID - i for i in range(n)]
                    rows = self.rows.filter(**{f"{self.field.name}__in": stand_ins})
                    plan = self._plans[n] = _Plan(rows, stand_ins)
        return plan
