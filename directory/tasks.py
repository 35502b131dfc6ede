"""The directory's one background task: an employee file too big for a request."""

from celery import shared_task

from directory import importing


@shared_task(name="directory.tasks.import_file", soft_time_limit=1800, time_limit=1900)
def import_file(run_id: int) -> None:
    """Id in; does nothing when the run was already claimed."""
    importing.run_import(run_id)
