"""The periodic sweep and the outbox at scale: completing 100 000 engagements, then
emailing 10 000 notifications over SMTP.

What it measures, on the 10 000-employee demo company (`seed_demo --employees 10000`):

1. complete: 100 000 active engagements whose agreed end date was yesterday (in the
   programme's zone), bulk-inserted with a goal and an activity each, a joined peer on
   every second one and an invited peer on every fifth, and the mentors' stored
   `mentoring_load` raised to match. Then `engagements.sweep.complete_overdue(now)`,
   the sweep's complete step, exactly as `sweep.run` calls it: state, Events,
   Notifications, load released. It is timed twice in one process: the second run must
   find nothing. (Not `sweep.run` itself: its last step would email the 250 000
   notifications just queued; delivery is measured on its own in part 2.)
2. deliver: 10 000 of those queued notifications (the rest marked sent beforehand) sent
   by `engagements.delivery.deliver_due` with Django's SMTP backend to an aiosmtpd sink
   this script runs on a free 127.0.0.1 port. The sink keeps each Message-ID.

Seeding, completing and delivering each run in a fresh `python bench/sweep.py --step …`
process, so every peak RSS (`ru_maxrss`) is that step's own, not the seeder's. The
complete step also samples its resident memory after every batch of
`sweep.BATCH` engagements: flat memory means the last batch holds no more than the first.

Run from the project root (`make bench-sweep` does, with DATABASE_URL exported):

    .venv/bin/python bench/sweep.py [--engagements 100000] [--emails 10000]

It creates the database if needed, migrates, empties the engagement tables (TRUNCATE …
CASCADE, loads back to zero) so every run starts alike, seeds (idempotent), runs
VACUUM ANALYZE after the bulk insert as autovacuum would, and stops the sink at the end.
The table is printed and written to bench/results/sweep.md. The exit status is non-zero
if a check fails or the complete step takes 60 s or more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import ensure_database, free_port, git_commit, manage  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sweep.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mentorship_sweep_bench"
HOST = "127.0.0.1"
TITLE = "Sweep bench"  # every seeded engagement's title starts with it
COMPLETE_BUDGET_S = 60.0
# Memory counts as flat when the last batch ends within this much of the first.
FLAT_MB = 20.0


# --- The steps, each in its own process ------------------------------------------------


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
    import django

    django.setup()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def step_seed(now: dt.datetime, count: int) -> dict:
    """Bulk-insert `count` active engagements that ended yesterday, with their goals,
    activities and peers, and raise the mentors' stored load by what they now mentor."""
    from django.db import transaction
    from django.db.models import F

    from directory.models import Employee
    from engagements.models import Activity, Engagement, Goal, Participant, Program

    program = Program.default()
    end = program.today(now) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=20)
    decided = now - dt.timedelta(days=21)
    people = list(Employee.objects.order_by("pk").values_list("pk", flat=True))
    mentors = list(
        Employee.objects.filter(open_to_mentoring=True, mentoring_capacity__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def someone(i: int, step: int, taken: set[int]) -> int:
        # Deterministic and spread over the company; never twice in one engagement.
        k = i * step
        while (pk := people[k % len(people)]) in taken:
            k += 1
        return pk

    started = time.perf_counter()
    loads: Counter[int] = Counter()
    peers = Counter()
    chunk = 5000
    for first in range(0, count, chunk):
        with transaction.atomic():
            planned = []
            for i in range(first, min(first + chunk, count)):
                mentor = mentors[i % len(mentors)]
                protege = someone(i, 7, {mentor})
                planned.append((i, protege, mentor))
                loads[mentor] += 1
            rows = Engagement.objects.bulk_create(
                Engagement(
                    program=program,
                    protege_id=protege,
                    mentor_id=mentor,
                    title=f"{TITLE} #{i}",
                    role=Engagement.Role.DISCUSSIONS,
                    start_date=start,
                    end_date=end,
                    budget_minutes=120,
                    state=Engagement.State.ACTIVE,
                    proposed_at=decided,
                    decided_at=decided,
                )
                for i, protege, mentor in planned
            )
            Goal.objects.bulk_create(
                Goal(engagement=e, description="Run a negotiation with an agency") for e in rows
            )
            Activity.objects.bulk_create(
                Activity(engagement=e, kind=Activity.Kind.DISCUSSION, count=2) for e in rows
            )
            participants = []
            for e, (i, protege, mentor) in zip(rows, planned, strict=True):
                taken = {protege, mentor}
                for every, answer in ((2, "accepted"), (5, "invited")):
                    if i % every == 0:
                        peer = someone(i, 13 + every, taken)
                        taken.add(peer)
                        participants.append(
                            Participant(engagement=e, employee_id=peer, answer=answer)
                        )
                        peers[answer] += 1
            Participant.objects.bulk_create(participants)
    # The stored load, as `accept` claims it: one UPDATE per distinct count.
    by_count: dict[int, list[int]] = {}
    for mentor, n in loads.items():
        by_count.setdefault(n, []).append(mentor)
    for n, pks in by_count.items():
        Employee.objects.filter(pk__in=pks).update(mentoring_load=F("mentoring_load") + n)
    return {
        "rows": count,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
        "joined_peers": peers["accepted"],
        "invited_peers": peers["invited"],
        "mentors": len(loads),
    }


def step_complete(now: dt.datetime) -> dict:
    """The sweep's complete step, twice: the first does the work, the second must not."""
    from engagements import sweep
    from engagements.models import Event, Notification

    baseline = rss_mb()
    after_batch: list[float] = []
    close_batch = sweep._close_batch

    # Wrapped here only to sample memory between the sweep's own batches.
    def sampled(*args, **kwargs):
        done = close_batch(*args, **kwargs)
        if done:
            after_batch.append(rss_mb())
        return done

    sweep._close_batch = sampled
    started = time.perf_counter()
    completed = sweep.complete_overdue(now)
    seconds = time.perf_counter() - started
    sweep._close_batch = close_batch

    rows_before = (Event.objects.count(), Notification.objects.count())
    started = time.perf_counter()
    again = sweep.complete_overdue(now)
    again_seconds = time.perf_counter() - started
    rows_after = (Event.objects.count(), Notification.objects.count())
    return {
        "rows": completed,
        "seconds": seconds,
        "again": again,
        "again_seconds": again_seconds,
        "again_added": [b - a for a, b in zip(rows_before, rows_after, strict=True)],
        "baseline_rss_mb": baseline,
        "batch_rss_mb": after_batch,
        "peak_rss_mb": peak_rss_mb(),
    }


def step_deliver() -> dict:
    from django.conf import settings

    from engagements import delivery

    assert settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    started = time.perf_counter()
    sent = delivery.deliver_due()
    return {
        "rows": sent,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_step(env: dict[str, str], step: str, *args: str) -> dict:
    """Run one step in a fresh interpreter; it prints its result as JSON, last."""
    command = [sys.executable, str(Path(__file__).resolve()), "--step", step, *args]
    print(f"$ bench/sweep.py --step {step} {shlex.join(args)}", file=sys.stderr, flush=True)
    out = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE)
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


# --- The SMTP sink ----------------------------------------------------------------------


class Sink:
    """Accepts everything and keeps only each message's Message-ID (headers parsed,
    bodies dropped), so 10 000 messages cost the bench little memory."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.content)
        self.message_ids.append(str(headers["Message-ID"]))
        return "250 Message accepted for delivery"


# --- Setting up and checking -----------------------------------------------------------


def step_env(database_url: str, scratch: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="mentorship.settings",
        DATABASE_URL=database_url,
        SECRET_KEY="bench-sweep-not-a-secret-" + "x" * 40,
        # DEBUG off: with it on, Django keeps every query's SQL in memory.
        DEBUG="false",
        ALLOWED_HOSTS=HOST,
        VAR_DIR=str(scratch / "var"),
        LOG_LEVEL="WARNING",
        **extra,
    )
    env.pop("REDIS_URL", None)  # nothing here enqueues a task
    return env


def reset(url: str) -> None:
    """Every run starts from the same place: no engagements, no load. seed_demo then
    makes its few demo engagements again, through the workflow."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE engagements_engagement CASCADE")
        conn.execute("UPDATE directory_employee SET mentoring_load = 0")


def vacuum_analyze(url: str, tables: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM (ANALYZE) {table}")


def scalar(url: str, query: str, params: list | None = None) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(query, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


BENCH_ROWS = f"starts_with(title, '{TITLE} #')"
BENCH_ENGAGEMENTS = f"SELECT id FROM engagements_engagement WHERE {BENCH_ROWS}"
LOAD_MISMATCHES = """
    SELECT count(*) FROM directory_employee e
    WHERE e.mentoring_load <> (
        SELECT count(*) FROM engagements_engagement g
        WHERE g.mentor_id = e.id AND g.state = 'active'
    )
"""


def check_complete(url: str, seeded: dict, result: dict, now: dt.datetime, loads_before: int):
    n = seeded["rows"]
    expected_notes = 2 * n + seeded["joined_peers"]

    def count(query: str, *params) -> int:
        return scalar(url, query, list(params))

    yield (
        f"{n:,} completed, closed at the sweep's time",
        count(
            f"SELECT count(*) FROM engagements_engagement WHERE {BENCH_ROWS} "
            "AND state = 'completed' AND closed_at = %s",
            now,
        )
        == n
        and count(
            f"SELECT count(*) FROM engagements_engagement WHERE {BENCH_ROWS} "
            "AND state <> 'completed'"
        )
        == 0,
    )
    yield (
        f"{n:,} `complete` Events",
        count(
            "SELECT count(*) FROM engagements_event WHERE verb = 'complete' "
            f"AND engagement_id IN ({BENCH_ENGAGEMENTS})"
        )
        == n,
    )
    yield (
        f"{expected_notes:,} `completed` notifications queued (protégé, mentor, "
        f"{seeded['joined_peers']:,} joined peers; none to the {seeded['invited_peers']:,} "
        "invited ones)",
        count(
            "SELECT count(*) FROM engagements_notification WHERE kind = 'completed' "
            f"AND sent_at IS NULL AND engagement_id IN ({BENCH_ENGAGEMENTS})"
        )
        == expected_notes,
    )
    yield (
        f"loads back: {seeded['mentors']:,} mentors' stored load equals their active "
        f"engagements again (total {loads_before:,}, as before seeding)",
        count(LOAD_MISMATCHES) == 0
        and count("SELECT sum(mentoring_load) FROM directory_employee") == loads_before,
    )
    yield (
        f"second run did nothing ({result['again']} completed, "
        f"{result['again_added'][0]} Events and {result['again_added'][1]} notifications added)",
        result["again"] == 0 and result["again_added"] == [0, 0],
    )
    growth = result["batch_rss_mb"][-1] - result["batch_rss_mb"][0]
    yield (
        f"flat memory: {len(result['batch_rss_mb'])} batches, resident "
        f"{result['batch_rss_mb'][0]:.0f} MB after the first, "
        f"{result['batch_rss_mb'][-1]:.0f} MB after the last ({growth:+.0f} MB; "
        f"{result['baseline_rss_mb']:.0f} MB before the step)",
        growth < FLAT_MB,
    )
    yield (
        f"under {COMPLETE_BUDGET_S:.0f} s ({result['seconds']:.1f} s)",
        result["seconds"] < COMPLETE_BUDGET_S,
    )


def queue_for_delivery(url: str, emails: int) -> None:
    """Leave `emails` of the sweep's notifications waiting; mark the rest sent, as if
    delivered already."""
    with psycopg.connect(url) as conn:
        conn.execute(
            """
            UPDATE engagements_notification SET sent_at = now(), outcome = 'sent'
            WHERE sent_at IS NULL AND id NOT IN (
                SELECT id FROM engagements_notification
                WHERE kind = 'completed' AND sent_at IS NULL
                ORDER BY id LIMIT %s
            )
            """,
            [emails],
        )


def check_deliver(url: str, emails: int, result: dict, sink: Sink):
    ids = sink.message_ids
    yield (f"{emails:,} notifications delivered", result["rows"] == emails)
    yield (
        f"the sink received {len(ids):,} messages with {len(set(ids)):,} distinct Message-IDs",
        len(ids) == emails and len(set(ids)) == emails,
    )
    yield (
        f"{emails:,} rows marked sent, none waiting",
        scalar(url, "SELECT count(*) FROM engagements_notification WHERE sent_at IS NULL") == 0
        and scalar(
            url, "SELECT count(*) FROM engagements_notification WHERE claimed_at IS NOT NULL"
        )
        == emails,
    )


# --- Reporting -------------------------------------------------------------------------


def command_line() -> str:
    python = os.path.relpath(sys.executable, ROOT) if sys.executable else "python"
    return shlex.join([python, "bench/sweep.py", *sys.argv[1:]])


def report(employees: int, seeded: dict, completed: dict, delivered: dict, checks) -> str:
    def rate(rows: int, seconds: float, unit: str) -> str:
        return f"{rows / seconds:,.0f} {unit}/s" if rows and seconds else "–"

    n = seeded["rows"]
    seed_rows = n * 3 + seeded["joined_peers"] + seeded["invited_peers"]
    lines = [
        "# The sweep and the outbox at scale",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores (nproc) · "
        f"load average {os.getloadavg()[0]:.1f} at the end · "
        f"{employees:,} employees · PostgreSQL · commit {git_commit()} · `{command_line()}`",
        "",
        "| what | rows | seconds | rate | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
        f"| seed: bulk_create engagements, goals, activities, peers (own process) "
        f"| {seed_rows:,} | {seeded['seconds']:.1f} | {rate(seed_rows, seeded['seconds'], 'rows')} "
        f"| {seeded['peak_rss_mb']:.0f} |",
        f"| sweep: `complete_overdue`, engagements ended yesterday (own process) "
        f"| {completed['rows']:,} | {completed['seconds']:.1f} "
        f"| {rate(completed['rows'], completed['seconds'], 'engagements')} "
        f"| {completed['peak_rss_mb']:.0f} |",
        f"| sweep: `complete_overdue` again, same process (nothing to do) "
        f"| {completed['again']:,} | {completed['again_seconds']:.3f} | – | – |",
        f"| delivery: `deliver_due` over SMTP to a 127.0.0.1 sink (own process) "
        f"| {delivered['rows']:,} | {delivered['seconds']:.1f} "
        f"| {rate(delivered['rows'], delivered['seconds'], 'messages')} "
        f"| {delivered['peak_rss_mb']:.0f} |",
        "",
        "Checks:",
        "",
    ]
    lines += [f"- {'ok' if ok else 'FAILED'}: {what}" for what, ok in checks]
    lines += [
        "",
        f"The complete step writes, per engagement, its state, one Event and a "
        f"notification to the protégé, the mentor and each joined peer "
        f"({2 * n + seeded['joined_peers']:,} notifications here), and releases the "
        f"mentor's load, in batches of 5 000. Peak RSS is `ru_maxrss` of that step's own "
        "process, Django included. Delivery claims, renders (text and HTML) and sends each "
        "notification on one SMTP connection per 500, marking it sent after.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engagements", type=int, default=100_000, help="to complete")
    parser.add_argument("--emails", type=int, default=10_000, help="notifications to send")
    parser.add_argument("--employees", type=int, default=10_000, help="company size to seed")
    parser.add_argument("--step", choices=["seed", "complete", "deliver"], help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:
        setup_django()
        now = dt.datetime.fromisoformat(args.now) if args.now else None
        if args.step == "seed":
            result = step_seed(now, args.engagements)
        elif args.step == "complete":
            result = step_complete(now)
        else:
            result = step_deliver()
        print(json.dumps(result))
        return 0

    if args.emails > 2 * args.engagements:
        parser.error("--emails cannot exceed the notifications the sweep queues")
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if urlsplit(database_url).scheme not in ("postgres", "postgresql"):
        parser.error(f"DATABASE_URL must be a PostgreSQL URL, not {database_url!r}")
    ensure_database(database_url)

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        env = step_env(database_url, Path(tmp))
        manage(env, "migrate", "--no-input", "-v", "0")
        reset(database_url)
        manage(env, "seed_demo", "--employees", str(args.employees))
        employees = scalar(database_url, "SELECT count(*) FROM directory_employee")
        loads_before = scalar(database_url, "SELECT sum(mentoring_load) FROM directory_employee")

        # One instant for the whole run, truncated as PostgreSQL stores it.
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        seeded = run_step(env, "seed", "--now", now, "--engagements", str(args.engagements))
        vacuum_analyze(
            database_url,
            [
                "directory_employee",
                "engagements_engagement",
                "engagements_participant",
                "engagements_event",
                "engagements_notification",
            ],
        )
        completed = run_step(env, "complete", "--now", now)
        checks = list(
            check_complete(
                database_url, seeded, completed, dt.datetime.fromisoformat(now), loads_before
            )
        )

        queue_for_delivery(database_url, args.emails)
        vacuum_analyze(database_url, ["engagements_notification"])
        from aiosmtpd.controller import Controller

        sink = Sink()
        controller = Controller(sink, hostname=HOST, port=free_port())
        controller.start()
        print(f"SMTP sink on {HOST}:{controller.port}", file=sys.stderr, flush=True)
        try:
            smtp = step_env(
                database_url,
                Path(tmp),
                EMAIL_HOST=HOST,
                EMAIL_PORT=str(controller.port),
                EMAIL_USE_TLS="false",
            )
            delivered = run_step(smtp, "deliver")
        finally:
            controller.stop()
        checks += list(check_deliver(database_url, args.emails, delivered, sink))

    table = report(employees, seeded, completed, delivered, checks)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
