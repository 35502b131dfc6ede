"""The sweep keeps the word: expiry, completion on the agreed date (in the programme's
zone), reminders once per occasion, delivery — the same result twice, concurrently, or
once after days of downtime."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from directory.models import Employee
from engagements import emails, matching, sweep, transitions
from engagements.models import Engagement, Event, Notification, Program
from tests import services
from tests.factories import EmployeeFactory, engagement_between

smtp_sink = services.smtp_sink  # the fixture
Kind = Notification.Kind
State = Engagement.State
UTC = dt.UTC


def rows() -> set[tuple]:
    return set(Notification.objects.values_list("engagement__title", "kind", "recipient__email"))


@pytest.mark.django_db
class TestCompletion:
    def test_the_sweep_writes_what_completing_one_by_one_writes(self, protege, mentor, peer):
        start = timezone.now() - dt.timedelta(days=10)
        with time_machine.travel(start, tick=False):
            by_hand = engagement_between(protege, mentor, peers=[peer], days=3, title="One")
            swept = engagement_between(protege, mentor, peers=[peer], days=3, title="Two")
        mentor.refresh_from_db()
        assert mentor.mentoring_load == 2
        Notification.objects.all().delete()
        transitions.complete(by_hand)
        counts = sweep.run()
        assert counts["completed"] == 1
        swept.refresh_from_db()
        mentor.refresh_from_db()
        assert swept.state == State.COMPLETED and swept.closed_at
        assert mentor.mentoring_load == 0

        def written(engagement):
            event = Event.objects.filter(engagement=engagement).last()
            told = Notification.objects.filter(engagement=engagement, kind=Kind.COMPLETED)
            return (
                (event.verb, event.from_state, event.to_state, event.actor_id),
                sorted(told.values_list("recipient_id", flat=True)),
            )

        assert written(swept) == written(by_hand)
        assert written(swept)[0] == ("complete", "active", "completed", None)
        assert Event.objects.filter(engagement=swept).last().label == "ended on the agreed date"

    def test_an_engagement_ending_31_march_in_berlin_completes_after_berlin_midnight(
        self, protege, mentor, program
    ):
        program.time_zone = "Europe/Berlin"
        program.save()
        with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=UTC), tick=False):
            engagement = engagement_between(protege, mentor, start=dt.date(2026, 3, 20), days=12)
        assert engagement.end_date == dt.date(2026, 3, 31)
        # 21:30 UTC is 23:30 in Berlin (UTC+2 since 29 March): still the last day.
        sweep.run(now=dt.datetime(2026, 3, 31, 21, 30, tzinfo=UTC))
        engagement.refresh_from_db()
        assert engagement.state == State.ACTIVE
        # 22:30 UTC is 00:30 on 1 April in Berlin, though still 31 March in UTC.
        sweep.run(now=dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
        engagement.refresh_from_db()
        assert engagement.state == State.COMPLETED
        sweep.run(now=dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
        assert Event.objects.filter(engagement=engagement, verb="complete").count() == 1

    def test_an_engagement_ending_on_the_day_the_clocks_change_ends_at_local_midnight(
        self, protege, mentor, program
    ):
        program.time_zone = "Europe/Berlin"
        program.save()
        with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=UTC), tick=False):
            engagement = engagement_between(protege, mentor, start=dt.date(2026, 3, 20), days=10)
        assert engagement.end_date == dt.date(2026, 3, 29)  # 02:00 became 03:00 that night
        # The day has 23 hours: it ends at 22:00 UTC (midnight CEST), not 23:00.
        sweep.run(now=dt.datetime(2026, 3, 29, 21, 59, tzinfo=UTC))
        engagement.refresh_from_db()
        assert engagement.state == State.ACTIVE
        sweep.run(now=dt.datetime(2026, 3, 29, 22, 1, tzinfo=UTC))
        engagement.refresh_from_db()
        assert engagement.state == State.COMPLETED


@pytest.mark.django_db
def test_an_unanswered_proposal_expires_and_the_protege_hears_who_else_could_help(
    protege, mentor, program, smtp_sink
):
    EmployeeFactory(full_name="Nina Other", skills=["Negotiation"], level=5)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        engagement = engagement_between(protege, mentor, state="proposed")
    later = start + dt.timedelta(days=program.expire_after_days, minutes=1)
    counts = sweep.run(now=later)
    assert counts["expired"] == 1
    engagement.refresh_from_db()
    assert engagement.state == State.EXPIRED and engagement.closed_at == later
    assert Event.objects.filter(engagement=engagement, verb="expire", actor=None).count() == 1
    told = Notification.objects.get(kind=Kind.EXPIRED)
    assert told.recipient == protege
    [email] = smtp_sink.to(protege.email)
    text = email.get_payload()[0].get_payload(decode=True).decode()
    others = matching.others_who_could_help(engagement, now=later)
    for suggestion in others:
        assert suggestion.person.full_name in text
    assert mentor.full_name in text  # who did not answer


@pytest.mark.django_db
def test_each_reminder_comes_once_to_the_right_people(protege, mentor, peer, program, smtp_sink):
    other_peer = EmployeeFactory(full_name="Ida Invited")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        engagement_between(protege, mentor, state="proposed", peers=[other_peer], title="Asked")
        engagement_between(protege, mentor, peers=[peer], days=5, title="Running")
    Notification.objects.all().delete()
    day = dt.timedelta(days=1)
    for n in range(8):  # a sweep at this hour on each of the next eight days
        sweep.run(now=start + n * day + dt.timedelta(hours=1))
    assert rows() >= {
        ("Asked", Kind.REMIND_UNANSWERED, mentor.email),
        ("Asked", Kind.REMIND_INVITATION, other_peer.email),
        ("Running", Kind.REMIND_ENDING, protege.email),
        ("Running", Kind.REMIND_ENDING, mentor.email),
        ("Running", Kind.REMIND_ENDING, peer.email),
        ("Running", Kind.REMIND_WRAPUP, protege.email),
        ("Running", Kind.REMIND_WRAPUP, mentor.email),
    }
    reminders = Notification.objects.filter(kind__in=Notification.REMINDERS)
    assert reminders.count() == 7
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids)) == Notification.objects.count()


def scenario(protege, mentor, peer):
    """A proposal nobody answers and an engagement ending in two days, made at `start`."""
    engagement_between(protege, mentor, state="proposed", title="Asked")
    engagement_between(protege, mentor, peers=[peer], days=2, title="Running")


@pytest.mark.django_db
@pytest.mark.parametrize("beat", ["on time", "down for three days"])
def test_a_catch_up_sweep_after_three_days_does_what_sweeps_on_time_do(
    beat, protege, mentor, peer, smtp_sink
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        scenario(protege, mentor, peer)
        sweep.run(now=start)
    end = start + dt.timedelta(days=3, hours=1)
    if beat == "on time":
        times = [start + dt.timedelta(minutes=5 * k) for k in range(1, 3 * 24 * 12 + 13, 12)]
    else:
        times = [end]
    for now in times:
        sweep.run(now=now)
    assert sweep.run(now=end) == {
        "left": 0,
        "expired": 0,
        "completed": 0,
        "reminders": 0,
        "digests": 0,
        "delivered": 0,
    }
    assert Engagement.objects.get(title="Running").state == State.COMPLETED
    assert rows() == {
        ("Asked", Kind.PROPOSAL_RECEIVED, mentor.email),
        ("Asked", Kind.REMIND_UNANSWERED, mentor.email),
        ("Running", Kind.PROPOSAL_RECEIVED, mentor.email),
        ("Running", Kind.PEER_INVITED, peer.email),
        ("Running", Kind.ACCEPTED, protege.email),
        ("Running", Kind.PEER_ANSWERED, protege.email),
        ("Running", Kind.REMIND_ENDING, protege.email),
        ("Running", Kind.REMIND_ENDING, mentor.email),
        ("Running", Kind.REMIND_ENDING, peer.email),
        ("Running", Kind.COMPLETED, protege.email),
        ("Running", Kind.COMPLETED, mentor.email),
        ("Running", Kind.COMPLETED, peer.email),
        ("Running", Kind.REMIND_WRAPUP, protege.email),
        ("Running", Kind.REMIND_WRAPUP, mentor.email),
    }
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids)) == Notification.objects.count()


@pytest.mark.django_db
def test_a_second_sweep_adds_no_rows_and_sends_nothing_again(protege, mentor, peer, smtp_sink):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        scenario(protege, mentor, peer)
    later = start + dt.timedelta(days=4)
    first = sweep.run(now=later)
    assert first["completed"] == 1 and first["reminders"] > 0 and first["delivered"] > 0
    before, sent = Notification.objects.count(), len(smtp_sink.messages)
    events = Event.objects.count()
    assert sweep.run(now=later + dt.timedelta(minutes=5))["delivered"] == 0
    assert (Notification.objects.count(), len(smtp_sink.messages)) == (before, sent)
    assert Event.objects.count() == events


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_do_the_work_once(protege, mentor, peer, smtp_sink):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        scenario(protege, mentor, peer)
        for n in range(20):
            other = EmployeeFactory(full_name=f"Proto Tege{n}")
            engagement_between(other, EmployeeFactory(full_name=f"Men Tor{n}"), days=2)
    later = start + dt.timedelta(days=4)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(sweep.run(now=later))
        except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["completed"] for r in results) == 21
    assert Event.objects.filter(verb="complete").count() == 21
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids)) == Notification.objects.count()
    assert Employee.objects.filter(mentoring_load__gt=0).count() == 0
    assert sweep.run(now=later)["completed"] == 0


@pytest.mark.django_db
def test_manage_py_sweep_prints_what_it_did(protege, mentor, capsys):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        engagement_between(protege, mentor, days=2)
    with time_machine.travel(start + dt.timedelta(days=3)):
        call_command("sweep")
    out = capsys.readouterr().out
    assert "completed: 1" in out
    assert Engagement.objects.get().state == State.COMPLETED
    with time_machine.travel(start + dt.timedelta(days=3)):
        call_command("sweep")
    assert "completed: 0" in capsys.readouterr().out


def test_message_ids_are_stable_per_notification():
    n = Notification(pk=42, kind=Kind.ACCEPTED)
    assert emails.message_id(n) == emails.message_id(Notification(pk=42, kind=Kind.ACCEPTED))
    assert Program.end_of_day  # the one clock the sweep relies on
