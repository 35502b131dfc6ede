"""Plans (mentorship.demo.history) into rows, exactly as the workflow writes them: an
Event per transition (engagements.transitions, engagements.meetings), the Notifications
RULES names (never to the actor, one per unique key, settled ones read), the sweep's
reminders with their occasions, and everything old already emailed and mostly read.
Inserted with bulk_create in batches: no workflow call per row."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection

from engagements import rules
from engagements.models import (
    Activity,
    Engagement,
    Event,
    Goal,
    Meeting,
    Notification,
    Participant,
    Program,
    WrapUp,
)
from mentorship.demo import history_words as words
from mentorship.demo.bulk import Table
from mentorship.demo.history_plan import Plan

State = Engagement.State
Kind = Notification.Kind
Verb = Event.Verb
CHUNK = 5000

Audience = rules.Audience
# The events of the verbs that are not transitions (engagements.meetings); a transition's
# event has the transition's name.
EVENTS = {rules.Verb.THANK: Verb.THANKED, rules.Verb.ADVISE: Verb.ADVISED}


def sweep_lag(rng: random.Random) -> dt.timedelta:
    """How long after something falls due the periodic sweep (its beat schedule) acts."""
    return dt.timedelta(seconds=rng.randint(1, settings.CELERY_BEAT_SCHEDULE["sweep"]["schedule"]))


class Outbox:
    """One engagement's notifications: the first of a unique key wins, as in `queue`."""

    def __init__(self):
        self.rows: dict[tuple[str, int, str], list] = {}

    def tell(self, kind, people, at, actor=None, occasion=""):
        for person in people:
            if person != actor:
                self.rows.setdefault((kind, person, occasion), [at, actor, None])

    def settle(self, person, kinds, at):
        for (kind, recipient, _), row in self.rows.items():
            if recipient == person and kind in kinds and row[2] is None and row[0] <= at:
                row[2] = at


class Writer:
    def __init__(self, program: Program, now: dt.datetime, rng: random.Random):
        self.program, self.now, self.rng = program, now, rng
        models = (Goal, Activity, Participant, Meeting, WrapUp, Event, Notification)
        self.tables = {Engagement: Table(Engagement, with_pk=True)}
        self.tables.update({model: Table(model) for model in models})

    def write(self, plans: Iterable[Plan]) -> int:
        written = 0
        for plan in plans:
            self.add(plan)
            written += 1
            if written % CHUNK == 0:
                self.flush()
        self.flush()
        # The engagements came with their own ids: move the sequence past them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Engagement]):
                cursor.execute(sql)
        return written

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def sweep_after(self, at: dt.datetime) -> dt.datetime:
        """When the periodic sweep acts on something due at `at` (due by now: acted on)."""
        return min(at + sweep_lag(self.rng), self.now)

    def midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), self.program.zone)

    def add(self, plan: Plan) -> None:
        tables, program, pk = self.tables, self.program, plan.pk
        tables[Engagement].add(
            id=pk,
            program_id=program.pk,
            protege_id=plan.protege,
            mentor_id=plan.mentor,
            title=plan.title[:120],
            role=plan.role,
            role_detail=plan.role_detail,
            start_date=plan.start,
            end_date=plan.end,
            budget_minutes=plan.budget,
            state=plan.state,
            follows_id=plan.follows,
            decline_reason=plan.decline_reason,
            decline_message=words.DECLINE_MESSAGES.get(plan.decline_reason, ""),
            suggested_mentor_id=plan.suggested_mentor,
            cancel_reason=plan.cancel_reason,
            created_at=plan.created_at,
            proposed_at=plan.proposed_at,
            expires_at=plan.expires_at,
            decided_at=plan.decided_at,
            closed_at=plan.closed_at,
        )
        outcomes = plan.outcomes or [""] * len(plan.goals)
        for i, ((description, measure), outcome) in enumerate(
            zip(plan.goals, outcomes, strict=True)
        ):
            tables[Goal].add(
                engagement_id=pk,
                position=i,
                description=description,
                measure=measure,
                outcome=outcome,
            )
        for i, (kind, count, minutes) in enumerate(plan.activities):
            tables[Activity].add(
                engagement_id=pk, position=i, kind=kind, count=count, minutes_each=minutes
            )
        for peer in plan.peers:
            tables[Participant].add(
                engagement_id=pk,
                employee_id=peer.employee,
                answer=peer.answer,
                answered_at=peer.answered_at,
            )
        stop = plan.closed_at or self.now
        for held, minutes, by, note in plan.meetings:
            tables[Meeting].add(
                engagement_id=pk,
                held_on=held,
                minutes=minutes,
                note=note,
                logged_by_id=by,
                created_at=min(self.midnight(held) + dt.timedelta(hours=17), stop),
            )
        if plan.thanked_at or plan.advised_at:
            tables[WrapUp].add(
                engagement_id=pk,
                thank_you=plan.thank_you,
                thanked_at=plan.thanked_at,
                next_area=plan.next_area,
                next_mentor_id=plan.next_mentor,
                advised_at=plan.advised_at,
            )
        self.history(plan)

    def history(self, plan: Plan) -> None:
        """The Events and Notifications of this engagement's life, in time order."""
        now, rng, out, events = self.now, self.rng, Outbox(), []
        protege, mentor, peers = plan.protege, plan.mentor, plan.peers

        def event(at, verb, actor=None, source="", to="", message=""):
            events.append((at, verb, actor, source, to, message))

        def joined(at):
            return [p.employee for p in peers if p.answer == "accepted" and p.answered_at <= at]

        def still_invited(at):
            return [p.employee for p in peers if not (p.answered_at and p.answered_at <= at)]

        decided = plan.decided_at or plan.closed_at  # the end of "proposed"
        open_until = plan.closed_at or (plan.decided_at if plan.state == State.DECLINED else None)
        steps = [(plan.created_at, 0, "drafted"), (plan.proposed_at, 1, "propose")]
        steps += [(p.answered_at, 2, p) for p in peers if p.answered_at]
        due = plan.proposed_at + dt.timedelta(days=self.program.remind_unanswered_after_days)
        waited = self.sweep_after(due)
        if due <= now and (decided is None or decided > waited):
            steps.append((waited, 3, "remind_unanswered"))
        if due <= now and (open_until is None or open_until > waited):
            steps.append((waited, 3, "remind_invitation"))
        if plan.decided_at:
            steps.append((plan.decided_at, 4, "decide"))
        if plan.state in (State.ACTIVE, State.COMPLETED, State.CANCELLED):
            days = self.program.remind_before_end_days
            before = self.midnight(plan.end - dt.timedelta(days=days))
            due = max(before, plan.decided_at)
            ending = self.sweep_after(due)
            if due <= now and (plan.closed_at is None or plan.closed_at > ending):
                steps.append((ending, 5, "remind_ending"))
        if plan.closed_at:
            steps.append((plan.closed_at, 6, "close"))
        if plan.state == State.COMPLETED:
            due = self.midnight(plan.end + dt.timedelta(days=self.program.remind_wrapup_after_days))
            nag = self.sweep_after(due)
            if due <= now:
                steps.append((nag, 7, "remind_wrapup"))
            if plan.thanked_at:
                steps.append((plan.thanked_at, 8, "thanked"))
            if plan.advised_at:
                steps.append((plan.advised_at, 9, "advised"))

        def audience(whom: Audience, at) -> list[int]:
            # engagements.rules.audience, on the plan instead of the rows.
            return {
                Audience.PROTEGE: [protege],
                Audience.MENTOR: [mentor],
                Audience.JOINED_PEERS: joined(at),
                Audience.INVITED_PEERS: [*still_invited(at), *joined(at)],
            }[whom]

        def act(at, verb: rules.Verb, actor=None, message="", recorded=None):
            """What the workflow writes for `verb` (RULES): its event (the transition's
            states), a notification to everyone it tells but the actor, and the actor's
            notifications it settles."""
            rule = rules.RULES[verb]
            (source,) = rule.states if rule.to else ("",)
            recorded = recorded or EVENTS.get(verb, verb.value)
            event(at, recorded, actor, source, rule.to or "", message)
            for whom, kind in rule.tells:
                out.tell(kind, audience(whom, at), at, actor)
            if actor is not None and rule.settles:
                out.settle(actor, rule.settles, at)

        for at, _, step in sorted(steps, key=lambda s: (s[0], s[1])):
            if not isinstance(step, str):  # a peer's answer
                answered = Verb.PEER_JOINED if step.answer == "accepted" else Verb.PEER_DECLINED
                act(at, rules.Verb.ANSWER_INVITATION, step.employee, recorded=answered)
            elif step == "drafted":
                event(at, Verb.DRAFTED, protege)
            elif step == "propose":
                act(at, rules.Verb.PROPOSE, protege)
            elif step == "remind_unanswered":
                out.tell(Kind.REMIND_UNANSWERED, [mentor], at, occasion="unanswered")
            elif step == "remind_invitation":
                out.tell(Kind.REMIND_INVITATION, still_invited(at), at, occasion="invitation")
            elif step == "decide" and plan.state == State.DECLINED:
                message = words.DECLINE_MESSAGES[plan.decline_reason]
                act(at, rules.Verb.DECLINE, mentor, message)
            elif step == "decide":
                act(at, rules.Verb.ACCEPT, mentor)
            elif step == "remind_ending":
                people = [protege, mentor, *joined(at)]
                out.tell(Kind.REMIND_ENDING, people, at, occasion="ending")
            elif step == "close":
                # The verb whose rule ends in the plan's state, by whom the plan says.
                verb = next(v for v, rule in rules.RULES.items() if rule.to == plan.state)
                if verb == rules.Verb.CANCEL:
                    act(at, verb, plan.cancelled_by, plan.cancel_reason)
                else:
                    act(at, verb, protege if verb == rules.Verb.WITHDRAW else None)
            elif step == "remind_wrapup":
                if not (plan.thanked_at and plan.thanked_at <= at):
                    out.tell(Kind.REMIND_WRAPUP, [protege], at, occasion="wrapup")
                if not (plan.advised_at and plan.advised_at <= at):
                    out.tell(Kind.REMIND_WRAPUP, [mentor], at, occasion="wrapup")
            elif step == "thanked":
                act(at, rules.Verb.THANK, protege)
            elif step == "advised":
                act(at, rules.Verb.ADVISE, mentor)

        for at, verb, actor, source, to, message in events:
            self.tables[Event].add(
                engagement_id=plan.pk,
                actor_id=actor,
                verb=verb,
                from_state=source,
                to_state=to,
                message=message,
                created_at=at,
            )
        for (kind, person, occasion), (at, actor, read) in out.rows.items():
            if read is None and now - at > dt.timedelta(days=3) and rng.random() < 0.85:
                read = min(at + dt.timedelta(hours=rng.uniform(0.2, 48)), now)
            sent = min(at + dt.timedelta(seconds=rng.randint(5, 120)), now)
            self.tables[Notification].add(
                engagement_id=plan.pk,
                recipient_id=person,
                actor_id=actor,
                kind=kind,
                occasion=occasion,
                created_at=at,
                due_at=at,
                claimed_at=at,
                attempts=1,
                sent_at=sent,
                outcome=Notification.Outcome.SENT,
                read_at=read,
            )
