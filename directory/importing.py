"""Import the employee list from CSV: validate the whole file, then upsert it in one
transaction. A file with any bad row imports nothing and reports every bad row, of every
kind (columns, values, duplicates, managers, cycles), in one pass, line by line.

Sized for files of 100 000 rows: the checks per row are plain Python (no query, no
time-zone lookup), and the database sees a fixed number of set-based statements per
batch of rows, never one per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from directory.models import Department, Employee, Skill
from directory.search import analyze, refresh_search_vectors

REQUIRED_COLUMNS = ["email", "full_name"]
OPTIONAL_COLUMNS = [
    "title",
    "department",
    "location",
    "manager_email",
    "level",
    "skills",
    "interests",
    "bio",
    "linkedin_url",
    "time_zone",
    "open_to_mentoring",
    "mentoring_capacity",
    "active",
]
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"0", "false", "no", "n"}
# The scalar fields an import sets; compared to tell "updated" from "unchanged".
FIELDS = [
    "full_name",
    "title",
    "location",
    "level",
    "bio",
    "linkedin_url",
    "time_zone",
    "open_to_mentoring",
    "mentoring_capacity",
    "is_active",
]
# The longest value each column's database field holds; longer would fail in the
# database ("value too long") after the file had been judged good.
MAX_LENGTHS = {
    column: model._meta.get_field(name).max_length
    for column, model, name in [
        ("email", Employee, "email"),
        ("manager_email", Employee, "email"),
        ("full_name", Employee, "full_name"),
        ("title", Employee, "title"),
        ("location", Employee, "location"),
        ("linkedin_url", Employee, "linkedin_url"),
        ("department", Department, "name"),
        ("skills", Skill, "name"),
        ("interests", Skill, "name"),
    ]
}
# The zones a profile offers. Computed once: zoneinfo.available_timezones() reads the
# whole tz database on every call (about 15 ms), which made big files time out.
TIME_ZONES = frozenset(value for value, _ in Employee._meta.get_field("time_zone").choices)
DEFAULT_TIME_ZONE = Employee._meta.get_field("time_zone").default
validate_url = URLValidator(schemes=["https", "http"])
# Ids or emails in one query's list, and values (rows × columns) in one INSERT or
# UPDATE: big enough that a file of 100 000 rows needs few statements, small enough to
# bound each one (and to stay under SQLite's limit on query parameters).
BATCH_SIZE = 5000
BATCH_VALUES = 100_000


@dataclass(slots=True)
class Row:
    line: int
    email: str
    manager_email: str
    values: dict
    department: str
    skills: list[str]
    interests: list[str]


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def import_employees_csv(data: bytes) -> ImportResult:
    result = ImportResult()
    rows = parse(data, result)
    # Managers are checked even when some rows are bad, so one pass reports everything.
    check_managers(rows, result)
    result.errors.sort(key=lambda error: error[0])
    if result.ok:
        save(rows, result)
    return result


def _batches(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _show(value: str, limit: int = 60) -> str:
    """A value quoted in a message, cut short: a bad cell may be 100 000 characters."""
    value = value.replace("\x00", "�")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _split(value: str) -> list[str]:
    seen: dict[str, str] = {}
    for item in value.split(";"):
        name = " ".join(item.split())
        if name:
            seen.setdefault(name.lower(), name)
    return list(seen.values())


def _bool(value: str, default: bool, column: str, errors: list[str]) -> bool:
    value = value.strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    errors.append(f"{column} must be yes or no, not “{_show(value)}”")
    return default


def _int(value: str, default: int, low: int, high: int, column: str, errors: list[str]) -> int:
    value = value.strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        errors.append(f"{column} must be a whole number from {low} to {high}, not “{_show(value)}”")
        return default
    return number


def _too_long(column: str, value: str, errors: list[str]) -> bool:
    limit = MAX_LENGTHS[column]
    if len(value) <= limit:
        return False
    errors.append(f"{column} is {len(value)} characters long; the most is {limit}")
    return True


def _email(column: str, value: str, errors: list[str]) -> bool:
    """Whether the value is a usable email address; says why not in `errors`."""
    if _too_long(column, value, errors):
        return False
    try:
        validate_email(value)
    except ValidationError:
        label = "" if column == "email" else f"{column} "
        errors.append(f"{label}“{_show(value)}” is not a valid email address")
        return False
    return True


def _csv_problem(exc: csv.Error) -> str:
    if "field limit" in str(exc):
        return f"a value is longer than {csv.field_size_limit()} characters"
    return f"the line cannot be read as CSV ({exc})"


def _decode(data: bytes, result: ImportResult) -> str | None:
    if data.startswith(b"PK\x03\x04"):
        result.errors.append(
            (
                1,
                "this is a spreadsheet (or another zip file), not CSV; in Excel or LibreOffice "
                "save it as “CSV UTF-8” and upload that",
            )
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(
            (line, "the file is not UTF-8 text; save it as “CSV UTF-8” and upload it again")
        )
        return None


class _Lines:
    """The file's lines, remembering the last one the csv reader took."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")
        self.last = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = next(self._lines)
        return self.last


def parse(data: bytes, result: ImportResult) -> list[Row]:
    text = _decode(data, result)
    if text is None:
        return []
    lines = _Lines(text)
    reader = csv.reader(lines)
    header: list[str] = []
    try:
        # Blank lines before the header are skipped, as between rows.
        while not header:
            header = next(reader)
    except StopIteration:
        result.errors.append((1, "the file is empty"))
        return []
    except csv.Error as exc:
        result.errors.append((reader.line_num, f"the header cannot be read: {_csv_problem(exc)}"))
        return []
    header_line = reader.line_num
    names = [name.strip().lower() for name in header]
    seen: set[str] = set()
    unknown, twice = [], []
    for position, name in enumerate(names, start=1):
        if name not in ALL_COLUMNS:
            unknown.append(_show(name, 30) if name else f"(no name, column {position})")
        elif name in seen:
            twice.append(name)
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if unknown:
        result.errors.append(
            (
                header_line,
                f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(ALL_COLUMNS)}",
            )
        )
    if twice:
        result.errors.append((header_line, f"column(s) given twice: {', '.join(twice)}"))
    if missing:
        result.errors.append((header_line, f"missing column(s): {', '.join(missing)}"))
        return []
    # Unknown or repeated columns are reported above; the rows are still checked (by
    # the first column of each known name) so the report is complete.
    index = {}
    for position, name in enumerate(names):
        index.setdefault(name, position)

    rows: list[Row] = []
    first_line: dict[str, int] = {}
    header_errors = len(result.errors)
    end = header_line
    while True:
        line = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader starts afresh on the next line. That is right if this record
            # was one line with its quotes closed; otherwise the next lines are the
            # middle of a quoted value, and reading on would report nonsense.
            if reader.line_num == line and lines.last.count('"') % 2 == 0:
                result.errors.append((line, _csv_problem(exc)))
                end = reader.line_num
                continue
            result.errors.append(
                (line, f"{_csv_problem(exc)}; the lines after it were not checked")
            )
            break
        end = reader.line_num
        if not cells:
            continue
        problems: list[str] = []
        rows.append(_row(line, cells, index, len(names), first_line, problems))
        result.errors.extend((line, problem) for problem in problems)
    if not rows and len(result.errors) == header_errors:
        result.errors.append((header_line, "the file has a header but no employees"))
    return rows


def _row(
    line: int,
    cells: list[str],
    index: dict[str, int],
    columns: int,
    first_line: dict[str, int],
    problems: list[str],
) -> Row:
    if len(cells) > columns:
        problems.append(f"more fields than columns ({len(cells)} fields, {columns} columns)")
    if any("\x00" in cell for cell in cells):
        # PostgreSQL refuses NUL in text; a NUL usually means the file is not text at all.
        problems.append("the line contains a NUL character; is this really a CSV file?")
        cells = [cell.replace("\x00", "") for cell in cells]

    def get(column: str) -> str:
        position = index.get(column)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    email = get("email").lower()
    if not email:
        problems.append("email is empty")
    elif _email("email", email, problems):
        if email in first_line:
            problems.append(f"duplicate email {email} (first on line {first_line[email]})")
        else:
            first_line[email] = line
    full_name = " ".join(get("full_name").split())
    if not full_name:
        problems.append("full_name is empty")
    manager_email = get("manager_email").lower()
    if manager_email and not _email("manager_email", manager_email, problems):
        # Already reported; not looked up again as a manager who cannot be found.
        manager_email = ""
    time_zone = get("time_zone")
    if time_zone and time_zone not in TIME_ZONES:
        problems.append(
            f"unknown time zone “{_show(time_zone)}”; use a name such as {DEFAULT_TIME_ZONE}"
        )
    linkedin = get("linkedin_url")
    if linkedin and not _too_long("linkedin_url", linkedin, problems):
        try:
            validate_url(linkedin)
        except ValidationError:
            problems.append(f"linkedin_url “{_show(linkedin)}” is not a web address")
    department = " ".join(get("department").split())
    for column, value in [
        ("full_name", full_name),
        ("title", get("title")),
        ("location", get("location")),
        ("department", department),
    ]:
        _too_long(column, value, problems)
    skills, interests = _split(get("skills")), _split(get("interests"))
    for column, names in [("skills", skills), ("interests", interests)]:
        for name in names:
            if len(name) > MAX_LENGTHS[column]:
                problems.append(
                    f"{column}: “{_show(name)}” is {len(name)} characters long; "
                    f"the most is {MAX_LENGTHS[column]}"
                )
    values = {
        "full_name": full_name,
        "title": get("title"),
        "location": get("location"),
        "level": _int(get("level"), 1, 1, 20, "level", problems),
        "bio": get("bio"),
        "linkedin_url": linkedin,
        "time_zone": time_zone or DEFAULT_TIME_ZONE,
        "open_to_mentoring": _bool(get("open_to_mentoring"), True, "open_to_mentoring", problems),
        "mentoring_capacity": _int(
            get("mentoring_capacity"), 2, 0, 10, "mentoring_capacity", problems
        ),
        "is_active": _bool(get("active"), True, "active", problems),
    }
    return Row(line, email, manager_email, values, department, skills, interests)


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
        return row.manager_email if row else directory.get(email) or ""

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
    departments = _get_or_create_named(Department, (row.department for row in rows))
    skills = _get_or_create_named(Skill, (n for row in rows for n in row.skills + row.interests))
    emails = {row.email for row in rows}
    looked_up = emails | {row.manager_email for row in rows} - {""}
    # By lowercased email. Imported addresses are stored lowercased, so the unique index
    # finds them; the few people added by hand with capitals take one more query.
    known: dict[str, Employee] = {}
    people = Employee.objects.only("email", "department", "manager", *FIELDS)
    for chunk in _batches(looked_up):
        known.update((e.email, e) for e in people.filter(email__in=chunk))
    for employee in people.exclude(email=Lower("email")):
        if employee.email.lower() in looked_up:
            known.setdefault(employee.email.lower(), employee)

    new: list[Employee] = []
    changed: dict[int, Employee] = {}
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
        elif employee.department_id != department_id or any(
            getattr(employee, name) != value for name, value in row.values.items()
        ):
            employee.department_id = department_id
            for name, value in row.values.items():
                setattr(employee, name, value)
            changed[employee.pk] = employee

    ids = {email: employee.pk for email, employee in known.items()}
    _create(new, {row.email: row.manager_email for row in rows}, ids)
    for row in rows:
        employee = known.get(row.email)
        if employee and employee.manager_id != ids.get(row.manager_email):
            employee.manager_id = ids.get(row.manager_email)
            changed[employee.pk] = employee

    old = {known[email].pk: known[email] for email in emails if email in known}
    for attr in ("skills", "interests"):
        wanted = {ids[row.email]: {skills[n.lower()] for n in getattr(row, attr)} for row in rows}
        relinked = _replace_links(getattr(Employee, attr).through, wanted, list(old))
        changed.update((pk, old[pk]) for pk in relinked if pk in old)

    for employee in changed.values():
        employee.updated_at = now
    _update(list(changed.values()), [*FIELDS, "department", "manager", "updated_at"])

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


def _get_or_create_named(model, names: Iterable[str]) -> dict[str, int]:
    """Department or Skill ids by lowercased name, creating the missing ones in bulk
    with slugs unique among those already taken."""
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
    return ids
