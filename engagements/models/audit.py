"""What happened and whom it was told: the audit trail and the notification outbox."""

from __future__ import annotations

from django.db import models

from directory.models import ChoiceLabels, Employee
from engagements.models.engagement import Engagement
from engagements.models.programme import Program


class Event(ChoiceLabels, models.Model):
    """The audit trail: every state change and who made it (None: the system)."""

    class Verb(models.TextChoices):
        # A transition's event has the transition's name (see engagements.rules).
        DRAFTED = "drafted", "started the draft"
        PROPOSE = "propose", "proposed"
        ACCEPT = "accept", "accepted"
        DECLINE = "decline", "declined"
        WITHDRAW = "withdraw", "withdrew the proposal"
        EXPIRE = "expire", "expired: no answer in time"
        COMPLETE = "complete", "ended on the agreed date"
        CANCEL = "cancel", "cancelled"
        PEER_JOINED = "peer_joined", "joined as a peer"
        PEER_DECLINED = "peer_declined", "declined to join"
        PEER_LEFT = "peer_left", "left as a peer"
        THANKED = "thanked", "thanked the mentor"
        ADVISED = "advised", "suggested what next"
        MEETING_DELETED = "meeting_deleted", "deleted a meeting they had logged"

    # Why the sweep closed a proposal early (the message of its EXPIRE event): its page,
    # its emails and a copy of it say who left, as it was when it closed.
    MENTOR_LEFT = "The mentor is no longer in the directory."
    PROTEGE_LEFT = "The protégé is no longer in the directory."
    LEFT = {MENTOR_LEFT: "mentor", PROTEGE_LEFT: "protege"}

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=30, choices=Verb.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.verb} {self.engagement_id}"

    @property
    def label(self) -> str:
        if self.verb == self.Verb.EXPIRE and self.message in self.LEFT:
            return "closed without an answer"  # the message says why
        return self.get_verb_display()

    @classmethod
    def who_left(cls, engagement_id: int, events: list[Event] | None = None) -> str:
        """ "mentor" or "protege" when the proposal closed because that person left the
        directory, else "" (from `events` when the caller has read them)."""
        if events is None:
            found = cls.objects.filter(engagement_id=engagement_id, verb=cls.Verb.EXPIRE)
            messages = list(found.values_list("message", flat=True))
        else:
            messages = [e.message for e in events if e.verb == cls.Verb.EXPIRE]
        return next((cls.LEFT[m] for m in messages if m in cls.LEFT), "")


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def for_person(self, employee: Employee) -> NotificationQuerySet:
        return self.filter(recipient=employee)


class Notification(ChoiceLabels, models.Model):
    """One message to one person: the in-app feed and the email outbox in one table.
    The unique key makes every message, reminders included, happen exactly once."""

    class Kind(models.TextChoices):
        PROPOSAL_RECEIVED = "proposal_received", "New proposal"
        PEER_INVITED = "peer_invited", "Invitation to join"
        ACCEPTED = "accepted", "Proposal accepted"
        DECLINED = "declined", "Proposal declined"
        WITHDRAWN = "withdrawn", "Proposal withdrawn"
        EXPIRED = "expired", "Proposal expired"
        CANCELLED = "cancelled", "Engagement cancelled"
        COMPLETED = "completed", "Engagement completed"
        PEER_ANSWERED = "peer_answered", "Peer answered"
        PEER_LEFT = "peer_left", "Peer left"
        THANKED = "thanked", "Thank-you received"
        ADVISED = "advised", "Advice on what next"
        REMIND_UNANSWERED = "remind_unanswered", "Reminder: proposal waiting"
        REMIND_ENDING = "remind_ending", "Reminder: engagement ending soon"
        REMIND_WRAPUP = "remind_wrapup", "Reminder: wrap-up"
        REMIND_INVITATION = "remind_invitation", "Reminder: invitation waiting"

    # Reminders follow the person's email preference; every other kind is always emailed.
    REMINDERS = frozenset(
        {
            Kind.REMIND_UNANSWERED,
            Kind.REMIND_ENDING,
            Kind.REMIND_WRAPUP,
            Kind.REMIND_INVITATION,
        }
    )

    class Outcome(models.TextChoices):
        PENDING = "", "Waiting"
        SENT = "sent", "Emailed"
        DIGEST = "digest", "Emailed in the daily digest"
        OFF = "off", "Not emailed: reminder emails are off"
        LEFT = "left", "Not emailed: no longer in the directory"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="notifications")
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occasion = models.CharField(max_length=40, blank=True, default="")
    actor = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Delivery (engagements.delivery): a worker claims the row before sending; a claim
    # older than the lease is taken again, so a worker killed mid-send loses nothing.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    failed_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "kind", "recipient", "occasion"],
                name="notification_once",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # A person's feed, newest first: without it a busy mentor's feed sorts all of
            # their notifications (thousands over two years) to show 15.
            models.Index(
                "recipient",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="notification_feed",
            ),
            models.Index(fields=["sent_at", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"


class ProgramEvent(models.Model):
    """The programme's own audit trail: its rules or its admins changed, by whom, when.
    `changes` holds each change as {name: [old, new]} (for an admin: their name and
    email), so the record reads the same after the people in it are gone."""

    class Verb(models.TextChoices):
        RULES_CHANGED = "rules_changed", "changed the rules"
        ADMIN_ADDED = "admin_added", "added a programme admin"
        ADMIN_REMOVED = "admin_removed", "removed a programme admin"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=30, choices=Verb.choices)
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["program", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.program_id}"

    def lines(self) -> list[tuple[str, object, object]]:
        """(what, old, new) for each change, with the names the settings page uses."""
        names = {**Program.RULES, "admin": "Programme admin"}
        return [(names.get(key, key), old, new) for key, (old, new) in self.changes.items()]
