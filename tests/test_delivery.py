"""Delivery: every due notification is claimed, emailed once with a stable Message-ID,
retried when the SMTP server says "later" and marked failed when it says "never"."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from engagements import delivery, emails, sweep, tasks
from engagements.models import Notification, NotificationPreference
from tests import services
from tests.factories import engagement_between

smtp_sink = services.smtp_sink  # the fixture

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def proposal_to(mentor) -> Notification:
    return Notification.objects.get(kind=Kind.PROPOSAL_RECEIVED, recipient=mentor)


def test_a_proposal_reaches_the_mentor_once_with_a_stable_message_id(protege, mentor, smtp_sink):
    engagement_between(protege, mentor, state="proposed")
    assert delivery.deliver_due() == 1
    assert delivery.deliver_due() == 0
    [message] = smtp_sink.to(mentor.email)
    n = proposal_to(mentor)
    assert message["Message-ID"] == emails.message_id(n)
    assert n.sent_at and n.outcome == Notification.Outcome.SENT and n.attempts == 1


def test_the_task_retries_a_refusal_for_now_and_loses_nothing(protege, mentor, smtp_sink):
    engagement = engagement_between(protege, mentor, state="proposed")
    smtp_sink.transient = 2  # two "451 try again later", then accepted
    tasks.deliver_engagement.apply(args=[engagement.pk])
    n = proposal_to(mentor)
    assert n.sent_at and n.attempts == 3
    assert len(smtp_sink.to(mentor.email)) == 1


def test_a_refusal_for_now_releases_the_claim_for_the_next_try(protege, mentor, smtp_sink):
    engagement = engagement_between(protege, mentor, state="proposed")
    smtp_sink.transient = 1
    with pytest.raises(delivery.TransientError):
        delivery.deliver_for_engagement(engagement.pk)
    n = proposal_to(mentor)
    assert n.sent_at is None and n.claimed_at is None and n.failed_at is None
    assert delivery.deliver_for_engagement(engagement.pk) == {"sent": 1}
    assert len(smtp_sink.messages) == 1


def test_a_permanently_refused_address_is_marked_failed_with_the_reason(
    protege, mentor, admin, smtp_sink, as_user
):
    smtp_sink.refused = {mentor.email}
    engagement_between(protege, mentor, state="proposed")
    delivery.deliver_due()
    n = proposal_to(mentor)
    assert n.failed_at and n.outcome == Notification.Outcome.FAILED and n.sent_at is None
    assert "550" in n.failure and mentor.email in n.failure
    assert delivery.deliver_due() == 0  # not tried again and again
    page = as_user(admin).get("/engagements/notifications/outbox/")
    assert page.status_code == 200
    assert "No such mailbox here" in page.content.decode()


def test_a_claim_left_by_a_crashed_sender_is_taken_again_after_15_minutes(
    protege, mentor, smtp_sink
):
    engagement_between(protege, mentor, state="proposed")
    n = proposal_to(mentor)
    crashed_at = timezone.now()
    assert delivery.claim(n.pk, crashed_at)  # claimed, then the worker died
    assert delivery.deliver_due(now=crashed_at + dt.timedelta(minutes=10)) == 0
    assert delivery.deliver_due(now=crashed_at + dt.timedelta(minutes=16)) == 1
    [message] = smtp_sink.messages
    assert message["Message-ID"] == emails.message_id(n)


def test_reminder_emails_follow_the_persons_choice(protege, mentor, program, smtp_sink):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        engagement_between(protege, mentor, state="proposed")
        delivery.deliver_due()
    NotificationPreference.choose(mentor.pk, NotificationPreference.Reminders.OFF)
    with time_machine.travel(start + dt.timedelta(days=program.remind_unanswered_after_days)):
        sweep.run()
    reminder = Notification.objects.get(kind=Kind.REMIND_UNANSWERED, recipient=mentor)
    assert reminder.outcome == Notification.Outcome.OFF  # in the app, not emailed
    assert len(smtp_sink.to(mentor.email)) == 1  # the proposal only


def test_a_daily_digest_lists_the_reminders_in_one_email(protege, mentor, peer, program, smtp_sink):
    NotificationPreference.choose(mentor.pk, NotificationPreference.Reminders.DIGEST)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        engagement_between(protege, mentor, state="proposed", title="First")
        engagement_between(protege, mentor, state="proposed", title="Second")
        delivery.deliver_due()
    smtp_sink.messages.clear()
    later = start + dt.timedelta(days=program.remind_unanswered_after_days)
    with time_machine.travel(later, tick=False):
        assert sweep.run()["digests"] == 1
        assert sweep.run()["digests"] == 0  # one a day
    [digest] = smtp_sink.to(mentor.email)
    text = digest.get_payload()[0].get_payload(decode=True).decode()
    assert "First" in text and "Second" in text
    # Its footer speaks to someone who chose the digest, not offering it again.
    assert "You get your reminders once a day, as you chose." in text
    assert "Choose a daily digest" not in text
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    outcomes = set(
        Notification.objects.filter(kind=Kind.REMIND_UNANSWERED).values_list("outcome", flat=True)
    )
    assert outcomes == {Notification.Outcome.DIGEST}
