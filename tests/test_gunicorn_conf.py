"""gunicorn.conf.py sizes the web workers from the CPUs the process may use
(mentorship/cpus.py, which sizes the Celery worker too): in a container limited to 2 CPUs
on a 64-core host that is 2, not 64 (129 workers would run out of memory). The cgroup v2
quota is read from a file, here a temporary one."""

import gc
import json
import os
import runpy
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from mentorship.cpus import usable_cpus
from tests.services import free_port, wait_for

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


@pytest.fixture
def host_of_64_cores(monkeypatch):
    """The process may run on 64 cores (its affinity), whatever the machine running this."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    return usable_cpus


def cpu_max(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cpu.max"
    path.write_text(text + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("quota", "cpus"),
    [
        ("max 100000", 64),  # no limit: the affinity
        ("200000 100000", 2),  # docker run --cpus 2
        ("150000 100000", 2),  # 1.5 CPUs round up
        ("50000 100000", 1),  # half a CPU is still one
        ("6400000 100000", 64),  # a quota above the affinity: the affinity
    ],
)
def test_the_container_quota_caps_the_cpus_of_the_host(host_of_64_cores, tmp_path, quota, cpus):
    assert host_of_64_cores(cpu_max(tmp_path, quota)) == cpus


def test_without_a_cgroup_v2_quota_the_affinity_counts(host_of_64_cores, tmp_path):
    assert host_of_64_cores(str(tmp_path / "missing" / "cpu.max")) == 64


def test_the_affinity_caps_a_larger_quota(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})  # taskset -c 0-2
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert usable_cpus(cpu_max(tmp_path, "800000 100000")) == 3


def test_workers_are_twice_the_usable_cpus_plus_one_unless_web_concurrency_says(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    conf = runpy.run_path(str(CONF))
    assert conf["usable_cpus"] is usable_cpus  # the count the Celery worker uses too
    assert conf["workers"] == 2 * usable_cpus() + 1 <= 7
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(CONF))["workers"] == 3


def test_each_worker_collects_garbage_less_often_with_what_it_loaded_frozen():
    """gunicorn calls the config's post_worker_init in every worker it starts."""
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("gunicorn"), "tests.gc_probe:app"]
        + ["-c", str(CONF), "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=CONF.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def answer():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    return json.load(response)
            except OSError:
                return None

        assert wait_for(lambda: answer() is not None)
        seen = answer()
    finally:
        server.terminate()
        server.wait(timeout=20)
    first_generation = runpy.run_path(str(CONF))["GC_FIRST_GENERATION"]
    assert seen["threshold"][0] == first_generation != gc.get_threshold()[0]
    assert seen["frozen"] > 0
