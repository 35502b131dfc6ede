"""The periodic sweep: the machine keeps the word people gave each other.

One run closes the proposals of people who left the directory, expires unanswered
proposals, completes engagements past their agreed end date, queues the reminders that
are due and delivers what is waiting. Every step is
idempotent: state changes are conditional (rows locked with SKIP LOCKED, so two sweeps
share the work instead of repeating it) and every notification has its occasion in its
unique key. Running it twice, concurrently, or once after days of downtime gives the
same result as running it on time.

Expire and complete are set-based: a batch of engagements changes state in one UPDATE,
its Events and Notifications are bulk inserts, and the mentors' load slots are released
in one UPDATE per distinct count, writing exactly what `transitions.expire` and
`transitions.complete` write one row at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from engagements import delivery
from engagements.models import Engagement, Event, Notification, Participant, Program
from engagements.rules import RULES, Audience, Verb, audience
from engagements.transitions import close_questions, queue, release_load

log = logging.getLogger(__name__)
State = Engagement.State
Kind = Notification.Kind
BATCH = 5000
# Wrap-up reminders stop after this long: an engagement that ended long before the
# sweep first ran is not nagged about.
WRAPUP_WINDOW = dt.timedelta(days=14)

Row = tuple[int, int, int]  # engagement, protégé, mentor


def run(now: dt.datetime | None = None) -> dict[str, int]:
    """One sweep; returns what each step did."""
    now = now or timezone.now()
    counts = {
        "left": close_for_leavers(now),
        "expired": expire_overdue(now),
        "completed": complete_overdue(now),
        "reminders": remind(now),
    }
    counts["digests"] = delivery.send_digests(now=now)
    counts["delivered"] = delivery.deliver_due(now=now)
    return counts


def expire_overdue(now: dt.datetime) -> int:
    """Proposals nobody answered by their deadline (`transitions.expire`, set-based), and
    those whose dates went by unanswered (by the programme's date): nothing is left to
    accept (transitions.accept refuses them), and the protégé hears who else could help."""
    overdue = Engagement.objects.filter(state=State.PROPOSED, expires_at__lt=now)
    done = _close_all(Verb.EXPIRE, overdue, now=now)
    for program in Program.objects.all():
        past = Engagement.objects.filter(
            program=program, state=State.PROPOSED, end_date__lt=program.today(now)
        )
        done += _close_all(Verb.EXPIRE, past, now=now)
    return done


def close_for_leavers(now: dt.datetime) -> int:
    """Proposals waiting on someone who left the directory (active = no: an import or an
    admin said so) close at once, as an unanswered one does at its deadline
    (`transitions.expire`): the protégé hears who else could help instead of waiting days
    for an answer that cannot come. Active engagements go on to their end date: the one
    still here is told on its page and may cancel (templates/engagements/detail.html).
    The Event's message records who left: what the page and the emails say."""
    waiting = Engagement.objects.filter(state=State.PROPOSED)
    return _close_all(
        Verb.EXPIRE, waiting.filter(mentor__is_active=False), now=now, note=Event.MENTOR_LEFT
    ) + _close_all(
        Verb.EXPIRE, waiting.filter(protege__is_active=False), now=now, note=Event.PROTEGE_LEFT
    )


def complete_overdue(now: dt.datetime) -> int:
    """Active engagements whose end date is over: the end of that day in the programme's
    zone, so each programme asks with its own date (`transitions.complete`)."""
    done = 0
    for program in Program.objects.all():
        ended = Engagement.objects.filter(
            program=program, state=State.ACTIVE, end_date__lt=program.today(now)
        )
        done += _close_all(Verb.COMPLETE, ended, now=now, release_slots=True)
    return done


def _close_all(
    verb: Verb, candidates: QuerySet, *, now: dt.datetime, release_slots=False, note=""
) -> int:
    done = 0
    while batch := _close_batch(verb, candidates, now, release_slots, note):
        done += batch
    return done


@transaction.atomic
def _close_batch(
    verb: Verb, candidates: QuerySet, now: dt.datetime, release_slots: bool, note: str
) -> int:
    rule = RULES[verb]
    (source,) = rule.states
    # FOR UPDATE re-checks the state on the latest row version: what another sweep (or a
    # person cancelling this instant) changed is not returned, and SKIP LOCKED lets a
    # concurrent sweep take the next batch instead of waiting for this one.
    rows: list[Row] = list(
        candidates.filter(state=source)
        .select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("pk", "protege_id", "mentor_id")[:BATCH]
    )
    if not rows:
        return 0
    ids = [pk for pk, _, _ in rows]
    Engagement.objects.filter(pk__in=ids, state=source).update(state=rule.to, closed_at=now)
    Event.objects.bulk_create(
        Event(
            engagement_id=pk,
            actor=None,
            verb=verb.value,
            from_state=source,
            to_state=rule.to,
            message=note,
            created_at=now,
        )
        for pk in ids
    )
    for whom, kind in rule.tells:
        queue(audience(rows, whom), kind, now=now)
    close_questions(ids, verb, now=now)
    if release_slots:
        release_load(Counter(mentor for _, _, mentor in rows))
    return len(rows)


def remind(now: dt.datetime) -> int:
    """Queue the reminders that are due, each once: its occasion is in the unique key
    (the dates a reminder is about never change once proposed), so a late or repeated
    sweep finds it already there. Returns how many this run added."""
    for program in Program.objects.all():
        today = program.today(now)
        engagements = Engagement.objects.filter(program=program)
        waited = now - dt.timedelta(days=program.remind_unanswered_after_days)

        unanswered = engagements.filter(state=State.PROPOSED, proposed_at__lte=waited)
        queue(
            unanswered.values_list("pk", "mentor_id").iterator(),
            Kind.REMIND_UNANSWERED,
            now=now,
            occasion="unanswered",
        )

        ending = engagements.filter(
            state=State.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + dt.timedelta(days=program.remind_before_end_days),
        )
        rows = list(ending.values_list("pk", "protege_id", "mentor_id"))
        for whom in (Audience.PROTEGE, Audience.MENTOR, Audience.JOINED_PEERS):
            queue(audience(rows, whom), Kind.REMIND_ENDING, now=now, occasion="ending")

        wrapped_by = today - dt.timedelta(days=program.remind_wrapup_after_days)
        unwrapped = engagements.filter(
            state=State.COMPLETED,
            end_date__lte=wrapped_by,
            end_date__gte=wrapped_by - WRAPUP_WINDOW,
        )
        not_thanked = Q(wrap_up__isnull=True) | Q(wrap_up__thanked_at__isnull=True)
        not_advised = Q(wrap_up__isnull=True) | Q(wrap_up__advised_at__isnull=True)
        for undone, person in ((not_thanked, "protege_id"), (not_advised, "mentor_id")):
            queue(
                unwrapped.filter(undone).values_list("pk", person).iterator(),
                Kind.REMIND_WRAPUP,
                now=now,
                occasion="wrapup",
            )

        invited = Participant.objects.filter(
            engagement__program=program,
            engagement__state__in=[State.PROPOSED, State.ACTIVE],
            engagement__proposed_at__lte=waited,
            answer=Participant.Answer.INVITED,
        ).values_list("engagement_id", "employee_id")
        queue(invited.iterator(), Kind.REMIND_INVITATION, now=now, occasion="invitation")
    # ignore_conflicts hides which rows were new: they are the ones stamped with this
    # run's `now` (found through the unsent-and-due index, not by counting the history).
    return Notification.objects.filter(
        sent_at__isnull=True, due_at=now, created_at=now, kind__in=Notification.REMINDERS
    ).count()
