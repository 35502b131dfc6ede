"""gunicorn's settings for `make serve` and the Docker image (it reads this file itself)."""

import gc
import math
import os
from pathlib import Path


def usable_cpus(cpu_max: str = "/sys/fs/cgroup/cpu.max") -> int:
    """The CPUs this process may use, not the host's: its affinity (taskset, cpusets),
    capped by a container's cgroup v2 quota ("200000 100000" is 2 CPUs, "max 100000" none).
    A container limited to 2 CPUs on a 64-core host would otherwise start 129 workers."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path(cpu_max).read_text().split()
    except OSError:
        return cpus  # no cgroup v2 here (not Linux, or cgroup v1): the affinity alone
    if quota == "max":
        return cpus
    # Round up: a quota of 1.5 CPUs rounded down would leave half a CPU unused.
    return min(cpus, max(1, math.ceil(int(quota) / int(period))))


# 127.0.0.1 behind a proxy on the same host; the image sets HOST=0.0.0.0.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# gunicorn's advice: (2 x usable CPUs) + 1 synchronous workers; WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or usable_cpus() * 2 + 1)
timeout = 30
graceful_timeout = 20
# No access log: the app logs one structured line per request (mentorship.logs).
accesslog = None
# The control socket would be one path in $HOME shared by every gunicorn on the host.
control_socket_disable = True


# Python's cyclic garbage collector runs every 700 new containers by default: a page that
# builds a few thousand model instances, forms and template nodes paid ~2.4 ms of
# collections (the programme list and the inbox, in process, at 100 000 engagements).
# Every 10 000 costs ~0.9 ms, in collections of ~4 ms, not fewer and longer ones: 50 000
# took as long in all, in pauses of ~25 ms. What the worker loaded at start is frozen
# out of every collection (and out of copy-on-write when gunicorn preloads).
GC_FIRST_GENERATION = 10_000


def post_worker_init(worker) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_FIRST_GENERATION, *gc.get_threshold()[1:])
