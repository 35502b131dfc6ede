"""Celery tasks: thin, id-in, idempotent adapters over the delivery and the sweep.

Both are safe to run again (every row is claimed before it is sent, every state change is
conditional), so they acknowledge late: a worker killed mid-task has it redelivered.
Retries stay within minutes; anything later is the sweep's work.
"""

from __future__ import annotations

from celery import shared_task

from engagements import delivery
from engagements import sweep as sweeping


@shared_task(
    name="engagements.tasks.deliver_engagement",
    acks_late=True,
    autoretry_for=(delivery.TransientError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=120,
    time_limit=150,
)
def deliver_engagement(engagement_id: int) -> None:
    """Email what a transition just queued for this engagement."""
    delivery.deliver_for_engagement(engagement_id)


@shared_task(name="engagements.tasks.sweep", acks_late=True, soft_time_limit=240, time_limit=290)
def sweep() -> dict[str, int]:
    return sweeping.run()
