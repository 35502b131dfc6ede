"""The directory's background tasks: an employee file too big for a request, and the
files still waiting for a worker queued again."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from directory import importing

# A file stored this long ago and still waiting was not queued (the broker was away when
# it was uploaded), or its message was lost: queued again by the beat.
WAITING_TOO_LONG = dt.timedelta(minutes=2)


# The longest an import runs: then its worker is killed (the hard limit) and the run is
# said to have stopped, as one whose worker died any other way.
IMPORT_TIME_LIMIT = 1900
STOPPED_AFTER = dt.timedelta(seconds=IMPORT_TIME_LIMIT + 120)


@shared_task(name="directory.tasks.import_file", soft_time_limit=1800, time_limit=IMPORT_TIME_LIMIT)
def import_file(run_id: int) -> None:
    """Id in; does nothing when the run was already claimed."""
    importing.run_import(run_id)


@shared_task(name="directory.tasks.requeue_waiting")
def requeue_waiting() -> int:
    """The uploads still waiting for a worker, queued again (every few minutes, by the
    beat). A run a worker claimed meanwhile is skipped by import_file: a run queued twice
    is imported once. And the runs whose worker died, said to have stopped."""
    now = timezone.now()
    importing.stop_abandoned(started_before=now - STOPPED_AFTER)
    waiting = importing.waiting_runs(stored_before=now - WAITING_TOO_LONG)
    for run_id in waiting:
        import_file.delay(run_id)
    return len(waiting)
