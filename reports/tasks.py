"""The report's beat task: a thin adapter over reports.cache.warm."""

from __future__ import annotations

from celery import shared_task

from reports import cache


@shared_task(name="reports.tasks.warm", soft_time_limit=240, time_limit=290)
def warm() -> int:
    """Recompute every programme set's preset reports before their cache entries expire."""
    return cache.warm()
