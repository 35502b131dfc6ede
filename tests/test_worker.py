"""With a real Celery worker on a real (private) Redis: a proposal reaches the SMTP sink
through the worker, a broker outage loses nothing, a worker killed mid-batch loses
nothing."""

import datetime as dt
import time

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from directory import tasks
from directory.forms import EmployeeImportForm
from directory.models import Employee, ImportRun
from engagements import sweep
from engagements.models import Notification
from tests import services
from tests.factories import engagement_between

WAITING = tasks.WAITING_TOO_LONG + dt.timedelta(seconds=1)

smtp_sink = services.smtp_sink  # the fixture
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server():
    server = services.RedisServer()
    server.start()
    conf = current_app.conf
    saved = conf.broker_url
    use_broker(server.url)
    yield server
    server.stop()
    use_broker(saved)


def use_broker(url: str) -> None:
    # The web side's producer pool is bound to the broker it first connected to.
    current_app.pool.force_close_all()
    current_app._pool = None
    current_app.amqp._producer_pool = None
    current_app.conf.broker_url = url


def started_worker(redis_server, smtp_sink) -> services.Worker:
    """A real worker on this test's database, the private Redis and the SMTP sink."""
    env = services.service_env(
        database_name=connection.settings_dict["NAME"],
        broker_url=redis_server.url,
        smtp_port=smtp_sink.port,
    )
    process = services.Worker(env)
    process.start()
    return process


@pytest.fixture
def worker(smtp_sink, redis_server):
    process = started_worker(redis_server, smtp_sink)
    yield process
    process.stop()


def test_a_proposal_reaches_the_mentor_through_the_worker_with_a_working_link(
    protege, mentor, as_user, worker, smtp_sink, settings
):
    draft = engagement_between(protege, mentor, state="draft")
    as_user(protege).post(f"/engagements/{draft.pk}/propose/")
    assert services.wait_for(lambda: smtp_sink.to(mentor.email), timeout=30)
    [message] = smtp_sink.to(mentor.email)
    body = message.get_payload()[0].get_payload(decode=True).decode()
    accept = next(w for w in body.split() if "/engagements/decide/" in w)
    path = accept.removeprefix(settings.SITE_URL)
    assert as_user(mentor).get(path).status_code == 200
    n = Notification.objects.get(kind=Notification.Kind.PROPOSAL_RECEIVED)
    assert services.wait_for(lambda: Notification.objects.get(pk=n.pk).sent_at, timeout=10)


def test_a_proposal_made_while_redis_is_down_is_stored_and_delivered_when_it_returns(
    protege, mentor, as_user, smtp_sink, redis_server
):
    draft = engagement_between(protege, mentor, state="draft")
    redis_server.stop()
    started = time.monotonic()
    response = as_user(protege).post(f"/engagements/{draft.pk}/propose/")
    took = time.monotonic() - started
    assert response.status_code == 302
    assert took < 5, f"the request waited {took:.1f}s for the broker"
    n = Notification.objects.get(kind=Notification.Kind.PROPOSAL_RECEIVED)
    assert n.sent_at is None
    redis_server.start()
    worker = started_worker(redis_server, smtp_sink)
    try:
        # The task was never queued: the sweep (beat's job) is the safety net.
        current_app.send_task("engagements.tasks.sweep")
        assert services.wait_for(lambda: smtp_sink.to(mentor.email), timeout=30)
    finally:
        worker.stop()
    n.refresh_from_db()
    assert n.sent_at
    print(f"\nproposal request with Redis down took {took:.2f}s")


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_keep_their_message_id(
    protege, mentor, smtp_sink, worker
):
    engagement = engagement_between(protege, mentor, state="proposed")
    assert services.wait_for(lambda: smtp_sink.to(mentor.email), timeout=30)
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            engagement=engagement,
            recipient=mentor,
            kind=Notification.Kind.PEER_ANSWERED,
            actor=protege,
            occasion=f"batch-{i}",
            created_at=now,
            due_at=now,
        )
        for i in range(200)
    )
    smtp_sink.messages.clear()
    smtp_sink.delay = 0.02
    current_app.send_task("engagements.tasks.deliver_engagement", args=[engagement.pk])
    assert services.wait_for(lambda: len(smtp_sink.messages) >= 60, timeout=60)
    worker.kill()
    delivered_before_kill = len(smtp_sink.messages)
    assert delivered_before_kill < 200
    worker.start()
    # The killed task's claims hold for the lease; the next sweep after it takes them.
    sweep.run(now=timezone.now() + dt.timedelta(minutes=16))
    batch = Notification.objects.filter(kind=Notification.Kind.PEER_ANSWERED)
    assert batch.filter(sent_at__isnull=True).count() == 0
    ids = smtp_sink.message_ids()
    assert set(ids) == {
        f"<notification-{pk}.peer_answered@127.0.0.1>" for pk in batch.values_list("pk", flat=True)
    }
    duplicates = len(ids) - len(set(ids))
    assert duplicates <= 1  # only a send that completed in the instant before the kill
    print(f"\nkilled after {delivered_before_kill} of 200; duplicates: {duplicates}")


def test_an_employee_file_uploaded_while_redis_is_down_is_imported_when_it_returns(
    admin, as_user, smtp_sink, redis_server, monkeypatch
):
    monkeypatch.setattr(EmployeeImportForm, "MAX_ROWS", 2)  # three rows: the background
    redis_server.stop()
    rows = "".join(f"p{i}@example.com,Person {i}\n" for i in range(3))
    upload = SimpleUploadedFile("people.csv", ("email,full_name\n" + rows).encode())
    response = as_user(admin).post("/directory/import/", {"file": upload})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.QUEUED  # stored; its task was never queued
    redis_server.start()
    worker = started_worker(redis_server, smtp_sink)
    try:
        assert tasks.requeue_waiting() == 0  # too recent: perhaps a worker is on it
        ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - WAITING)
        assert tasks.requeue_waiting() == 1  # the beat's job, every few minutes
        done = ImportRun.Status.DONE
        assert services.wait_for(lambda: ImportRun.objects.get(pk=run.pk).status == done, 30)
    finally:
        worker.stop()
    assert (
        Employee.objects.filter(email__startswith="p", email__endswith="@example.com").count() == 3
    )
    assert tasks.requeue_waiting() == 0
