"""Every page at a real company's size, as ratios to a trivial view (issue 11).

One command (`make bench-pages`): it creates and migrates the database named by
DATABASE_URL (default `mentorship_pages_bench`), seeds 10 000 employees and 100 000
engagements (`seed_demo --employees 10000 --engagements 100000`, skipped when the
database already holds that many), runs VACUUM ANALYZE, starts gunicorn with
production settings (DEBUG off, PostgreSQL, Redis) on a free loopback port, signs in
as the demo protégé, the busy mentor and the programme admin, and measures every page
of the issue's table, interleaved with the trivial view `/health/` in the same rounds:

- one connection: each round requests every page once, in shuffled order; p50, p95,
  and the ratio of each to the trivial view's;
- sixteen connections: for each page, a burst of the trivial view then a burst of the
  page, sixteen clients at once; requests per second (only the answers that were the
  page asked for) and the ratio to the trivial view's bursts.

It also records each page's SQL query count (the `X-Queries` header, sent only because
the bench serves bench/settings.py, which adds a query counter), its response size,
and the largest resident set (VmHWM) any gunicorn worker reached. The table is printed
and written to bench/results/pages.md; the exit status is non-zero if any response was
not the page asked for.

    .venv/bin/python bench/pages.py [--rounds 60] [--warmup 5] [--burst 2.0]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shlex
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import (  # noqa: E402
    BASELINE,
    EMAIL,
    HOST,
    PASSWORD,
    SUGGESTED_PANEL,
    Client,
    check,
    ensure_database,
    free_port,
    git_commit,
    manage,
    publish,
    server_env,
    start_gunicorn,
    stop,
    vacuum_analyze,
    wait_until_healthy,
)

RESULTS = ROOT / "bench" / "results" / "pages.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mentorship_pages_bench"
EMPLOYEES, ENGAGEMENTS = 10_000, 100_000
PROTEGE = EMAIL  # the demo protégé
MENTOR = "daniel.okafor@example.com"
ADMIN = "helen.park@example.com"
CONNECTIONS = 16
# The targets.
P50_RATIO, P95_MS, THROUGHPUT_SHARE, RSS_MB = 3.0, 50.0, 1 / 3, 200


@dataclass(frozen=True)
class Page:
    label: str
    persona: str  # an email
    path: str
    htmx: bool = False
    form: dict | None = None  # POSTed with the CSRF token when set
    expect: str = ""  # a fragment the response must contain


@dataclass
class Result:
    page: Page
    times_ms: list[float] = field(default_factory=list)
    queries: set[str] = field(default_factory=set)
    sizes: set[int] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    rate: float = 0.0  # requests per second with CONNECTIONS clients
    baseline_rate: float = 0.0  # the trivial view's, in the bursts beside it

    def percentile(self, p: int) -> float:
        if len(self.times_ms) < 2:
            return self.times_ms[0] if self.times_ms else float("nan")
        return statistics.quantiles(self.times_ms, n=100, method="inclusive")[p - 1]


def ids(url: str) -> dict:
    """The rows the pages are about, found in the seeded database."""
    with psycopg.connect(url) as conn:

        def one(query: str, *args) -> int | None:
            row = conn.execute(query, args).fetchone()
            return row[0] if row else None

        person = "SELECT id FROM directory_employee WHERE email = %s"
        protege, mentor = one(person, PROTEGE), one(person, MENTOR)
        declined = one(
            "SELECT id FROM engagements_engagement WHERE protege_id = %s AND state = 'declined' "
            "ORDER BY decided_at DESC NULLS LAST LIMIT 1",
            protege,
        )
        running = one(
            "SELECT id FROM engagements_engagement WHERE protege_id = %s "
            "AND state IN ('active', 'completed') ORDER BY created_at DESC LIMIT 1",
            protege,
        )
        awaiting_advice = one(
            "SELECT e.id FROM engagements_engagement e LEFT JOIN engagements_wrapup w "
            "ON w.engagement_id = e.id WHERE e.mentor_id = %s AND e.state = 'completed' "
            "AND w.advised_at IS NULL ORDER BY e.closed_at DESC NULLS LAST LIMIT 1",
            mentor,
        )
        # Where "page 500" of the programme list starts: after its 14 970th row.
        deep = conn.execute(
            "SELECT proposed_at, id FROM engagements_engagement WHERE state <> 'draft' "
            "ORDER BY proposed_at DESC, id DESC OFFSET 14969 LIMIT 1"
        ).fetchone()
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM directory_employee), "
            "(SELECT count(*) FROM engagements_engagement), "
            "(SELECT count(*) FROM engagements_engagement WHERE mentor_id = %s), "
            "(SELECT count(*) FROM engagements_engagement WHERE mentor_id = %s "
            "AND state = 'proposed')",
            [mentor, mentor],
        ).fetchone()
    return {
        "mentor": mentor,
        "declined": declined,
        "running": running,
        "awaiting_advice": awaiting_advice,
        "deep": deep,
        "counts": counts,
    }


def suggestions_form(goal: str) -> dict:
    return {
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-0-description": goal,
        "activities-TOTAL_FORMS": "0",
        "activities-INITIAL_FORMS": "0",
    }


def pages(found: dict) -> list[Page]:
    plan = [
        Page("`/health/` (trivial view)", PROTEGE, BASELINE),
        # Not a page of the issue: the floor under every full page (session, the person,
        # the navigation's figures, the layout) with a one-field form on it.
        Page(
            "layout floor: email settings (one field)",
            PROTEGE,
            "/engagements/notifications/settings/",
            expect="Email settings",
        ),
        Page(
            "programme list, search “negotiation”",
            ADMIN,
            "/engagements/programme/?q=negotiation",
        ),
        Page("programme list, page 1", ADMIN, "/engagements/programme/"),
        Page("my engagements (busy mentor)", MENTOR, "/engagements/"),
        Page("my history, page 1 (busy mentor)", MENTOR, "/engagements/history/"),
        Page("my history, page 8 (busy mentor)", MENTOR, "/engagements/history/?page=8"),
        Page("my engagements (admin)", ADMIN, "/engagements/"),
        Page("my engagements (protégé)", PROTEGE, "/engagements/"),
        Page(
            "directory home (Suggested for you)",
            PROTEGE,
            "/directory/",
            expect=SUGGESTED_PANEL,
        ),
        Page(
            "suggestions partial “negotiation”",
            PROTEGE,
            "/engagements/new/?redraw=suggestions",
            htmx=True,
            form=suggestions_form("negotiation"),
        ),
        Page("mentor inbox", MENTOR, "/engagements/inbox/"),
        Page("full-page search “negotiation”", PROTEGE, "/directory/?q=negotiation"),
        Page("full-page search “pyton”", PROTEGE, "/directory/?q=pyton"),
        Page("profile of the busy mentor", PROTEGE, f"/directory/people/{found['mentor']}/"),
        Page("propose page", PROTEGE, "/engagements/new/"),
    ]
    if found["deep"]:
        at, pk = found["deep"]
        cursor = urlencode({"after_at": at.isoformat(), "after": pk})
        plan.insert(
            3, Page("programme list, “page 500”", ADMIN, f"/engagements/programme/?{cursor}")
        )
    if found["declined"]:
        plan.append(
            Page(
                "declined engagement (Others who could help)",
                PROTEGE,
                f"/engagements/{found['declined']}/",
            )
        )
    if found["awaiting_advice"]:
        plan.append(
            Page(
                "engagement page (awaiting advice)",
                MENTOR,
                f"/engagements/{found['awaiting_advice']}/",
            )
        )
    if found["running"]:
        plan.append(Page("engagement page", PROTEGE, f"/engagements/{found['running']}/"))
    plan.append(Page("reports", ADMIN, "/reports/"))
    return plan


# --- Requests ----------------------------------------------------------------------------


def send(client: Client, page: Page) -> tuple[int, str, float]:
    headers = {"HX-Request": "true"} if page.htmx else {}
    if page.form is None:
        return client.request("GET", page.path, headers=headers)
    headers |= {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": client.cookies.get("csrftoken", ""),
        "Referer": f"http://{HOST}:{client.port}/engagements/new/",
    }
    return client.request("POST", page.path, headers=headers, body=urlencode(page.form))


def one_connection(clients: dict, plan: list[Page], rounds: int, warmup: int) -> list[Result]:
    results = [Result(p) for p in plan]
    order = list(range(len(plan)))
    shuffle = random.Random(20261126).shuffle
    for round_ in range(warmup + rounds):
        shuffle(order)
        for i in order:
            page = plan[i]
            client = clients[page.persona]
            status, body, elapsed = send(client, page)
            if wrong := check(page, status, body):
                results[i].failures.append(wrong)
                continue
            results[i].queries.add(client.headers.get("X-Queries", "?"))
            results[i].sizes.add(len(body.encode()))
            if round_ >= warmup:
                results[i].times_ms.append(elapsed)
        if round_ >= warmup and (round_ + 1 - warmup) % 20 == 0:
            print(f"  one connection: {round_ + 1 - warmup}/{rounds} rounds", file=sys.stderr)
    return results


def tally(page: Page, answers: Iterable[tuple[int, str, float]]) -> tuple[int, list[str]]:
    """How many answers were the page asked for, and what was wrong with the others. Only
    the first count as throughput: a page that answered 500s fast must fail, not look fast."""
    served, failures = 0, []
    for status, body, _ in answers:
        if wrong := check(page, status, body):
            failures.append(wrong)
        else:
            served += 1
    return served, failures


def burst(signed_in: Client, page: Page, seconds: float) -> tuple[float, list[str]]:
    """Pages served per second with CONNECTIONS clients hammering one page, and what was
    wrong with the answers that were not the page."""
    counted: list[tuple[int, list[str]]] = [(0, [])] * CONNECTIONS
    stop_at = time.perf_counter() + seconds

    def run(n: int) -> None:
        client = Client(signed_in.port)
        client.cookies = dict(signed_in.cookies)

        def answers() -> Iterator[tuple[int, str, float]]:
            while time.perf_counter() < stop_at:
                yield send(client, page)

        try:
            counted[n] = tally(page, answers())
        except (http.client.HTTPException, OSError) as error:
            # No answer even on a fresh connection: a failure too, not a quiet thread.
            counted[n] = (0, [f"no answer: {error!r}"])
        finally:
            client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    served = sum(n for n, _ in counted)
    return served / elapsed, [wrong for _, failures in counted for wrong in failures]


def sixteen_connections(clients: dict, results: list[Result], seconds: float) -> None:
    """Fills in each page's rate and the trivial view's beside it; the answers that were
    not the page go to its failures, which fail the run as the one-connection rounds do."""
    baseline = results[0]
    rates = []
    for r in results[1:]:
        r.baseline_rate, wrong = burst(clients[baseline.page.persona], baseline.page, seconds)
        baseline.failures += wrong
        r.rate, wrong = burst(clients[r.page.persona], r.page, seconds)
        r.failures += wrong
        rates.append(r.baseline_rate)
        print(f"  {CONNECTIONS} connections: {r.page.label}: {r.rate:.0f}/s", file=sys.stderr)
    results[0].rate = results[0].baseline_rate = statistics.median(rates)


def workers_peak_rss_mb(master: int) -> float:
    """The largest VmHWM (peak resident set) among the gunicorn master's children."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmHWM" in fields:
            peak = max(peak, int(fields["VmHWM"].split()[0]))
    return peak / 1024


# --- Report ------------------------------------------------------------------------------


def command_line() -> str:
    python = os.path.relpath(sys.executable, ROOT)
    return shlex.join([python, os.path.relpath(__file__, ROOT), *sys.argv[1:]])


def report(results: list[Result], found: dict, rss: float, args) -> str:
    base = results[0]
    b50 = base.percentile(50)
    employees, engagements, mentor_total, mentor_waiting = found["counts"]
    cores = len(os.sched_getaffinity(0))
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Every page at 10 000 employees and 100 000 engagements",
        "",
        f"{when} · {cores} cores · {employees:,} employees · {engagements:,} engagements "
        f"(the busy mentor: {mentor_total} engagements, {mentor_waiting} waiting proposals) · "
        f"gunicorn, 2 sync workers, DEBUG off, PostgreSQL, Redis · one connection: "
        f"{args.rounds} rounds after {args.warmup} warm-up; {CONNECTIONS} connections: "
        f"{args.burst:.0f} s bursts · commit {git_commit()} · `{command_line()}`",
        "",
        "| page | persona | p50 ms | p95 ms | p50 ÷ trivial | req/s at 16 | ÷ trivial req/s "
        "| queries | size KB | within targets |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    misses = []
    for r in results:
        p50, p95 = r.percentile(50), r.percentile(95)
        share = r.rate / r.baseline_rate if r.baseline_rate else 0
        queries = "/".join(sorted(r.queries, key=lambda q: int(q) if q.isdigit() else 0))
        size = (
            "–".join(f"{s / 1024:.1f}" for s in sorted({min(r.sizes), max(r.sizes)}))
            if r.sizes
            else "–"
        )
        ok = p50 <= P50_RATIO * b50 and p95 < P95_MS and share >= THROUGHPUT_SHARE
        if r is base:
            verdict = "baseline"
        else:
            verdict = "yes" if ok else "**no**"
            if not ok:
                misses.append(r.page.label)
        persona = r.page.persona.split("@")[0]
        lines.append(
            f"| {r.page.label} | {persona} | {p50:.1f} | {p95:.1f} | {p50 / b50:.1f}× "
            f"| {r.rate:.0f} | {share:.2f} | {queries} | {size} | {verdict} |"
        )
    lines += [
        "",
        f"Targets (issue 11): p50 within {P50_RATIO:.0f}× the trivial view's "
        f"({P50_RATIO * b50:.1f} ms in this run) and p95 under {P95_MS:.0f} ms with one "
        f"connection; at least {THROUGHPUT_SHARE:.2f} of the trivial view's requests per "
        f"second with {CONNECTIONS} connections; gunicorn workers under {RSS_MB} MB.",
        f"Largest gunicorn worker resident set (VmHWM) through the run: {rss:.0f} MB "
        f"({'within' if rss < RSS_MB else 'over'} target).",
        "Pages outside a target: " + (", ".join(misses) if misses else "none") + ".",
        "Query counts and sizes show every value seen (a range means the page varied "
        "between requests).",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--burst", type=float, default=2.0, help="seconds per burst")
    parser.add_argument("--employees", type=int, default=EMPLOYEES)
    parser.add_argument("--engagements", type=int, default=ENGAGEMENTS)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if urlsplit(database_url).scheme not in ("postgres", "postgresql"):
        parser.error(f"DATABASE_URL must be a PostgreSQL URL, not {database_url!r}")
    ensure_database(database_url)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        scratch = Path(tmp)
        env = server_env(database_url, scratch) | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
        manage(env, "migrate", "--no-input", "-v", "0")
        with psycopg.connect(database_url) as conn:
            (have,) = conn.execute("SELECT count(*) FROM engagements_engagement").fetchone()
        if have < args.engagements:
            size = ["--employees", str(args.employees), "--engagements", str(args.engagements)]
            manage(env, "seed_demo", *size)
        vacuum_analyze(database_url)
        manage(env, "collectstatic", "--no-input", "-v", "0")
        found = ids(database_url)
        plan = pages(found)

        port = free_port()
        log = scratch / "gunicorn.log"
        server = start_gunicorn(env, port, log)
        print(f"gunicorn pid {server.pid} on {HOST}:{port}", file=sys.stderr, flush=True)
        try:
            wait_until_healthy(server, port, log)
            clients = {}
            for email in (PROTEGE, MENTOR, ADMIN):
                clients[email] = Client(port)
                clients[email].sign_in(email, PASSWORD)
            results = one_connection(clients, plan, args.rounds, args.warmup)
            sixteen_connections(clients, results, args.burst)
            rss = workers_peak_rss_mb(server.pid)
            for client in clients.values():
                client.close()
        finally:
            stop(server)

    table = report(results, found, rss, args)
    return publish(table, RESULTS, {r.page.path: r.failures for r in results if r.failures})


if __name__ == "__main__":
    sys.exit(main())
