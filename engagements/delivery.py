"""Delivering the outbox: each due Notification row is emailed once, through crashes.

A sender claims a row with a conditional UPDATE before it sends and marks it sent after.
A claim older than the lease is claimed again: a worker killed mid-send leaves a claim
that expires, and the row goes out later with the same Message-ID, so a duplicate (the
send that completed just before the kill) is recognisably the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.core.mail import get_connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from engagements import emails
from engagements.models import Notification, NotificationPreference, Program

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=15)
Outcome = Notification.Outcome
Reminders = NotificationPreference.Reminders


class TransientError(Exception):
    """Sending failed in a way that may pass (4xx, connection refused): try again later."""


def due(now: dt.datetime) -> QuerySet[Notification]:
    """Rows waiting to be emailed now: due, not done, and not held by a live claim.
    Reminders for people who chose a digest wait for the digest instead."""
    return (
        Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True, due_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        .exclude(
            kind__in=Notification.REMINDERS,
            recipient__notification_preference__reminders=Reminders.DIGEST,
        )
    )


def claim(pk: int, now: dt.datetime) -> bool:
    """Take the row for this sender; False when it is done or someone else holds it."""
    # One table, no joins: Django turns a filter across relations into `pk IN (SELECT
    # …)`, which a concurrent claim's re-check would read from a stale snapshot.
    claimable = Notification.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE),
        pk=pk,
        sent_at__isnull=True,
        failed_at__isnull=True,
        due_at__lte=now,
    )
    return bool(claimable.update(claimed_at=now, attempts=F("attempts") + 1))


def _finish(pk: int, claim_time: dt.datetime, **fields) -> None:
    # Only the holder of this claim finishes the row: a sender whose lease ran out and
    # was taken over must not overwrite the new holder's outcome.
    Notification.objects.filter(pk=pk, claimed_at=claim_time).update(**fields)


def permanent(exc: Exception) -> str:
    """The reason when the address is refused for good (SMTP 5xx), else ""."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return "; ".join(
                f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                for addr, (code, msg) in exc.recipients.items()
            )
        return ""
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"
    return ""


def deliver(pk: int, *, now: dt.datetime | None = None, connection=None) -> str:
    """Email one notification; returns its outcome ("" when there was nothing to do).
    Raises TransientError when it should be tried again (the claim is released)."""
    now = now or timezone.now()
    if not claim(pk, now):
        return ""
    n = Notification.objects.select_related(
        "engagement__program", "engagement__protege", "engagement__mentor", "recipient", "actor"
    ).get(pk=pk)
    if not n.recipient.is_active:
        # Someone who left the company: their address may be gone, or read by another.
        _finish(pk, now, sent_at=now, outcome=Outcome.LEFT)
        return Outcome.LEFT
    if n.kind in Notification.REMINDERS:
        choice = NotificationPreference.reminders_for(n.recipient_id)
        if choice == Reminders.OFF:
            _finish(pk, now, sent_at=now, outcome=Outcome.OFF)
            return Outcome.OFF
        if choice == Reminders.DIGEST:
            # Chosen after the row was queued: leave it to the daily digest.
            _finish(pk, now, claimed_at=None)
            return Outcome.DIGEST
    try:
        message = emails.for_notification(n)
        message.connection = connection
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if reason := permanent(exc):
            _finish(pk, now, failed_at=now, failure=reason[:1000], outcome=Outcome.FAILED)
            log.warning("notification %s refused for good: %s", pk, reason)
            return Outcome.FAILED
        _finish(pk, now, claimed_at=None)
        raise TransientError(f"notification {pk}: {exc!r}") from exc
    _finish(pk, now, sent_at=timezone.now(), outcome=Outcome.SENT)
    return Outcome.SENT


def deliver_many(pks: list[int], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Send these rows over one SMTP connection; a transient failure of one row leaves
    it for later and goes on with the rest. Raises TransientError at the end if any
    failed so, for the task to retry with backoff."""
    counts: dict[str, int] = {}
    transient = []
    with get_connection() as connection:
        for pk in pks:
            try:
                outcome = deliver(pk, now=now, connection=connection)
            except TransientError as exc:
                transient.append(str(exc))
                outcome = "retry"
                # The connection may be broken; the next send opens a fresh one.
                connection.close()
            if outcome:
                counts[outcome] = counts.get(outcome, 0) + 1
    if transient:
        raise TransientError("; ".join(transient[:5]))
    return counts


def deliver_due(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """The sweep's safety net: everything due and unsent (a broker outage, a lost task,
    a claim whose worker died). Returns how many were emailed or settled."""
    now = now or timezone.now()
    done = 0
    while pks := list(due(now).order_by("due_at", "pk").values_list("pk", flat=True)[:batch]):
        try:
            counts = deliver_many(pks, now=now)
        except TransientError as exc:
            # The SMTP server is unwell: stop here; the next sweep or retry goes on.
            log.warning("delivery paused: %s", exc)
            return done
        done += sum(counts.values())
        if not counts:
            return done
    return done


def deliver_for_engagement(engagement_id: int, *, now: dt.datetime | None = None) -> dict:
    """What a transition just queued for this engagement (the task after the commit)."""
    now = now or timezone.now()
    pks = list(due(now).filter(engagement_id=engagement_id).values_list("pk", flat=True))
    return deliver_many(pks, now=now) if pks else {}


def send_digests(*, now: dt.datetime | None = None) -> int:
    """One email a day per person who chose the digest, listing their waiting reminders."""
    now = now or timezone.now()
    today = Program.default().today(now)
    sent = 0
    people = NotificationPreference.objects.filter(
        reminders=Reminders.DIGEST, employee__is_active=True
    ).exclude(digest_sent_on=today)
    for pref in people.select_related("employee"):
        waiting = Notification.objects.filter(
            recipient_id=pref.employee_id,
            kind__in=Notification.REMINDERS,
            sent_at__isnull=True,
            failed_at__isnull=True,
            due_at__lte=now,
        ).select_related("engagement")
        items = list(waiting.order_by("due_at", "pk"))
        if not items:
            continue
        # The day's digest is claimed first: two sweeps never both send it.
        claimed = (
            NotificationPreference.objects.filter(pk=pref.pk)
            .exclude(digest_sent_on=today)
            .update(digest_sent_on=today)
        )
        if not claimed:
            continue
        try:
            emails.digest(pref.employee, items, day=today).send()
        except (smtplib.SMTPException, OSError) as exc:
            NotificationPreference.objects.filter(pk=pref.pk).update(
                digest_sent_on=pref.digest_sent_on
            )
            log.warning("digest for %s not sent: %r", pref.employee_id, exc)
            continue
        Notification.objects.filter(pk__in=[n.pk for n in items], sent_at__isnull=True).update(
            sent_at=timezone.now(), outcome=Outcome.DIGEST
        )
        sent += 1
    return sent
