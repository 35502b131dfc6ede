"""The state machine: every change of an engagement's state, and the peers' answers.

Each function checks who may act against `rules.RULES`, changes the state with a
conditional UPDATE (0 rows changed means someone else already did it: a double-click or
two tabs act once), writes the audit Event and queues the Notifications the table
names, all in one transaction. Views and tasks call these; nothing else writes an
engagement's state.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from directory.models import Employee
from engagements.models import Engagement, Event, Notification, Participant, TransitionError
from engagements.rules import ALREADY, RULES, Verb, audience, authorise, check_role

State = Engagement.State
log = logging.getLogger(__name__)
QUEUE_BATCH = 5000


def at_capacity_message(mentor: Employee) -> str:
    n = mentor.mentoring_capacity
    return (
        f"You are at capacity: you mentor {n} engagement{'s' if n != 1 else ''} at a time "
        "and all your slots are taken. Finish or cancel one first, or raise your capacity "
        "in My profile."
    )


def _current_state(engagement: Engagement) -> str:
    return Engagement.objects.filter(pk=engagement.pk).values_list("state", flat=True).first()


def transition(
    engagement: Engagement,
    verb: Verb,
    *,
    actor: Employee | None,
    now: dt.datetime,
    message: str = "",
    **fields,
) -> None:
    """Move the engagement along RULES[verb], write its Event, tell whom the rule names
    (never the actor). Call inside a transaction."""
    check_role(verb, engagement, actor)
    rule = RULES[verb]
    (source,) = rule.states  # every state change has one source state
    # The state the caller holds may be stale: the conditional UPDATE decides.
    changed = Engagement.objects.filter(pk=engagement.pk, state=source).update(
        state=rule.to, **fields
    )
    if not changed:
        raise TransitionError(ALREADY.get(_current_state(engagement), "This cannot be done now."))
    engagement.state = rule.to
    for name, value in fields.items():
        setattr(engagement, name, value)
    Event.objects.create(
        engagement=engagement,
        actor=actor,
        verb=verb.value,
        from_state=source,
        to_state=rule.to,
        message=message,
        created_at=now,
    )
    tell(engagement, verb, actor=actor, now=now)


def tell(engagement: Engagement, verb: Verb, *, actor: Employee | None, now: dt.datetime) -> None:
    """Queue the notifications RULES[verb] names; the actor is never told of their own act.
    What asked the actor to act is settled: it reads as done, not as still waiting."""
    actor_id = actor.pk if actor else None
    row = [(engagement.pk, engagement.protege_id, engagement.mentor_id)]
    told = False
    occasion = f"by-{actor_id}" if RULES[verb].once_per_actor else ""
    for whom, kind in RULES[verb].tells:
        pairs = [(e, person) for e, person in audience(row, whom) if person != actor_id]
        queue(pairs, kind, now=now, actor_id=actor_id, occasion=occasion)
        told = told or bool(pairs)
    if told:
        transaction.on_commit(partial(enqueue_delivery, engagement.pk))
    if actor is not None and RULES[verb].settles:
        Notification.objects.filter(
            engagement=engagement,
            recipient=actor,
            kind__in=RULES[verb].settles,
            read_at__isnull=True,
        ).update(read_at=now)
    close_questions([engagement.pk], verb, now=now)


def close_questions(engagement_ids: list[int], verb: Verb, *, now: dt.datetime) -> None:
    """What RULES[verb] makes impossible to answer reads as done, for everyone."""
    if RULES[verb].closes:
        Notification.objects.filter(
            engagement_id__in=engagement_ids, kind__in=RULES[verb].closes, read_at__isnull=True
        ).update(read_at=now)


def queue(
    pairs: Iterable[tuple[int, int]],
    kind: str,
    *,
    now: dt.datetime,
    actor_id: int | None = None,
    occasion: str = "",
) -> None:
    """Notification rows for (engagement, person) pairs, for one transition or a whole
    sweep; the unique key drops repeats of the same occasion, which is what makes a
    second sweep, or a concurrent one, add nothing."""
    Notification.objects.bulk_create(
        (
            Notification(
                engagement_id=engagement,
                recipient_id=person,
                actor_id=actor_id,
                kind=kind,
                occasion=occasion,
                created_at=now,
                due_at=now,
            )
            for engagement, person in set(pairs)
        ),
        batch_size=QUEUE_BATCH,
        ignore_conflicts=True,
    )


def enqueue_delivery(engagement_id: int) -> None:
    """Ask a worker to email what was just queued. The rows are already stored: with the
    broker away, the request still succeeds and the sweep delivers them later. By name,
    so the state machine does not import the task module."""
    try:
        current_app.send_task("engagements.tasks.deliver_engagement", args=[engagement_id])
    except Exception:  # any broker failure: the outbox row is the promise, not the task
        log.warning("delivery of engagement %s left to the sweep", engagement_id, exc_info=True)


# Capacity: the mentor's stored load is claimed at accept and released when the
# engagement stops being active, in the same transaction as the state change. The claim
# is a conditional UPDATE on the mentor's row: two accepts racing for the last slot
# serialise on that row, and PostgreSQL re-checks the condition for the second, which
# then changes nothing and is refused.


def _claim_slot(mentor: Employee) -> None:
    claimed = Employee.objects.filter(
        pk=mentor.pk, mentoring_load__lt=F("mentoring_capacity")
    ).update(mentoring_load=F("mentoring_load") + 1)
    if not claimed:
        mentor.refresh_from_db(fields=["mentoring_capacity", "mentoring_load"])
        raise TransitionError(at_capacity_message(mentor))
    mentor.mentoring_load += 1


def release_load(per_mentor: Counter) -> None:
    """The mentors' slots back (one engagement or a sweep's thousands), one UPDATE per
    distinct count, never below zero."""
    by_count = defaultdict(list)
    for mentor, n in per_mentor.items():
        by_count[n].append(mentor)
    for n, mentors in by_count.items():
        Employee.objects.filter(pk__in=mentors, mentoring_load__gt=0).update(
            mentoring_load=Greatest(F("mentoring_load") - n, 0)
        )


@transaction.atomic
def accept(engagement: Engagement, *, by: Employee, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    transition(engagement, Verb.ACCEPT, actor=by, now=now, decided_at=now)
    # After the state change, so a double-click hears "already accepted", not "full"
    # (either refusal rolls the change back).
    end = engagement.end_date
    if end and end < engagement.program.today(now):
        raise TransitionError(
            f"Its dates are over: it was to end on {end.day} {end:%b %Y}. Decline it, or "
            f"ask {engagement.protege.first_name} to propose new dates."
        )
    _claim_slot(by)


@transaction.atomic
def decline(
    engagement: Engagement,
    *,
    by: Employee,
    reason: str,
    message: str = "",
    suggested_mentor: Employee | None = None,
    now: dt.datetime | None = None,
) -> None:
    now = now or timezone.now()
    if reason not in Engagement.DeclineReason.values:
        raise TransitionError("Choose a reason for declining.")
    if suggested_mentor and suggested_mentor.pk in (engagement.protege_id, by.pk):
        raise TransitionError("Suggest someone other than yourself or the protégé.")
    transition(
        engagement,
        Verb.DECLINE,
        actor=by,
        now=now,
        message=message,
        decided_at=now,
        decline_reason=reason,
        decline_message=message,
        suggested_mentor=suggested_mentor,
    )


@transaction.atomic
def withdraw(engagement: Engagement, *, by: Employee, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    transition(engagement, Verb.WITHDRAW, actor=by, now=now, closed_at=now)


@transaction.atomic
def expire(engagement: Engagement, *, now: dt.datetime | None = None) -> None:
    """No answer by the deadline (the sweep calls this)."""
    now = now or timezone.now()
    transition(engagement, Verb.EXPIRE, actor=None, now=now, closed_at=now)


@transaction.atomic
def complete(engagement: Engagement, *, now: dt.datetime | None = None) -> None:
    """The end date has passed (the sweep calls this): logging stops, wrap-up starts."""
    now = now or timezone.now()
    transition(engagement, Verb.COMPLETE, actor=None, now=now, closed_at=now)
    release_load(Counter([engagement.mentor_id]))


@transaction.atomic
def cancel(
    engagement: Engagement, *, by: Employee, reason: str, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    authorise(Verb.CANCEL, engagement, by)
    if not reason.strip():
        raise TransitionError("Say why you are cancelling: the other side deserves to know.")
    transition(
        engagement,
        Verb.CANCEL,
        actor=by,
        now=now,
        message=reason,
        closed_at=now,
        cancel_reason=reason,
    )
    release_load(Counter([engagement.mentor_id]))


@transaction.atomic
def answer_invitation(
    engagement: Engagement, *, by: Employee, join: bool, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    authorise(Verb.ANSWER_INVITATION, engagement, by)
    answer = Participant.Answer.ACCEPTED if join else Participant.Answer.DECLINED
    changed = Participant.objects.filter(
        engagement=engagement,
        employee=by,
        answer=Participant.Answer.INVITED,
        engagement__state__in=RULES[Verb.ANSWER_INVITATION].states,
    ).update(answer=answer, answered_at=now)
    if not changed:
        raise TransitionError(RULES[Verb.ANSWER_INVITATION].refusal)
    verb = Event.Verb.PEER_JOINED if join else Event.Verb.PEER_DECLINED
    Event.objects.create(engagement=engagement, actor=by, verb=verb, created_at=now)
    tell(engagement, Verb.ANSWER_INVITATION, actor=by, now=now)


def leave(engagement: Engagement, *, by: Employee, now: dt.datetime | None = None) -> None:
    """A peer who joined steps out (LEAVE): their meetings stay as logged."""
    now = now or timezone.now()
    authorise(Verb.LEAVE, engagement, by)
    changed = Participant.objects.filter(
        engagement=engagement,
        employee=by,
        answer=Participant.Answer.ACCEPTED,
        engagement__state__in=RULES[Verb.LEAVE].states,
    ).update(answer=Participant.Answer.LEFT, answered_at=now)
    if not changed:
        raise TransitionError(RULES[Verb.LEAVE].refusal)
    Event.objects.create(engagement=engagement, actor=by, verb=Event.Verb.PEER_LEFT, created_at=now)
    tell(engagement, Verb.LEAVE, actor=by, now=now)
