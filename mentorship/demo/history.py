"""A believable programme history in bulk (`seed_demo --engagements N`).

Proposals arrive over the last three years, more each year as the programme grows, on
working days. Each one is lived through in time order: the mentor answers (or not), an
accepted engagement runs from its start to its agreed end, time is logged, the protégé
thanks and the mentor advises, and some advice becomes a follow-on. The capacity rules
hold throughout: nobody proposes to a mentor at capacity, and an accept counts every
engagement of that mentor that overlaps it, so no instant ever has more active
engagements than slots. Plans are turned into rows by mentorship.demo.history_rows,
exactly as the workflow writes them. Deterministic: one seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from directory.models import Employee
from engagements.models import Engagement, Program
from mentorship.demo import history_words as words
from mentorship.demo.company import fixed_people
from mentorship.demo.history_plan import Company, Peer, Plan
from mentorship.demo.history_rows import Writer, sweep_lag
from mentorship.models import SeededHistory

State = Engagement.State
Reason = Engagement.DeclineReason
FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)
YEARS = 3
# At this size the demo logins join the history: the busy mentor gets about this many
# engagements and waiting proposals, the demo protégé about this many of her own.
BUSY_AT = 20_000
BUSY_HISTORY, BUSY_WAITING, PROTEGE_HISTORY = 260, 15, 15
# (answer, weight) for an ordinary mentor and for the busy one.
ANSWERS = {False: ([State.ACTIVE, State.DECLINED, "silent", State.WITHDRAWN], [80, 10, 6, 4])}
ANSWERS[True] = ([State.ACTIVE, State.DECLINED, "silent", State.WITHDRAWN], [45, 38, 9, 8])


class Simulation:
    def __init__(self, company: Company, program: Program, now: dt.datetime, rng, first_pk):
        self.company, self.program, self.now, self.rng = company, program, now, rng
        self.today = program.today(now)
        self.next_pk, self.target = first_pk, 1
        self.follow_ons: list[tuple[dt.datetime, int, tuple]] = []
        # Per mentor, the (accepted, closed) spans of their engagements that may still matter.
        self.spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for mentor, decided, closed in Engagement.objects.filter(
            decided_at__isnull=False, state__in=[State.ACTIVE, State.COMPLETED, State.CANCELLED]
        ).values_list("mentor_id", "decided_at", "closed_at"):
            self.spans[mentor].append((decided, closed or FOREVER))

    def proposal_times(self, n: int) -> list[dt.datetime]:
        """Working-day, working-hour moments over the last three years, growing denser."""
        zone, rng, span = self.program.zone, self.rng, YEARS * 365
        first = self.today - dt.timedelta(days=span)
        times = []
        for _ in range(n):
            # Density grows linearly from 1 to 3 (inverse CDF of 0.5 + x on [0, 1)).
            x = (-1 + math.sqrt(1 + 8 * rng.random())) / 2
            day = first + dt.timedelta(days=min(int(x * (span + 1)), span))
            if day.weekday() >= 5:
                day -= dt.timedelta(days=day.weekday() - 4)  # the Friday before
            at = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), zone)
            times.append(min(at, self.now - dt.timedelta(minutes=rng.randint(1, 600))))
        return sorted(times)

    def load_at(self, mentor: int, at: dt.datetime) -> int:
        spans = self.spans[mentor]
        spans[:] = [s for s in spans if s[1] > at]  # later checks all start after `at`
        return sum(1 for start, stop in spans if start <= at < stop)

    def overlapping(self, mentor: int, start: dt.datetime, stop: dt.datetime) -> int:
        return sum(1 for a, b in self.spans[mentor] if a < stop and b > start)

    def run(self, n: int, target: int) -> Iterator[Plan]:
        """`n` more engagements for a history of `target`, oldest first."""
        rng, company = self.rng, self.company
        self.target = target
        times = self.proposal_times(n)
        window = self.now - dt.timedelta(days=self.program.expire_after_days - 1)
        recent = [i for i, t in enumerate(times) if t > window]
        waiting = set()
        if company.busy_mentor:
            already = Engagement.objects.proposed().filter(mentor=company.busy_mentor).count()
            waiting = set(rng.sample(recent, max(min(BUSY_WAITING - already, len(recent)), 0)))
        for i, at in enumerate(times):
            plan = self.propose(at, busy_waiting=i in waiting)
            if plan:
                self.live(plan, busy_waiting=i in waiting)
                yield plan

    def pick(self, at: dt.datetime, busy_waiting: bool) -> tuple | None:
        """(protégé, mentor, skill, follows, title) for a proposal made at `at`."""
        rng, company = self.rng, self.company
        while self.follow_ons and self.follow_ons[0][0] <= at:
            _, _, (protege, mentor, skill, follows, title) = heapq.heappop(self.follow_ons)
            if self.load_at(mentor, at) < company.capacity[mentor]:
                return protege, mentor, skill, follows, title
        for _attempt in range(8):
            protege = rng.choices(company.proteges, cum_weights=company.appetite)[0]
            if company.busy_protege and rng.random() < PROTEGE_HISTORY / self.target:
                protege = company.busy_protege
            skill = rng.choice(company.interests[protege])
            mentor = company.expert(rng, skill, company.level[protege])
            busy = company.busy_mentor
            if busy and (busy_waiting or rng.random() < self.busy_share) and protege != busy:
                mentor, skill = busy, rng.choice(company.skills[busy])
                if busy_waiting:
                    return protege, mentor, skill, None, ""
            if mentor is None or mentor == protege:
                continue
            if self.load_at(mentor, at) < company.capacity[mentor]:
                return protege, mentor, skill, None, ""
        # A small company's usual experts are all busy: anyone with a free slot will do.
        for mentor in rng.sample(company.mentors, min(len(company.mentors), 40)):
            if mentor != protege and self.load_at(mentor, at) < company.capacity[mentor]:
                return protege, mentor, rng.choice(company.skills[mentor]), None, ""
        return None

    def propose(self, at: dt.datetime, busy_waiting: bool) -> Plan | None:
        rng, program = self.rng, self.program
        picked = self.pick(at, busy_waiting)
        if picked is None:
            return None
        protege, mentor, skill, follows, title = picked
        plan = Plan(
            pk=self.next_pk,
            protege=protege,
            mentor=mentor,
            skill=skill,
            follows=follows,
            proposed_at=at,
            created_at=at - dt.timedelta(minutes=rng.randint(3, 2 * 24 * 60)),
            expires_at=at + dt.timedelta(days=program.expire_after_days),
            title=title or rng.choice(words.TITLES).format(skill=skill),
        )
        self.next_pk += 1
        plan.role, detail = rng.choice(words.ROLES)
        plan.role_detail = detail.format(skill=skill)
        goals = 2 if rng.random() < 0.7 else 1
        plan.goals = [
            (g.format(skill=skill), m.format(skill=skill))
            for g, m in rng.sample(words.GOALS, min(goals, program.max_goals))
        ]
        plan.activities = rng.sample(words.ACTIVITIES, rng.choices([1, 2, 3], [3, 5, 2])[0])
        plan.start = plan.proposed_at.astimezone(program.zone).date() + dt.timedelta(
            days=rng.randint(0, 10)
        )
        length = min(rng.choices([14, 21, 28, 35, 42], [2, 4, 3, 2, 2])[0], program.max_length_days)
        plan.end = plan.start + dt.timedelta(days=length - 1)
        peers = rng.choices([0, 1, 2], [62, 28, 10])[0]
        learners = self.company.learners.get(skill, [])
        for peer in rng.sample(learners, min(len(learners), min(peers, program.max_peers) + 2)):
            if peer not in (protege, mentor) and len(plan.peers) < min(peers, program.max_peers):
                plan.peers.append(Peer(peer))
        return plan

    @property
    def busy_share(self) -> float:
        return BUSY_HISTORY / self.target

    def live(self, plan: Plan, busy_waiting: bool) -> None:
        """Decide what happened to the proposal, and to the engagement if it ran; the
        invited peers answer while it is open."""
        self.decide(plan, busy_waiting)
        if plan.state == State.DECLINED:
            self.answer_peers(plan, until=plan.decided_at)
        else:
            self.answer_peers(plan, until=plan.closed_at or self.now)

    def decide(self, plan: Plan, busy_waiting: bool) -> None:
        rng, now, hour = self.rng, self.now, dt.timedelta(hours=1)
        busy = plan.mentor == self.company.busy_mentor
        states, weights = ANSWERS[busy]
        answer = rng.choices(states, weights)[0]
        delay = rng.choices(
            [rng.uniform(0.3, 8), rng.uniform(8, 48), rng.uniform(48, 24 * 6)], [50, 35, 15]
        )[0]
        at = plan.proposed_at + delay * hour
        if answer == State.WITHDRAWN:
            at = plan.proposed_at + rng.uniform(1, 72) * hour
        if answer == "silent" or busy_waiting:
            at = plan.expires_at + sweep_lag(rng)
        if at > now or busy_waiting:
            if plan.expires_at > now:
                return  # still waiting for the mentor
            at = min(plan.expires_at + sweep_lag(rng), now)
            answer = "silent"
        if answer == "silent":
            plan.state, plan.closed_at = State.EXPIRED, at
            return
        if answer == State.WITHDRAWN:
            plan.state, plan.closed_at = State.WITHDRAWN, at
            return
        plan.decided_at = at
        if answer == State.ACTIVE:
            self.run_engagement(plan)
        if plan.state == State.PROPOSED:
            plan.state = State.DECLINED
            reason = rng.choices(Reason.values, [40, 25, 25, 10])[0]
            plan.decline_reason = plan.decline_reason or reason
            if plan.decline_reason == Reason.EXPERTISE and rng.random() < 0.6:
                other = self.company.expert(rng, plan.skill, self.company.level[plan.mentor])
                if other not in (None, plan.protege, plan.mentor):
                    plan.suggested_mentor = other

    def answer_peers(self, plan: Plan, until: dt.datetime) -> None:
        for peer in plan.peers:
            answer = self.rng.choices(["accepted", "declined", "invited"], [62, 15, 23])[0]
            at = plan.proposed_at + dt.timedelta(hours=self.rng.uniform(0.5, 96))
            if answer != "invited" and at < until:
                peer.answer, peer.answered_at = answer, at

    def run_engagement(self, plan: Plan) -> None:
        rng, program, now, today = self.rng, self.program, self.now, self.today
        if plan.start > today:
            plan.end -= plan.start - today
            plan.start = today  # an active engagement has begun
        ends = program.end_of_day(plan.end)
        if plan.end < today:
            stop, plan.state = (
                ends + dt.timedelta(microseconds=1, seconds=rng.randint(1, 300)),
                State.COMPLETED,
            )
            stop = min(stop, now)
        else:
            stop, plan.state = FOREVER, State.ACTIVE
        if rng.random() < 0.05:
            begun = max(plan.decided_at, program.end_of_day(plan.start) - dt.timedelta(hours=16))
            latest = min(ends, now)
            if begun < latest:
                stop = begun + (latest - begun) * rng.random()
                plan.state, plan.closed_at = State.CANCELLED, stop
                plan.cancel_reason = rng.choice(words.CANCEL_REASONS)
                plan.cancelled_by = rng.choice([plan.protege, plan.mentor])
        # Conservative: every overlapping span counts, so no instant exceeds capacity.
        # The busy mentor keeps a slot free now, so the proposals waiting for him are fair.
        room = self.company.capacity[plan.mentor]
        if stop == FOREVER and plan.mentor == self.company.busy_mentor:
            room -= 1
        if self.overlapping(plan.mentor, plan.decided_at, stop) >= room:
            plan.state, plan.closed_at, plan.cancel_reason = State.PROPOSED, None, ""
            plan.cancelled_by, plan.decline_reason = None, Reason.CAPACITY
            return  # declined: at capacity
        self.spans[plan.mentor].append((plan.decided_at, stop))
        if plan.state == State.COMPLETED:
            plan.closed_at = stop
        self.log_time(plan)
        if plan.state == State.COMPLETED:
            self.wrap_up(plan)

    def log_time(self, plan: Plan) -> None:
        """Meetings along the planned activities, up to today, within the budget."""
        rng, today = self.rng, self.today
        last = min(plan.end, today)
        if plan.closed_at and plan.state == State.CANCELLED:
            last = min(last, plan.closed_at.astimezone(self.program.zone).date())
        first = max(plan.start, plan.decided_at.astimezone(self.program.zone).date())
        if last < first:
            return
        # Most use (nearly) all the budget they planned; logging past it is refused.
        shares = [1.0, rng.uniform(0.85, 1), rng.uniform(0.5, 0.85), 0]
        share = rng.choices(shares, [25, 35, 32, 8])[0]
        if plan.state != State.COMPLETED:
            share *= (last - plan.start).days / max((plan.end - plan.start).days, 1)
        target = int(plan.budget * share)
        sessions = [m for _, count, m in plan.activities for _ in range(count)]
        days = (last - first).days
        step = max(days // max(len(sessions), 1), 1)
        logged = 0
        for n, minutes in enumerate(sessions):
            minutes = min(minutes, target - logged)
            if minutes < 5:
                break
            held = first + dt.timedelta(days=min(n * step + rng.randint(0, step - 1), days))
            by = plan.protege if rng.random() < 0.75 else plan.mentor
            plan.meetings.append((held, minutes, by, rng.choice(words.MEETING_NOTES)))
            logged += minutes

    def wrap_up(self, plan: Plan) -> None:
        rng, now, company = self.rng, self.now, self.company
        ended = plan.closed_at
        settled = now - ended > dt.timedelta(days=14)
        day = dt.timedelta(days=1)
        if rng.random() < (0.88 if settled else 0.45):
            plan.thanked_at = min(ended + day * rng.uniform(0.1, 6), now)
            plan.thank_you = rng.choice(words.THANKS).format(skill=plan.skill)
            plan.outcomes = [
                rng.choices(["met", "partly", "not_met"], [55, 32, 13])[0] for _ in plan.goals
            ]
        if rng.random() < (0.8 if settled else 0.4):
            plan.advised_at = min(ended + day * rng.uniform(0.1, 9), now)
            plan.next_area = rng.choice(words.NEXT_AREAS).format(skill=plan.skill)
            if rng.random() < 0.6:
                skill = rng.choice(company.interests.get(plan.protege) or [plan.skill])
                nxt = company.expert(rng, skill, company.level[plan.protege])
                if nxt not in (None, plan.protege, plan.mentor):
                    plan.next_mentor = nxt
        # Some advice becomes a follow-on, proposed once the protégé has said thank you.
        if plan.thanked_at and plan.advised_at and plan.next_mentor and rng.random() < 0.35:
            self.follow_on(plan, plan.next_mentor, plan.next_area)
        elif plan.thanked_at and rng.random() < 0.05:
            self.follow_on(plan, plan.mentor, plan.skill)

    def follow_on(self, plan: Plan, mentor: int, area: str) -> None:
        after = max(plan.thanked_at, plan.advised_at or plan.thanked_at)
        due = after + dt.timedelta(days=self.rng.uniform(1, 20))
        if due < self.now:
            title = f"Follow-on: {plan.title}"[:120]
            spec = (plan.protege, mentor, plan.skill, plan.pk, title)
            heapq.heappush(self.follow_ons, (due, plan.pk, spec))


@transaction.atomic
def seed_history(
    target: int, *, now: dt.datetime | None = None, busy_at: int = BUSY_AT, seed: int = 2026
) -> int:
    """Top the generated history up to `target` engagements; returns how many were added.
    Below `busy_at` the demo logins and the people around them stay out of it, so the
    hand-made demo (mentorship.demo.engagements) reads as written."""
    now = now or timezone.now()
    program = Program.default()
    mark = SeededHistory.objects.select_for_update().first() or SeededHistory.objects.create()
    missing = target - mark.engagements
    if missing <= 0:
        return 0
    busy = target >= busy_at
    rng = random.Random(f"{seed}:{mark.engagements}")
    company = Company(rng, busy=busy, exclude=set() if busy else {p.email for p in fixed_people()})
    first_pk = (Engagement.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    simulation = Simulation(company, program, now, rng, first_pk)
    added = Writer(program, now, rng).write(simulation.run(missing, target))
    refresh_mentoring_load()
    mark.engagements += added
    mark.seeded_at = now
    mark.save()
    return added


def refresh_mentoring_load() -> None:
    """Each mentor's stored load is their count of active engagements (one UPDATE)."""
    active = (
        Engagement.objects.active()
        .filter(mentor=OuterRef("pk"))
        .values("mentor")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Employee.objects.update(mentoring_load=Coalesce(Subquery(active), 0))
