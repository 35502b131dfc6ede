"""A background import whose worker died (out of memory, a deploy, its time limit) saved
nothing: the beat's next round says so and drops the stored file, instead of a page
saying "Importing" for ever."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from directory import importing, tasks
from directory.models import Employee, ImportRun

pytestmark = pytest.mark.django_db
FILE = b"email,full_name\nnew.starter@example.com,New Starter\n"


def claimed(minutes_ago: int, *, start_recorded: bool = True) -> ImportRun:
    """A run a worker claimed that long ago and never finished."""
    run = ImportRun.objects.create(filename="people.csv", data=FILE)
    started = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.RUNNING,
        progress="Saving 1 people",
        started_at=started if start_recorded else None,
    )
    return run


def test_a_run_whose_worker_died_is_said_to_have_stopped(admin, as_user):
    dead, alive = claimed(40), claimed(5)
    tasks.requeue_waiting()  # what the beat runs every few minutes
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.progress, bytes(dead.data)) == ("stopped", "", b"")
    assert dead.finished_at is not None
    assert alive.status == "running" and bytes(alive.data) == FILE  # still within its time

    page = as_user(admin).get(reverse("directory:import_run", args=[dead.pk]))
    html = page.content.decode()
    assert "Stopped: nothing imported" in html
    assert "The import stopped before it finished" in html and "Upload the file again" in html
    assert "every 2s" not in html  # the page stops asking
    assert not Employee.objects.filter(email="new.starter@example.com").exists()


def test_a_run_claimed_before_its_start_was_recorded_goes_by_its_upload():
    old = claimed(0, start_recorded=False)
    ImportRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert importing.stop_abandoned(started_before=timezone.now() - tasks.STOPPED_AFTER) == 1


def test_a_worker_claiming_a_run_records_when():
    run = ImportRun.objects.create(filename="people.csv", data=FILE)
    importing.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.started_at <= run.finished_at


def test_a_run_refused_before_reports_were_kept_shows_its_problems(admin, as_user):
    run = ImportRun.objects.create(
        filename="people.csv",
        data=b"",
        status=ImportRun.Status.REFUSED,
        errors=[[2, "“bo@” is not a valid email address"], [3, "full_name is empty"]],
    )
    upgrade = importlib.import_module("directory.migrations.0019_import_run_reports")
    upgrade.to_reports(apps, None)
    html = as_user(admin).get(reverse("directory:import_run", args=[run.pk])).content.decode()
    assert "2 problems found" in html
    assert "is not a valid email address" in html and "full_name is empty" in html
