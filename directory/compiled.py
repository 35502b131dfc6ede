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
(an id); or, where `build` annotates its parameter `dt.datetime`, a moment compared with
a DateTimeField; or, annotated `list[int]`, a list of ids for an `__in` filter (its SQL
compiled once for each length). Values go into filters only, never None (`IS NULL`),
a slice, or Python arithmetic while the queryset is built. Each stand-in must reach the
SQL's parameters, or the queryset is refused.

Planned once, too, on PostgreSQL. A prepared statement (settings: prepare_threshold) is
planned for its values five times; then PostgreSQL keeps one generic plan, made for any
values, only if its estimated cost is no higher than theirs. Some lookups lost that
comparison on every call and were planned anew each time: my engagements' union, ~1 ms
of planning for 0.2 ms of work (EXPLAIN ANALYZE at 100 000 engagements); the inbox's two
lists, 0.2-0.5 ms each. So the SQL that runs has the queryset's constants (the states it
asks for) written in, for the planner to see, and each call's values read by the plan,
as one-row subqueries (InitPlans: `"mentor_id" = (SELECT $1)`), never by the planner:
the plans made for the values are the generic plan, which is then kept, and the same
indexes serve it. A lookup that takes a list keeps Django's SQL (a subquery for each
id would be planned anew for each length)."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import threading
import typing
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connections
from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import ReverseManyToOneDescriptor
from django.db.models.query import get_related_populators

# A value no row has: an id, a person, a login. The SQL is compiled with it and each
# call swaps in its own (engagements.paging.counted_for does the same). A queryset of
# several values has a stand-in each: ids counting down from this one (a list's from a
# thousand below it, a thousand apart), moments in the first second of 1901.
STAND_IN_ID = -7_654_321
STAND_IN_MOMENT = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)
# A list of ids is compiled once for each length, up to this one; a longer list is
# the ORM's, compiled as it comes.
MOST_IN_A_LIST = 999

M = TypeVar("M", bound=Model)
# What a 64-bit integer column holds, in PostgreSQL and SQLite alike.
BIGINT = (-(2**63), 2**63 - 1)


def shown_only(relation: str, model: type[Model], *shown: str) -> list[str]:
    """For `defer()`: every field of a joined row (select_related) but its id and those
    shown. Each column read is decoded and set on an instance (a timestamp is parsed in
    Python): a list that names a person reads a person's name, not their bio, search
    vector and dates."""
    return [
        f"{relation}{LOOKUP_SEP}{field.name}"
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in shown
    ]


def is_stand_in(param: object) -> bool:
    return type(param) is int and param == STAND_IN_ID


def fits(value: object) -> bool:
    return type(value) is int and BIGINT[0] <= value <= BIGINT[1]


class Compiled(Generic[M]):
    """`build(a, b, …)` gives the queryset for these values (`build()`, for none);
    `all(a, b, …)` runs the SQL compiled once from `build` of stand-ins and returns the
    rows' instances, `first(…)` the first or None. A parameter annotated `list[int]`
    takes a list of ids for an `__in` filter: its SQL is compiled once for each length,
    and an empty list finds nothing."""

    def __init__(self, build: Callable[..., QuerySet[M]]):
        self.build = build
        self.kinds = []
        for parameter in inspect.signature(build, eval_str=True).parameters.values():
            annotation = parameter.annotation
            kind = dt.datetime if annotation is dt.datetime else int
            self.kinds.append(list if typing.get_origin(annotation) is list else kind)
        self._plans: dict[tuple[int, ...], _Plan] = {}
        self._lock = threading.Lock()

    def all(self, *values: int | dt.datetime | list[int]) -> list[M]:
        if len(values) != len(self.kinds) or not all(
            type(v) is kind or (kind is list and isinstance(v, tuple))
            for v, kind in zip(values, self.kinds, strict=False)
        ):
            raise TypeError(f"values of the kinds {self.kinds!r}, not {values!r}")
        if not all(fits(v) for v, kind in zip(values, self.kinds, strict=True) if kind is int):
            return []  # no row has it (an id typed into a URL, say); the database would refuse it
        values = tuple(
            self._ids(v) if kind is list else v for v, kind in zip(values, self.kinds, strict=True)
        )
        lists = [v for v, kind in zip(values, self.kinds, strict=True) if kind is list]
        shape = tuple(len(ids) for ids in lists)
        if any(n == 0 for n in shape):
            return []  # `__in` an empty list: nothing
        if any(n > MOST_IN_A_LIST for n in shape):
            return list(self.build(*values))
        plan = self._plans.get(shape) or self._compile(shape)
        flat = []
        for value, kind in zip(values, self.kinds, strict=True):
            if kind is list:
                flat.extend(value)
            else:
                flat.append(value)
        return plan.run(flat)

    def first(self, *values: int | dt.datetime | list[int]) -> M | None:
        found = self.all(*values)
        return found[0] if found else None

    @property
    def sql(self) -> str:
        """The SQL every call runs (compiled now if it was not yet); with a list, for a
        list of one."""
        shape = tuple(1 for kind in self.kinds if kind is list)
        return (self._plans.get(shape) or self._compile(shape)).sql

    @staticmethod
    def _ids(ids: list | tuple) -> list[int]:
        if any(type(i) is not int for i in ids):
            raise TypeError(f"a list of ids (integers), not {ids!r}")
        return [i for i in ids if fits(i)]  # no row has one a column cannot hold

    def _compile(self, shape: tuple[int, ...]) -> _Plan:
        lengths = iter(shape)
        arguments, flat = [], []
        for i, kind in enumerate(self.kinds):
            if kind is list:
                ids = [STAND_IN_ID - 1_000 * (i + 1) - k for k in range(next(lengths))]
                arguments.append(ids)
                flat.extend(ids)
            else:
                stand_in = (
                    STAND_IN_MOMENT + dt.timedelta(microseconds=i)
                    if kind is dt.datetime
                    else STAND_IN_ID - i
                )
                arguments.append(stand_in)
                flat.append(stand_in)
        with self._lock:
            if (plan := self._plans.get(shape)) is None:
                queryset = self.build(*arguments)
                plan = self._plans[shape] = _Plan(queryset, flat, planned_once=not shape)
        return plan


class _Plan:
    """The SQL of one queryset, where its values go, and how its rows become instances
    (Django's ModelIterable, without compiling the SQL again)."""

    def __init__(self, queryset: QuerySet, stand_ins: list, *, planned_once: bool):
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        self.sql, params = compiler.as_sql()  # as Django writes it
        self.params = list(params)
        # Where each stand-in went: as it is, or as the database's text for a moment
        # (SQLite's; PostgreSQL takes the datetime itself).
        adapt = connections[self.alias].ops.adapt_datetimefield_value
        where = {}
        for value_at, stand_in in enumerate(stand_ins):
            where[type(stand_in), stand_in] = (value_at, None)
            if isinstance(stand_in, dt.datetime) and type(text := adapt(stand_in)) is str:
                where[str, text] = (value_at, adapt)
        self.slots = [
            (position, *where[type(param), param])
            for position, param in enumerate(self.params)
            if isinstance(param, int | str | dt.datetime) and (type(param), param) in where
        ]
        if missing := set(range(len(stand_ins))) - {value_at for _, value_at, _ in self.slots}:
            unused = [stand_ins[i] for i in sorted(missing)]
            raise ValueError(f"the SQL does not use the stand-in values {unused}: {self.sql}")
        # What runs: on PostgreSQL, constants written in and values read by the plan.
        self.statement = self.sql
        if planned_once and connections[self.alias].vendor == "postgresql":
            self.statement, self.params, self.slots = planned_once_sql(
                self.sql, self.params, self.slots, connections[self.alias]
            )
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
            cursor.execute(self.statement, params)
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


def planned_once_sql(sql: str, params: list, slots: list, connection) -> tuple[str, list, list]:
    """Django's SQL (`%s` a parameter, `%%` a percent sign) with each constant written
    in as PostgreSQL's literal, and each value a one-row subquery the plan reads once;
    its parameters (the values' places) and slots (where each value goes among them)."""
    slot_at = {position: (value_at, adapt) for position, value_at, adapt in slots}
    statement, kept, new_slots, position = [], [], [], 0
    for part in re.split(r"(%%|%s)", sql):
        if part != "%s":
            statement.append(part)
            continue
        if position in slot_at:
            new_slots.append((len(kept), *slot_at[position]))
            kept.append(params[position])
            statement.append("(SELECT %s)")
        else:  # a constant of the queryset's: a state, say
            literal = connection.ops.compose_sql("%s", [params[position]])
            statement.append(literal.replace("%", "%%"))
        position += 1
    return "".join(statement), kept, new_slots


class _ReversePrefetch:
    """`prefetch_related("goals")` of a compiled queryset: the rows of a reverse foreign
    key, read for all the parents in one query as Django's prefetch does, with its SQL
    compiled once for each number of parents (a list of ids). Each parent's list is
    cached as Django caches it, each row knowing its parent."""

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
        rows = queryset if queryset is not None else self.field.model._default_manager.all()

        def of_parents(parents: list[int]) -> QuerySet:
            return rows.filter(**{f"{self.field.name}__in": parents})

        self.rows = Compiled(of_parents)

    def attach(self, parents: list) -> None:
        by_parent: dict = {}
        for row in self.rows.all([parent.pk for parent in parents]):
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
