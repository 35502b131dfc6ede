"""Import the employee list from CSV: validate the whole file, then upsert it in one
transaction. A file with any bad row imports nothing and reports every bad row, of every
kind (columns, values, duplicates, managers, cycles), in one pass, line by line.

Sized for files of 100 000 rows: the checks per row are plain Python (no query, no
time-zone lookup), and the database sees a fixed number of set-based statements per
batch of rows, never one per row."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from directory.import_parsing import (
    BATCH_SIZE,
    BATCH_VALUES,
    FIELDS,
    ImportResult,
    Row,
    parse,
)
from directory.leaving import check_leaving
from directory.logins import logins_follow
from directory.models import Department, Employee, ImportRun, Skill
from directory.search import analyze, refresh_search_vectors


def _quiet(stage: str) -> None:
    pass


def import_employees_csv(data: bytes, progress: Callable[[str], None] = _quiet) -> ImportResult:
    """Check the whole file, then save it all or nothing. `progress` hears each stage
    (a background import shows it to the admin)."""
    result = ImportResult()
    progress("Reading and checking every row")
    rows = parse(data, result)
    # Managers are checked even when some rows are bad, so one pass reports everything.
    progress(f"Checking the managers of {len(rows):,} people")
    check_managers(rows, result)
    check_leaving(rows, result)
    result.errors.sort(key=lambda error: error[0])
    if result.ok:
        progress(f"Saving {len(rows):,} people")
        save(rows, result)
    return result


def waiting_runs(*, stored_before, limit: int = 100) -> list[int]:
    """Background imports stored before this moment and still waiting for a worker."""
    waiting = ImportRun.objects.filter(status=ImportRun.Status.QUEUED, created_at__lt=stored_before)
    return list(waiting.order_by("pk").values_list("pk", flat=True)[:limit])


def run_import(run_id: int, *, now=None) -> None:
    """Import a stored file (the background task calls this). Claimed with a conditional
    UPDATE, so a repeated task does nothing; the report is kept on the run."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, progress="Starting", started_at=timezone.now()
    )
    if not claimed:
        return
    run = ImportRun.objects.get(pk=run_id)

    def progress(stage: str) -> None:
        ImportRun.objects.filter(pk=run_id).update(progress=stage[:200])

    result = import_employees_csv(bytes(run.data), progress=progress)
    ImportRun.objects.filter(pk=run_id).update(
        status=ImportRun.Status.DONE if result.ok else ImportRun.Status.REFUSED,
        progress="",
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        summary=result.summary if result.ok else "",
        errors=[] if result.ok else result.report,
        data=b"",
        finished_at=now or timezone.now(),
    )


def stop_abandoned(*, started_before) -> int:
    """Runs a worker claimed and never finished: it was killed (out of memory, a deploy,
    its time limit) inside the import's one transaction, so nothing was saved. Said so,
    and the stored file dropped, instead of "Importing" for ever."""
    abandoned = ImportRun.objects.filter(status=ImportRun.Status.RUNNING).filter(
        Q(started_at__lt=started_before) | Q(started_at=None, created_at__lt=started_before)
    )
    return abandoned.update(
        status=ImportRun.Status.STOPPED, progress="", data=b"", finished_at=timezone.now()
    )


def _batches(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_managers(rows: list[Row], result: ImportResult) -> None:
    """Every manager exists (in the file or the directory); no reporting line loops,
    counting the managers of people already in the directory who are not in the file."""
    if not rows:
        return
    in_file: dict[str, Row] = {}
    for row in rows:
        # A repeated email is reported by parse; its first row is the one that counts.
        if row.email:
            in_file.setdefault(row.email, row)
    # One query for the whole directory's reporting lines, whatever the file's size.
    directory = dict(Employee.objects.values_list(Lower("email"), Lower("manager__email")))

    def manager_of(email: str) -> str:
        row = in_file.get(email)
        # A file without the manager_email column keeps everyone's manager.
        if row and row.manager_email is not None:
            return row.manager_email
        return directory.get(email) or ""

    for row in rows:
        boss = row.manager_email
        if boss and boss not in in_file and boss not in directory:
            result.errors.append((row.line, f"manager {boss} not found"))

    # Follow each chain upwards once: a person already settled ends the walk, so the
    # whole check is linear in the number of people.
    settled: set[str] = set()
    for email in in_file:
        path: dict[str, int] = {}
        while email and email not in settled and email not in path:
            path[email] = len(path)
            email = manager_of(email)
        if email in path:
            loop = list(path)[path[email] :]
            for i, member in enumerate(loop):
                if member in in_file:
                    chain = [*loop[i:], *loop[:i], member]
                    if len(chain) > 8:
                        chain = [*chain[:3], f"… {len(loop) - 4} more …", *chain[-2:]]
                    message = f"manager cycle: {' → '.join(chain)}"
                    result.errors.append((in_file[member].line, message))
        settled.update(path)


@transaction.atomic
def save(rows: list[Row], result: ImportResult) -> None:
    now = timezone.now()
    departments, result.new_departments = _get_or_create_named(
        Department, (row.department for row in rows)
    )
    skills, result.new_skills = _get_or_create_named(
        Skill, (n for row in rows for n in [*(row.skills or ()), *(row.interests or ())])
    )
    emails = {row.email for row in rows}
    looked_up = emails | {row.manager_email for row in rows} - {"", None}
    # By lowercased email. Imported addresses are stored lowercased, so the unique index
    # finds them; the few people added by hand with capitals take one more query.
    known: dict[str, Employee] = {}
    people = Employee.objects.only("email", "department", "manager", *FIELDS)
    for chunk in _batches(looked_up):
        known.update((e.email, e) for e in people.filter(email__in=chunk))
    for employee in people.exclude(email=Lower("email")):
        if employee.email.lower() in looked_up:
            known.setdefault(employee.email.lower(), employee)

    # A column the file leaves out is None (or missing from row.values): new people
    # get the model's defaults, people already here keep what they have.
    new: list[Employee] = []
    changed: dict[int, Employee] = {}
    moved: list[Employee] = []  # left the directory, or came back
    for row in rows:
        department_id = departments[row.department.lower()] if row.department else None
        employee = known.get(row.email)
        if employee is None:
            new.append(
                Employee(
                    email=row.email,
                    department_id=department_id,
                    created_at=now,
                    updated_at=now,
                    **row.values,
                )
            )
            continue
        wanted = dict(row.values)
        if row.department is not None:
            wanted["department_id"] = department_id
        if wanted.get("is_active", employee.is_active) != employee.is_active:
            moved.append(employee)
        if any(getattr(employee, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(employee, name, value)
            changed[employee.pk] = employee

    ids = {email: employee.pk for email, employee in known.items()}
    _create(new, {row.email: row.manager_email or "" for row in rows}, ids)
    for row in rows:
        employee = known.get(row.email)
        if row.manager_email is None or employee is None:
            continue
        if employee.manager_id != ids.get(row.manager_email):
            employee.manager_id = ids.get(row.manager_email)
            changed[employee.pk] = employee

    old = {known[email].pk: known[email] for email in emails if email in known}
    for attr in ("skills", "interests"):
        wanted_links = {
            ids[row.email]: {skills[n.lower()] for n in getattr(row, attr)}
            for row in rows
            if getattr(row, attr) is not None
        }
        if not wanted_links:
            continue
        relinked = _replace_links(getattr(Employee, attr).through, wanted_links, list(old))
        changed.update((pk, old[pk]) for pk in relinked if pk in old)

    for employee in changed.values():
        employee.updated_at = now
    # Only the file's columns are written (every row has the same ones): writing back
    # the others would undo a profile edited since they were read.
    first = rows[0]
    written = [*first.values]
    if first.department is not None:
        written.append("department")
    if first.manager_email is not None:
        written.append("manager")
    _update(list(changed.values()), [*written, "updated_at"])

    result.left = [e.full_name for e in moved if not e.is_active]
    result.returned = [e.full_name for e in moved if e.is_active]
    # Someone imported as inactive may have signed up before: their login closes too.
    logins_follow([*moved, *(e for e in new if not e.is_active)])

    touched = [*(e.pk for e in new), *changed]
    for chunk in _batches(touched):
        refresh_search_vectors(chunk)
    if len(touched) > 500:
        analyze()
    result.created = len(new)
    result.updated = len(changed)
    result.unchanged = len(rows) - len(new) - len(changed)


# Writing in bulk. Django's bulk_create and bulk_update serve the SQLite default; on
# PostgreSQL each batch is one statement over unnest(one array per column), because:
# - bulk_create uses unnest only when every column has a plain type (the search vector
#   has not), otherwise it sends a placeholder per cell, slow to build and to parse;
# - bulk_update sends a CASE with a branch per row for every column, which PostgreSQL
#   evaluates row by row (quadratic in the batch) and, past a cost threshold, hands to
#   its JIT compiler, which spent over ten minutes on one batch of 5 000 rows here.


def _create(employees: list[Employee], manager_of: dict[str, str], ids: dict[str, int]) -> None:
    """Insert new employees with their managers' ids, some of whom are new too; adds the
    new ids to `ids` (lowercased email → id)."""
    if not employees:
        return
    if connection.vendor != "postgresql":
        Employee.objects.bulk_create(employees, batch_size=BATCH_SIZE)
        ids.update((e.email, e.pk) for e in employees)
        for employee in employees:
            employee.manager_id = ids.get(manager_of[employee.email])
        # The embedded SQLite default serves small companies; small batches keep the
        # CASE short and under SQLite's limit on query parameters.
        Employee.objects.bulk_update(
            [e for e in employees if e.manager_id], ["manager"], batch_size=100
        )
        return
    # Ids drawn from the sequence first, so each row goes in once, with its manager
    # (foreign keys are checked at commit, so a manager may come in a later batch).
    meta = Employee._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [_quote(meta.db_table), meta.pk.column, len(employees)],
        )
        for employee, (pk,) in zip(employees, cursor.fetchall(), strict=True):
            employee.pk = ids[employee.email] = pk
    for employee in employees:
        employee.manager_id = ids.get(manager_of[employee.email])
    # The search vector is filled afterwards, by refresh_search_vectors.
    fields = [f for f in meta.concrete_fields if f.name != "search_vector"]
    _insert_columns(Employee, fields, _columns_of(employees, fields))


def _replace_links(through, wanted: dict[int, set[int]], old_ids: list[int]) -> set[int]:
    """Set each employee's skills (or interests) to `wanted` (employee id → skill ids);
    returns the ids of the employees whose set changed."""
    have: dict[int, set[int]] = {}
    for chunk in _batches(old_ids):
        pairs = through.objects.filter(employee_id__in=chunk).values_list("employee_id", "skill_id")
        for employee_id, skill_id in pairs:
            have.setdefault(employee_id, set()).add(skill_id)
    changed = {pk for pk, skill_ids in wanted.items() if skill_ids != have.get(pk, set())}
    for chunk in _batches(changed & have.keys()):
        through.objects.filter(employee_id__in=chunk).delete()
    links = [(pk, skill_id) for pk in changed for skill_id in wanted[pk]]
    if connection.vendor != "postgresql":
        through.objects.bulk_create(
            [through(employee_id=pk, skill_id=skill_id) for pk, skill_id in links],
            batch_size=BATCH_SIZE,
        )
        return changed
    if links:
        fields = [through._meta.get_field("employee"), through._meta.get_field("skill")]
        _insert_columns(through, fields, [list(column) for column in zip(*links, strict=True)])
    return changed


def _update(employees: list[Employee], names: list[str]) -> None:
    if connection.vendor != "postgresql":
        Employee.objects.bulk_update(employees, names, batch_size=100)
        return
    pk = Employee._meta.pk
    fields = [pk, *(Employee._meta.get_field(name) for name in names)]
    sql = (
        f"UPDATE {_quote(Employee._meta.db_table)} AS e SET "
        + ", ".join(f"{_quote(f.column)} = v.{_quote(f.column)}" for f in fields[1:])
        + f" FROM {_unnest(fields)} AS v({_names(fields)})"
        + f" WHERE e.{_quote(pk.column)} = v.{_quote(pk.column)}"
    )
    _execute_in_batches(sql, _columns_of(employees, fields))


def _insert_columns(model, fields: list, columns: list[list]) -> None:
    sql = (
        f"INSERT INTO {_quote(model._meta.db_table)} ({_names(fields)}) "
        f"SELECT * FROM {_unnest(fields)}"
    )
    _execute_in_batches(sql, columns)


def _execute_in_batches(sql: str, columns: list[list]) -> None:
    """Run `sql` once per slice of the columns (one array parameter each)."""
    size = BATCH_VALUES // len(columns)
    with connection.cursor() as cursor:
        for start in range(0, len(columns[0]), size):
            cursor.execute(sql, [column[start : start + size] for column in columns])


def _columns_of(objs: list, fields: list) -> list[list]:
    # The connection itself, not the thread-local proxy: a lookup per value adds up.
    db = connections[DEFAULT_DB_ALIAS]
    return [[f.get_db_prep_save(getattr(obj, f.attname), db) for obj in objs] for f in fields]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _names(fields: list) -> str:
    return ", ".join(_quote(f.column) for f in fields)


def _unnest(fields: list) -> str:
    return "unnest(" + ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields) + ")"


def _get_or_create_named(model, names: Iterable[str | None]) -> tuple[dict[str, int], list[str]]:
    """Department or Skill ids by lowercased name, creating the missing ones in bulk
    with slugs unique among those already taken; and the names created."""
    ids, slugs = {}, set()
    for pk, name, slug in model.objects.values_list("pk", "name", "slug"):
        ids.setdefault(name.lower(), pk)
        slugs.add(slug)
    missing: dict[str, str] = {}
    for name in names:
        if name and name.lower() not in ids:
            missing.setdefault(name.lower(), name)
    new = []
    for name in missing.values():
        base = slugify(name)[:90] or "item"
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        new.append(model(name=name, slug=slug))
    for item in model.objects.bulk_create(new, batch_size=BATCH_SIZE):
        ids[item.name.lower()] = item.pk
    return ids, list(missing.values())
