"""How long the employee CSV import takes for N rows (directory/importing.py).

Generates N believable rows (an org chart with managers listed after their reports,
departments, `;`-separated skills and interests, bios, time zones), then times three
passes of the same import against DATABASE_URL:

- new: every row creates an employee;
- unchanged: the same file again (nothing is written);
- updated: every row changed (title, department, level, skills, interests, zone).

Each pass runs `manage.py import_employees` in a fresh process, so the time includes
Django's start-up and reading the file, as an operator would see it. `--in-process`
times the import's three steps (parse, check_managers, save) in this process instead.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorship_import_bench \\
        .venv/bin/python bench/import_speed.py [--rows 20000] [--in-process]

The database is created and migrated if needed. The bench's employees (emails at
import-bench.example) are deleted before and after the run; the departments and
skills it creates are left in place. Before each pass the directory's tables are
vacuumed, as autovacuum would have done between two imports in production: without
it (autovacuum is off on the development server) every pass leaves a dead copy of
each row behind, and the next runs slower and slower.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mentorship_import_bench")
DOMAIN = "import-bench.example"
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "People", "Legal", "Support"]
SKILLS = [f"{word} {n}" for word in ("Python", "Negotiation", "Design", "SQL") for n in range(50)]
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
HEADER = (
    "email,full_name,title,department,location,manager_email,level,skills,interests,bio,"
    "linkedin_url,time_zone,open_to_mentoring,mentoring_capacity,active\n"
)


def generate(rows: int, title: str = "Engineer", seed: int = 1) -> str:
    """An org chart of `rows` people, ten reports a manager; managers come after their
    reports in the file (the import accepts any order)."""
    rng = random.Random(seed)
    lines = [HEADER]
    for i in reversed(range(rows)):
        manager = f"p{(i - 1) // 10}@{DOMAIN}" if i else ""
        skills = ";".join(rng.sample(SKILLS, 3))
        interests = ";".join(rng.sample(SKILLS, 2))
        lines.append(
            f"p{i}@{DOMAIN},Person {i} Example,{title} {i % 7},{rng.choice(DEPARTMENTS)},"
            f"City {i % 40},{manager},{rng.randint(1, 12)},{skills},{interests},"
            f'"Works on {skills.replace(";", ", ")}; wants to learn more.",'
            f"https://www.linkedin.com/in/p{i},{rng.choice(ZONES)},yes,2,yes\n"
        )
    return "".join(lines)


def ensure_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def settle() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    tables = ["directory_employee", "directory_employee_skills", "directory_employee_interests"]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}, directory_searchterm")


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    migrated = manage("migrate", "--no-input", "-v", "0")
    if migrated.returncode:
        sys.exit(migrated.stderr)
    import django

    django.setup()
    from directory.models import Employee

    def clear() -> None:
        Employee.objects.filter(email__endswith=f"@{DOMAIN}").delete()

    clear()
    files = {
        "new": generate(args.rows),
        "unchanged": generate(args.rows),
        "updated": generate(args.rows, title="Senior Engineer", seed=2),
    }
    print(f"{args.rows} rows, {os.environ['DATABASE_URL']}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in files.items():
                settle()
                path = Path(tmp) / f"{name}.csv"
                path.write_text(text, encoding="utf-8")
                size = path.stat().st_size / 1e6
                if args.in_process:
                    phases = time_in_process(path.read_bytes())
                    detail = ", ".join(f"{k} {v:.2f}" for k, v in phases.items())
                    print(f"{name:>9}: {sum(phases.values()):6.2f} s ({detail}; {size:.1f} MB)")
                    continue
                start = time.perf_counter()
                run = manage("import_employees", str(path))
                seconds = time.perf_counter() - start
                if run.returncode:
                    sys.exit(run.stderr[-2000:])
                print(f"{name:>9}: {seconds:6.2f} s  {run.stdout.strip()} ({size:.1f} MB)")
    finally:
        clear()


def time_in_process(data: bytes) -> dict[str, float]:
    from directory import importing

    result = importing.ImportResult()
    times = {}
    start = time.perf_counter()
    rows = importing.parse(data, result)
    times["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    importing.check_managers(rows, result)
    times["check"] = time.perf_counter() - start
    if not result.ok:
        sys.exit(f"unexpected problems: {result.errors[:5]}")
    start = time.perf_counter()
    importing.save(rows, result)
    times["save"] = time.perf_counter() - start
    return times


if __name__ == "__main__":
    main()
