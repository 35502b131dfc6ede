"""The participation report at scale, as a ratio to a trivial view, and the streamed CSV
export of every engagement with the server's memory sampled while it streams.

On a database seeded with `seed_demo --engagements 100000` (10 000 employees, three
years of history), served by gunicorn with production settings (DEBUG off), signed in as
the demo programme admin:

- the report page (`/reports/`: the last 12 months, the default), the last 30 days, and
  one department over 12 months as the htmx partial the filter form asks for;
- `/health/`, the trivial Django view, in the same shuffled rounds (see bench/latency.py
  for why ratios, and why every URL is requested once a round in a shuffled order);
- then `/reports/export/engagements.csv` over the whole history: every row is read and
  counted, and the resident memory (VmRSS) of the gunicorn worker that serves it is read
  from /proc every 10 000 rows: flat memory means the last sample is about the first.

    DATABASE_URL=postgres://…/mentorship_reports_big .venv/bin/python bench/reports.py

The report's figures are cached per scope (reports/cache.py), so each report URL is
measured twice (`--cache both`, the default): cold, its cache entries deleted before every
report request, which is what computing the report costs (a cache miss, Recompute now,
the beat task's work); then warm, read from the entry the warm-up rounds filled, which is
what an admin sees within REPORT_CACHE_SECONDS or after the beat task warmed a preset.
`--redis-url` is the server's cache (cold mode deletes only its `reports:` keys).

It migrates (the seeded database already holds the data: it does not seed), collects
static files into a temporary directory, starts gunicorn on a free loopback port and
stops that process (and only it) at the end. Results go to bench/results/reports.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import (  # noqa: E402
    HOST,
    Client,
    Samples,
    Target,
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

RESULTS = ROOT / "bench" / "results" / "reports.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mentorship_reports_big"
ADMIN = "helen.park@example.com"
PASSWORD = "mentoring-demo"
HEADLINE = 'class="headline"'


def plan(department: int) -> list[Target]:
    return [
        Target("baseline", "`/health/` (trivial view)", "/health/"),
        Target("report", "report, last 12 months (page)", "/reports/", expect=HEADLINE),
        Target("report", "report, last 30 days (page)", "/reports/?period=30d", expect=HEADLINE),
        Target(
            "report",
            "report, 12 months, one department (htmx)",
            "/reports/?" + urlencode({"period": "12m", "department": department}),
            htmx=True,
            expect=HEADLINE,
        ),
    ]


def measure(
    client: Client, targets: list[Target], rounds: int, warmup: int, cold: redis.Redis | None
) -> list[Samples]:
    """Every URL once a round, shuffled. `cold`: the server's cache is emptied before each
    report request, so every report is computed (the cost of a cache miss); otherwise
    the report is read from the cache its first (warm-up) request filled."""
    samples = [Samples(t) for t in targets]
    order = list(range(len(targets)))
    rng = random.Random(20261126)
    for round_ in range(warmup + rounds):
        rng.shuffle(order)
        for i in order:
            target = targets[i]
            headers = {"HX-Request": "true"} if target.htmx else {}
            if cold is not None and target.kind == "report":
                forget_reports(cold)
            status, body, elapsed = client.request("GET", target.path, headers=headers)
            if status != 200 or (target.expect and target.expect not in body):
                samples[i].failures.append(f"status {status}")
            if round_ >= warmup:
                samples[i].times_ms.append(elapsed)
    return samples


def forget_reports(server_cache: redis.Redis) -> None:
    """Delete the server's cached reports (reports/cache.py's keys), nothing else."""
    keys = list(server_cache.scan_iter(match="*reports:v*", count=1000))
    if keys:
        server_cache.delete(*keys)


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def stream_export(client: Client, master: int, path: str) -> dict:
    """Read the whole CSV in chunks; sample every worker's RSS every 10 000 rows (the one
    whose memory moves is the one streaming)."""
    conn = client.conn
    headers = {"Host": f"{HOST}:{client.port}"}
    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    pids = worker_pids(master)
    samples: list[dict[int, float]] = [{pid: rss_mb(pid) for pid in pids}]
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    rows, size, first_byte, next_sample = 0, 0, None, 10_000
    while chunk := response.read(64 * 1024):
        first_byte = first_byte or time.perf_counter() - started
        size += len(chunk)
        rows += chunk.count(b"\n")
        if rows >= next_sample:
            samples.append({pid: rss_mb(pid) for pid in pids})
            next_sample += 10_000
    elapsed = time.perf_counter() - started
    samples.append({pid: rss_mb(pid) for pid in pids})
    streaming = max(pids, key=lambda pid: samples[-2][pid] - samples[0][pid])
    series = [s[streaming] for s in samples]
    return {
        "status": response.status,
        "rows": rows - 1,
        "mb": size / 1e6,
        "seconds": elapsed,
        "first_byte_ms": (first_byte or 0) * 1000,
        "rss": series,
    }


def engagement_total(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        engagements = conn.execute(
            "SELECT count(*) FROM engagements_engagement WHERE state <> 'draft'"
        ).fetchone()[0]
        department = conn.execute(
            "SELECT department_id FROM directory_employee WHERE department_id IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    return engagements, department


def table(
    modes: dict[str, list[Samples]], export: dict, engagements: int, rounds: int, command: str
) -> str:
    lines = [
        "# Participation report at scale",
        "",
        f"{engagements:,} engagements (not drafts), 10 000 employees; {rounds} measured rounds, "
        f"each URL once a round in a shuffled order; gunicorn 2 sync workers, DEBUG off; "
        f"commit {git_commit()}. Command: `{command}`.",
        "",
        "Cold: the report's cache entries are deleted before every report request, so each "
        "one computes the report (what a cache miss, or Recompute now, costs). Warm: the "
        "report is read from the cache (REPORT_CACHE_SECONDS, reports/cache.py) that the "
        "first request, or the beat task `reports.tasks.warm`, filled: minutes-old figures.",
        "",
        "| URL | cache | p50 ms | p95 ms | p50 ratio | p95 ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for mode, samples in modes.items():
        base = samples[0]
        for s in samples:
            lines.append(
                f"| {s.target.label} | {mode if s.target.kind == 'report' else '–'} | "
                f"{s.percentile(50):.1f} | {s.percentile(95):.1f} | "
                f"{s.percentile(50) / base.percentile(50):.1f} | "
                f"{s.percentile(95) / base.percentile(95):.1f} |"
            )
    rss = export["rss"]
    lines += [
        "",
        f"CSV export of every engagement: {export['rows']:,} rows, {export['mb']:.1f} MB in "
        f"{export['seconds']:.1f} s (first byte after {export['first_byte_ms']:.0f} ms); the "
        f"streaming worker's resident memory, sampled every 10 000 rows: "
        + ", ".join(f"{mb:.0f}" for mb in rss)
        + f" MB (first to last: {rss[-1] - rss[0]:+.1f} MB).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--cache",
        choices=["cold", "warm", "both"],
        default="both",
        help="cold: every report computed (its cache entries deleted before each request); "
        "warm: read from the cache; both: cold rounds, then warm rounds",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="the server's cache (and broker); cold mode deletes its report keys",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    engagements, department = engagement_total(database_url)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        scratch = Path(tmp)
        env = server_env(database_url, scratch)
        env["REDIS_URL"] = args.redis_url
        server_cache = redis.Redis.from_url(args.redis_url)
        manage(env, "migrate", "--no-input", "-v", "0")
        vacuum_analyze(database_url)
        manage(env, "collectstatic", "--no-input", "-v", "0")
        port = free_port()
        log = scratch / "gunicorn.log"
        server = start_gunicorn(env, port, log)
        try:
            wait_until_healthy(server, port, log)
            client = Client(port)
            client.sign_in(ADMIN, PASSWORD)
            modes = {}
            for mode in ("cold", "warm") if args.cache == "both" else (args.cache,):
                forget_reports(server_cache)
                cold = server_cache if mode == "cold" else None
                modes[mode] = measure(client, plan(department), args.rounds, args.warmup, cold)
            everything = urlencode({"period": "custom", "start": "2022-01-01", "end": "2026-12-31"})
            export = stream_export(
                client, server.pid, f"/reports/export/engagements.csv?{everything}"
            )
            client.close()
        finally:
            stop(server)
    command = "python bench/reports.py " + " ".join(sys.argv[1:])
    result = table(modes, export, engagements, args.rounds, command.strip())
    failed = {s.target.path: s.failures for m in modes.values() for s in m if s.failures}
    if export["status"] != 200:
        failed["/reports/export/engagements.csv"] = [f"status {export['status']}"]
    return publish(result, RESULTS, failed)


if __name__ == "__main__":
    sys.exit(main())
