"""How many CPUs this process may use: gunicorn.conf.py sizes the web workers from it,
mentorship/celery.py the worker's child processes."""

import math
import os
from pathlib import Path


def usable_cpus(cpu_max: str = "/sys/fs/cgroup/cpu.max") -> int:
    """The CPUs this process may use, not the host's: its affinity (taskset, cpusets),
    capped by a container's cgroup v2 quota ("200000 100000" is 2 CPUs, "max 100000" none).
    A container limited to 2 CPUs on a 64-core host would otherwise start 129 web workers
    and 64 Celery children."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path(cpu_max).read_text().split()
    except OSError:
        return cpus  # no cgroup v2 here (not Linux, or cgroup v1): the affinity alone
    if quota == "max":
        return cpus
    # Round up: a quota of 1.5 CPUs rounded down would leave half a CPU unused.
    return min(cpus, max(1, math.ceil(int(quota) / int(period))))
