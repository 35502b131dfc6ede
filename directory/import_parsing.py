"""Reading an employee CSV: every row checked in plain Python (no query, no time-zone
lookup per row), every problem of every kind collected with its line. Columns may be
separated by commas, semicolons (Excel's "CSV" where the comma is the decimal mark) or
tabs: the header line tells which."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from itertools import chain

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from directory.import_report import ImportResult, listed, show
from directory.models import Department, Employee, Skill

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
# The scalar fields an import sets, each with its column; compared to tell "updated" from
# "unchanged".
FIELDS = {
    "full_name": "full_name",
    "title": "title",
    "location": "location",
    "level": "level",
    "bio": "bio",
    "linkedin_url": "linkedin_url",
    "time_zone": "time_zone",
    "open_to_mentoring": "open_to_mentoring",
    "mentoring_capacity": "mentoring_capacity",
    "is_active": "active",
}
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
# Tried in turn on the header line: the one that reads the most known column names
# wins, a tie goes to the first.
SEPARATORS = [",", ";", "\t"]
# A line of nothing but these holds no value: Excel writes ",,,," for a row that is
# formatted but empty.
BLANK = ' \t\r\n,;"'


@dataclass(slots=True)
class Row:
    """One person's row. A column the file leaves out is left out here too (None, or
    missing from `values`), so the import leaves that value alone for people already in
    the directory; an empty cell is a value (blank, none or the default)."""

    line: int
    email: str
    manager_email: str | None
    values: dict
    department: str | None
    skills: list[str] | None
    interests: list[str] | None


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
    errors.append(f"{column} must be yes or no, not “{show(value)}”")
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
        errors.append(f"{column} must be a whole number from {low} to {high}, not “{show(value)}”")
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
        errors.append(f"{label}“{show(value)}” is not a valid email address")
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
    """The file's lines, counting them and remembering the last one taken."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")
        self.last = ""
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = next(self._lines)
        self.number += 1
        return self.last


def _separator(header: str) -> tuple[str, bool]:
    """The separator that reads the most known column names from the header line (a
    comma when none does), and whether any did."""
    best, most = ",", 0
    for separator in SEPARATORS:
        try:
            names = next(csv.reader([header], delimiter=separator), [])
        except csv.Error:
            continue
        known = len({name.strip().lower() for name in names} & set(ALL_COLUMNS))
        if known > most:
            best, most = separator, known
    return best, most > 0


def parse(data: bytes, result: ImportResult) -> list[Row]:
    text = _decode(data, result)
    if text is None:
        return []
    lines = _Lines(text)
    # Blank lines before the header are skipped, as between rows.
    first = next((line for line in lines if line.strip(BLANK)), None)
    if first is None:
        result.errors.append((1, "the file is empty"))
        return []
    separator, recognised = _separator(first)
    # The reader counts the lines it reads, not those skipped before: lines.number is
    # the line in the file.
    reader = csv.reader(chain([first], lines), delimiter=separator)
    try:
        header = next(reader)
    except csv.Error as exc:
        result.errors.append((lines.number, f"the header cannot be read: {_csv_problem(exc)}"))
        return []
    header_line = lines.number
    names = [name.strip().lower() for name in header]
    # Each name once, and only the first few: a header may hold a million names.
    counts = Counter(filter(None, names))
    unknown = [name for name in counts if name not in ALL_COLUMNS]
    twice = [name for name in counts if name in ALL_COLUMNS and counts[name] > 1]
    missing = [name for name in REQUIRED_COLUMNS if name not in counts]
    if unknown:
        allowed = ", ".join(ALL_COLUMNS)
        result.errors.append(
            (header_line, f"unknown column(s): {listed(unknown, 30)}; allowed: {allowed}")
        )
    if twice:
        result.errors.append((header_line, f"column(s) given twice: {', '.join(twice)}"))
    if missing:
        hint = "" if recognised else "; columns are separated by commas, semicolons or tabs"
        result.errors.append((header_line, f"missing column(s): {', '.join(missing)}{hint}"))
        return []
    # Unknown or repeated columns are reported above; the rows are still checked (by
    # the first column of each known name) so the report is complete. A column with no
    # name (Excel saves one for formatted cells) must be empty.
    index, nameless = {}, []
    for position, name in enumerate(names):
        if name:
            index.setdefault(name, position)
        else:
            nameless.append(position)

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
            if lines.number == line and lines.last.count('"') % 2 == 0:
                result.errors.append((line, _csv_problem(exc)))
                end = lines.number
                continue
            result.errors.append(
                (line, f"{_csv_problem(exc)}; the lines after it were not checked")
            )
            break
        end = lines.number
        if not any(cell.strip() for cell in cells):
            continue
        problems: list[str] = []
        rows.append(_row(line, cells, index, nameless, len(names), first_line, problems))
        result.errors.extend((line, problem) for problem in problems)
    if not rows and len(result.errors) == header_errors:
        result.errors.append((header_line, "the file has a header but no employees"))
    return rows


def _row(
    line: int,
    cells: list[str],
    index: dict[str, int],
    nameless: list[int],
    columns: int,
    first_line: dict[str, int],
    problems: list[str],
) -> Row:
    # Empty cells past the last column are as harmless as those under a nameless one.
    if any(cell.strip() for cell in cells[columns:]):
        problems.append(f"more fields than columns ({len(cells)} fields, {columns} columns)")
    for position in nameless:
        if position < len(cells) and cells[position].strip():
            problems.append(
                f"“{show(cells[position].strip())}” is in column {position + 1}, "
                "which has no name in the header"
            )
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
            f"unknown time zone “{show(time_zone)}”; use a name such as {DEFAULT_TIME_ZONE}"
        )
    linkedin = get("linkedin_url")
    if linkedin and not _too_long("linkedin_url", linkedin, problems):
        try:
            validate_url(linkedin)
        except ValidationError:
            problems.append(f"linkedin_url “{show(linkedin)}” is not a web address")
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
                    f"{column}: “{show(name)}” is {len(name)} characters long; "
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
    # The checks above read a column the file leaves out as empty; the row keeps only
    # the file's columns.
    return Row(
        line,
        email,
        manager_email if "manager_email" in index else None,
        {name: value for name, value in values.items() if FIELDS[name] in index},
        department if "department" in index else None,
        skills if "skills" in index else None,
        interests if "interests" in index else None,
    )
