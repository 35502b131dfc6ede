"""A Celery worker runs one child process per CPU it may use (mentorship/celery.py), as
gunicorn.conf.py counts them for the web: in a container limited to 2 CPUs on a 64-core
host that is 2 children, not Celery's default of 64 (each a copy of the app in memory)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mentorship import celery_app, cpus
from mentorship.celery import worker_concurrency

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_has_one_child_per_usable_cpu_not_per_core_of_the_host(monkeypatch):
    monkeypatch.delenv("CELERY_WORKER_CONCURRENCY", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})  # taskset -c 0-2
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert worker_concurrency() == cpus.usable_cpus() <= 3


def test_the_app_is_configured_with_it():
    assert celery_app.conf.worker_concurrency == worker_concurrency()


def test_celery_worker_concurrency_overrides_it(monkeypatch):
    monkeypatch.setenv("CELERY_WORKER_CONCURRENCY", "5")
    assert worker_concurrency() == 5


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_nonsense_concurrency_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("CELERY_WORKER_CONCURRENCY", value)
    with pytest.raises(ValueError, match="^CELERY_WORKER_CONCURRENCY must be"):
        worker_concurrency()


def started_worker_says(tmp_path: Path, *options: str) -> str:
    """What a real `celery worker`, allowed onto one CPU only (taskset -c 0), says its
    concurrency is in its start-up banner. On the embedded broker, in tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"VAR_DIR": str(tmp_path)}
    env.pop("CELERY_WORKER_CONCURRENCY", None)
    log = tmp_path / "worker.log"
    one_cpu = str(min(os.sched_getaffinity(0)))
    with log.open("wb") as out:
        worker = subprocess.Popen(
            ["taskset", "-c", one_cpu, sys.executable, "-m", "celery", "-A", "mentorship"]
            + ["worker", *options, "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the worker and its children: one group to stop
        )
    try:
        deadline = time.monotonic() + 60
        while "concurrency:" not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.1)
    finally:
        # Only its banner was wanted, and it has no task to finish: a warm or even a cold
        # shutdown takes seconds on the embedded broker.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    [line] = [line for line in log.read_text().splitlines() if "concurrency:" in line]
    return line.split("concurrency:", 1)[1].strip()


@pytest.mark.skipif(not shutil.which("taskset"), reason="taskset (util-linux) is missing")
def test_a_real_worker_on_one_cpu_starts_one_child_unless_told(tmp_path):
    assert started_worker_says(tmp_path) == "1 (prefork)"
    # celery's own option still wins.
    assert started_worker_says(tmp_path, "--concurrency", "3") == "3 (prefork)"
