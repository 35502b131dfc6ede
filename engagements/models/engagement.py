"""An engagement and its parts: goals, activities, peers, meetings, wrap-up."""

from __future__ import annotations

import datetime as dt

from django.contrib.postgres.expressions import ArraySubquery
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models

from directory.links import fast_reverse
from directory.models import ChoiceLabels, Employee
from engagements.models.lookups import EqualsAny
from engagements.models.programme import Program


class TransitionError(Exception):
    """A state change that is not allowed now; the message is for the person."""


def is_current(since: dt.datetime) -> models.Q:
    """Under way: a draft, a proposal or running, or ended or cancelled since then (its
    wrap-up may still be waiting)."""
    under_way, ended_lately = current_parts(since)
    return under_way | ended_lately


def current_parts(since: dt.datetime) -> tuple[models.Q, models.Q]:
    """`is_current`'s halves, each an index condition on (person, state, closed_at)."""
    open_states = [Engagement.State.DRAFT, Engagement.State.PROPOSED, Engagement.State.ACTIVE]
    ended = [Engagement.State.COMPLETED, Engagement.State.CANCELLED]
    return models.Q(state__in=open_states), models.Q(state__in=ended, closed_at__gte=since)


def ids_involving(
    employee: Employee,
    *,
    current_since: dt.datetime | None = None,
    newest: int | None = None,
    dated: bool = False,
) -> models.QuerySet:
    """The ids of the engagements this person is in (drafts are the protégé's alone): a
    UNION of the roles, each served by its own index (an OR across the participants
    join read every engagement for every person, ~100 ms at 100 000; this, ~0.3 ms).
    Each part reads only what is asked: `current_since`, what may be current, from the
    (person, state, closed_at) indexes; `newest`, each role's newest that many, from the
    (person, created_at) indexes, which also hold the `dated` pairs (id, created_at).
    The peer part reads all of the person's peer answers (a person is a peer in few)."""
    ours = ("pk", "created_at") if dated else ("pk",)
    theirs = ("engagement_id", "engagement__created_at") if dated else ("engagement_id",)
    draft = Engagement.State.DRAFT
    peer_answers = [Participant.Answer.INVITED, Participant.Answer.ACCEPTED]
    # Two parts a role, not one with an OR: a plan made for any person and moment
    # (directory.compiled) could use neither half as an index condition, and read all.
    halves = [models.Q()] if current_since is None else current_parts(current_since)
    # .order_by(): no part of a UNION needs the model's default ordering.
    as_protege = [
        Engagement.objects.filter(half, protege=employee).order_by().values(*ours)
        for half in halves
    ]
    as_mentor = [
        Engagement.objects.filter(half, mentor=employee)
        .exclude(state=draft)
        .order_by()
        .values(*ours)
        for half in halves
    ]
    as_peer = (
        Participant.objects.filter(employee=employee, answer__in=peer_answers)
        .exclude(engagement__state=draft)
        .order_by()
        .values(*theirs)
    )
    if newest is not None and connection.features.supports_slicing_ordering_in_compound:
        # (SQLite, the embedded default, cannot limit a part of a UNION: it reads all.)
        as_protege = [part.order_by("-created_at", "-pk")[:newest] for part in as_protege]
        as_mentor = [part.order_by("-created_at", "-pk")[:newest] for part in as_mentor]
        as_peer = as_peer.order_by("-engagement__created_at", "-engagement_id")[:newest]
    first, *rest = [*as_protege, *as_mentor, as_peer]
    return first.union(*rest)


class EngagementQuerySet(models.QuerySet):
    def for_mentor(self, employee: Employee) -> EngagementQuerySet:
        return self.filter(mentor=employee)

    def for_protege(self, employee: Employee) -> EngagementQuerySet:
        return self.filter(protege=employee)

    def active(self) -> EngagementQuerySet:
        return self.filter(state=Engagement.State.ACTIVE)

    def proposed(self) -> EngagementQuerySet:
        return self.filter(state=Engagement.State.PROPOSED)

    def involving(
        self,
        employee: Employee,
        *,
        current_since: dt.datetime | None = None,
        newest: int | None = None,
    ) -> EngagementQuerySet:
        """Everything this person is in: as protégé, as mentor, or as a peer who was
        invited or joined (`ids_involving`); `current_since`, only what is current."""
        only = models.Q() if current_since is None else is_current(current_since)
        ids = ids_involving(employee, current_since=current_since, newest=newest)
        return self.filter(only, pk__in=ids)

    def matching_text(self, text: str) -> EngagementQuerySet:
        """Those whose title, protégé or mentor contains the text, without joining the
        people: the names are a subquery. On PostgreSQL it is `= ANY(ARRAY(…))`, which,
        unlike `IN (subquery)`, an index can serve, so a rare word is a BitmapOr of the
        title's trigram index and the protégé and mentor indexes, and a common word
        an index walk newest first that stops at the page's end (EXPLAIN ANALYZE at
        100 000 engagements: "negotiation", 10 000 matches, 0.3 ms for page 1; the OR
        across two joins it replaces took ~500 ms, a UNION of the three ~115 ms)."""
        names = Employee.objects.filter(full_name__icontains=text).order_by().values("pk")
        if connection.vendor == "postgresql":
            people = models.Q(EqualsAny(models.F("protege"), ArraySubquery(names))) | models.Q(
                EqualsAny(models.F("mentor"), ArraySubquery(names))
            )
        else:
            people = models.Q(protege__in=names) | models.Q(mentor__in=names)
        return self.filter(models.Q(title__icontains=text) | people)

    def distinct_mentors_since(self, since: dt.datetime) -> int:
        """How many different mentors these engagements had since then (the method's aim
        for a protégé: about six a year)."""
        return (
            self.filter(
                state__in=[Engagement.State.ACTIVE, Engagement.State.COMPLETED],
                decided_at__gte=since,
            )
            .values("mentor")
            .distinct()
            .count()
        )

    def for_cards(self, *, mentors_known: bool = False) -> EngagementQuerySet:
        """Everything an engagement card shows, in a fixed number of queries. With
        `mentors_known` (the cards are all one mentor's, who the caller sets on each) the
        mentor's row is not read again with every card: in the inbox, a sixth of the
        cards' query (~1 ms for a dozen)."""
        mentor = [] if mentors_known else ["mentor__department"]
        return self.select_related(
            "protege__department", *mentor, "suggested_mentor"
        ).prefetch_related(
            "goals",
            "activities",
            models.Prefetch(
                "participants", queryset=Participant.objects.select_related("employee")
            ),
        )


class Engagement(ChoiceLabels, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    class Role(models.TextChoices):
        SHADOWING = "shadowing", "Shadowing the mentor"
        ASSISTING = "assisting", "Assisting on a project"
        DISCUSSIONS = "discussions", "Regular discussions"
        OTHER = "other", "Other (described below)"

    class DeclineReason(models.TextChoices):
        NOT_NOW = "not_now", "Not the right time for me"
        EXPERTISE = "expertise", "Outside my expertise"
        CAPACITY = "capacity", "I'm at capacity — try someone else"
        OTHER = "other", "Another reason"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="engagements")
    # No own index: the (person, state, closed_at) and (person, created_at) ones serve them.
    protege = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="engagements_as_protege", db_index=False
    )
    mentor = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="engagements_as_mentor", db_index=False
    )
    title = models.CharField(max_length=120)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    role_detail = models.TextField("What you will do", blank=True)
    note = models.TextField("Note to the mentor", blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    budget_minutes = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ons"
    )
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decline_message = models.TextField(blank=True)
    suggested_mentor = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A person's part of the engagements (`involving`): what is current, by state
            # and, for those that ended, since when; newest first, a page's worth. Before
            # them, (person, state) and the foreign keys' own indexes made each of these
            # read all of a busy mentor's engagements (`involving` says how many).
            models.Index(fields=["mentor", "state", "closed_at"]),
            models.Index(fields=["protege", "state", "closed_at"]),
            # No drafts (never the mentor's): a plan made for any mentor sorted all of a
            # busy one's engagements rather than check each row's state.
            models.Index(
                models.F("mentor"),
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="engagement_mentor_newest",
                condition=~models.Q(state="draft"),
            ),
            models.Index(
                models.F("protege"),
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="engagement_protege_newest",
            ),
            # The inbox's "Recently answered": the mentor's last ten decisions, 33 rows
            # read (0.06 ms) where all the mentor's were read and sorted (652, 0.76 ms).
            models.Index(
                models.F("mentor"),
                models.F("decided_at").desc(),
                models.F("id").desc(),
                name="engagement_mentor_decided",
            ),
            models.Index(fields=["state", "end_date"]),
            models.Index(fields=["state", "expires_at"]),
            # The programme list, newest proposal first, a keyset page at a time: page 1
            # went from a sort of the whole table (~400 ms) to an index scan of 31 rows.
            models.Index(
                models.F("proposed_at").desc(), models.F("id").desc(), name="engagement_newest"
            ),
            # The reports' period and the programme list's date filters.
            models.Index(fields=["program", "proposed_at"], name="engagement_program_proposed"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return fast_reverse("engagements:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.PROPOSED, self.State.ACTIVE)

    @property
    def was_accepted(self) -> bool:
        """It ran (or runs): its time and meetings are worth showing."""
        return self.state in (self.State.ACTIVE, self.State.COMPLETED, self.State.CANCELLED)

    def minutes_used(self) -> int:
        return self.meetings.aggregate(total=models.Sum("minutes"))["total"] or 0

    @property
    def wrap_up_or_none(self) -> WrapUp | None:
        # The reverse one-to-one raises when there is no row yet.
        return getattr(self, "wrap_up", None)


class Goal(ChoiceLabels, models.Model):
    class Outcome(models.TextChoices):
        MET = "met", "Met"
        PARTLY = "partly", "Partly met"
        NOT_MET = "not_met", "Not met"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    measure = models.CharField("Measure of success", max_length=300, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description


class Activity(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        SHADOW = "shadow", "Shadowing session"
        INTERVIEW = "interview", "Structured interview"
        DISCUSSION = "discussion", "Discussion"
        REVIEW = "review", "Review of my work"
        WORKING = "working", "Working session"
        OTHER = "other", "Other"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=200, blank=True)
    count = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    minutes_each = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.count} × {self.get_kind_display()} of {self.minutes_each} min"


class Participant(ChoiceLabels, models.Model):
    """A peer invited to join the protégé's engagement (rule 5)."""

    class Answer(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Joined"
        DECLINED = "declined", "Declined"
        LEFT = "left", "Left"

    engagement = models.ForeignKey(Engagement, models.CASCADE, related_name="participants")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="participations")
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.INVITED)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "employee"], name="one_invitation")
        ]

    def __str__(self) -> str:
        return f"{self.employee} in {self.engagement}"


class Meeting(models.Model):
    """A logged meeting. The note is private to the engagement's participants."""

    SHORTEST = 5  # minutes: a meeting, not a message
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField()
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SHORTEST), MaxValueValidator(480)]
    )
    note = models.TextField(blank=True)
    logged_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.held_on}"


class WrapUpQuerySet(models.QuerySet):
    def thanks_for(self, mentor: Employee, *, looking_back: int = 20) -> WrapUpQuerySet:
        """The thank-you notes of a mentor's last `looking_back` completed engagements
        (the only ones thanked), those that ended last first. Sorting every note read
        all of a busy mentor's engagements and notes; this reads at most their completed
        ones, from the (mentor, state, closed_at) index, then `looking_back` notes."""
        last = Engagement.objects.filter(mentor=mentor, state=Engagement.State.COMPLETED)
        last = last.order_by("-closed_at").values("pk")[:looking_back]
        return (
            self.filter(engagement__in=last, thanked_at__isnull=False)
            .select_related("engagement__protege")
            .order_by("-engagement__closed_at", "-engagement_id")
        )


class WrapUp(models.Model):
    """The end of an engagement: the protégé's thanks, the mentor's advice on what next."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="wrap_up")
    thank_you = models.TextField(blank=True)
    thanked_at = models.DateTimeField(null=True, blank=True)
    next_area = models.CharField("Next area to develop", max_length=200, blank=True)
    next_mentor = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    advised_at = models.DateTimeField(null=True, blank=True)

    objects = WrapUpQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Wrap-up of {self.engagement}"
