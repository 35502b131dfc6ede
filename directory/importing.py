"""Import the employee list from CSV: validate the whole file, then upsert it in one
transaction. A file with any bad row imports nothing and reports every bad row."""

from __future__ import annotations

import csv
import io
import zoneinfo
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
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


@dataclass
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
    if result.ok:
        check_managers(rows, result)
    if result.ok:
        save(rows, result)
    return result


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
    errors.append(f"{column} must be yes or no, not “{value}”")
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
        errors.append(f"{column} must be a whole number from {low} to {high}, not “{value}”")
        return default
    return number


def parse(data: bytes, result: ImportResult) -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(
            (line, "the file is not UTF-8 text; save it as “CSV UTF-8” and upload it again")
        )
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    unknown = [name for name in header if name not in ALL_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown:
        result.errors.append(
            (1, f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(ALL_COLUMNS)}")
        )
    if missing:
        result.errors.append((1, f"missing column(s): {', '.join(missing)}"))
    if not header:
        result.errors.append((1, "the file is empty"))
    if result.errors:
        return []
    reader.fieldnames = header

    rows: list[Row] = []
    first_line: dict[str, int] = {}
    line = 1
    for raw in reader:
        line_start, line = line + 1, reader.line_num
        if None in raw:
            result.errors.append((line_start, "more fields than columns"))
            continue
        get = {k: (v or "").strip() for k, v in raw.items()}
        problems: list[str] = []
        email = get["email"].lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"“{get['email']}” is not a valid email address")
        if email in first_line:
            problems.append(f"duplicate email {email} (first on line {first_line[email]})")
        else:
            first_line[email] = line_start
        if not get["full_name"]:
            problems.append("full_name is empty")
        manager_email = get.get("manager_email", "").lower()
        if manager_email:
            try:
                validate_email(manager_email)
            except ValidationError:
                problems.append(f"manager_email “{manager_email}” is not a valid email address")
        time_zone = get.get("time_zone", "")
        if time_zone and time_zone not in zoneinfo.available_timezones():
            problems.append(f"unknown time zone “{time_zone}”")
        linkedin = get.get("linkedin_url", "")
        if linkedin:
            try:
                URLValidator(schemes=["https", "http"])(linkedin)
            except ValidationError:
                problems.append(f"linkedin_url “{linkedin}” is not a web address")
        values = {
            "full_name": " ".join(get["full_name"].split()),
            "title": get.get("title", ""),
            "location": get.get("location", ""),
            "level": _int(get.get("level", ""), 1, 1, 20, "level", problems),
            "bio": get.get("bio", ""),
            "linkedin_url": linkedin,
            "time_zone": time_zone or Employee._meta.get_field("time_zone").default,
            "open_to_mentoring": _bool(
                get.get("open_to_mentoring", ""), True, "open_to_mentoring", problems
            ),
            "mentoring_capacity": _int(
                get.get("mentoring_capacity", ""), 2, 0, 10, "mentoring_capacity", problems
            ),
            "is_active": _bool(get.get("active", ""), True, "active", problems),
        }
        for problem in problems:
            result.errors.append((line_start, problem))
        rows.append(
            Row(
                line=line_start,
                email=email,
                manager_email=manager_email,
                values=values,
                department=" ".join(get.get("department", "").split()),
                skills=_split(get.get("skills", "")),
                interests=_split(get.get("interests", "")),
            )
        )
    if not rows and not result.errors:
        result.errors.append((1, "the file has a header but no employees"))
    return rows


def check_managers(rows: list[Row], result: ImportResult) -> None:
    """Every manager exists (in the file or the directory); no reporting line loops."""
    in_file = {row.email: row for row in rows}
    existing = dict(
        Employee.objects.filter(manager__isnull=False).values_list("email", "manager__email")
    )
    known = in_file.keys() | set(
        Employee.objects.filter(
            email__in=[r.manager_email for r in rows if r.manager_email]
        ).values_list("email", flat=True)
    )

    def manager_of(email: str) -> str:
        return in_file[email].manager_email if email in in_file else existing.get(email, "")

    for row in rows:
        if row.manager_email and row.manager_email not in known:
            result.errors.append((row.line, f"manager {row.manager_email} not found"))
    if result.errors:
        return
    for row in rows:
        chain = [row.email]
        boss = manager_of(row.email)
        while boss and boss not in chain:
            chain.append(boss)
            boss = manager_of(boss)
        if boss == row.email:
            loop = " → ".join([*chain, row.email])
            result.errors.append((row.line, f"manager cycle: {loop}"))


@transaction.atomic
def save(rows: list[Row], result: ImportResult) -> None:
    departments = {d.name.lower(): d for d in Department.objects.all()}
    for name in {row.department for row in rows if row.department}:
        if name.lower() not in departments:
            departments[name.lower()] = Department.objects.create(
                name=name, slug=_unique_slug(Department, name)
            )
    skills = {s.name.lower(): s for s in Skill.objects.all()}
    for name in {n for row in rows for n in row.skills + row.interests}:
        if name.lower() not in skills:
            skills[name.lower()] = Skill.objects.create(name=name, slug=_unique_slug(Skill, name))

    existing = {
        e.email.lower(): e
        for e in Employee.objects.filter(email__in=[r.email for r in rows]).prefetch_related(
            "skills", "interests"
        )
    }
    to_create, to_update, changed_ids = [], [], set()
    for row in rows:
        department = departments.get(row.department.lower()) if row.department else None
        employee = existing.get(row.email)
        if employee is None:
            employee = Employee(email=row.email, department=department, **row.values)
            to_create.append(employee)
            continue
        if employee.department_id != (department.pk if department else None) or any(
            getattr(employee, name) != value for name, value in row.values.items()
        ):
            employee.department = department
            for name, value in row.values.items():
                setattr(employee, name, value)
            to_update.append(employee)
    Employee.objects.bulk_create(to_create)
    Employee.objects.bulk_update(to_update, [*FIELDS, "department"])
    changed_ids |= {e.pk for e in to_create} | {e.pk for e in to_update}

    by_email = {**existing, **{e.email: e for e in to_create}}
    managers = {
        e.email.lower(): e.pk
        for e in Employee.objects.filter(email__in=[r.manager_email for r in rows])
    }
    relink = []
    for row in rows:
        employee = by_email[row.email]
        manager_id = managers.get(row.manager_email) if row.manager_email else None
        if employee.manager_id != manager_id:
            employee.manager_id = manager_id
            relink.append(employee)
    Employee.objects.bulk_update(relink, ["manager"])
    changed_ids |= {e.pk for e in relink}

    for attr in ("skills", "interests"):
        through = getattr(Employee, attr).through
        stale, fresh = [], []
        for row in rows:
            employee = by_email[row.email]
            wanted = {skills[n.lower()].pk for n in getattr(row, attr)}
            have = {s.pk for s in getattr(employee, attr).all()} if row.email in existing else set()
            if wanted != have:
                changed_ids.add(employee.pk)
                stale.append(employee.pk)
                fresh += [through(employee_id=employee.pk, skill_id=pk) for pk in wanted]
        through.objects.filter(employee_id__in=stale).delete()
        through.objects.bulk_create(fresh)

    if changed_ids:
        Employee.objects.filter(pk__in=changed_ids).update(updated_at=timezone.now())
        refresh_search_vectors(changed_ids)
        if len(changed_ids) > 500:
            analyze()
    result.created = len(to_create)
    result.updated = len(changed_ids) - len(to_create)
    result.unchanged = len(rows) - len(changed_ids)


def _unique_slug(model, name: str) -> str:
    base = slugify(name)[:90] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
