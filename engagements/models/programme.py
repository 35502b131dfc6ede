"""The programme: its rules (what a proposal may ask for, when the sweep acts), its
admins and its clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from directory.compiled import Compiled
from directory.models import TIME_ZONE_CHOICES, Employee


class ProgramQuerySet(models.QuerySet):
    def administered_by(self, employee: Employee | None) -> ProgramQuerySet:
        return self.filter(admins=employee) if employee else self.none()


class Program(models.Model):
    """The programme's rules: what a proposal may ask for and when the sweep acts."""

    name = models.CharField(max_length=100, unique=True)
    max_goals = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    max_peers = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(2)]
    )
    max_length_days = models.PositiveSmallIntegerField(
        default=42, validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    expire_after_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="An unanswered proposal expires after this many days.",
    )
    remind_unanswered_after_days = models.PositiveSmallIntegerField(default=3)
    remind_before_end_days = models.PositiveSmallIntegerField(default=3)
    remind_wrapup_after_days = models.PositiveSmallIntegerField(default=2)
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default=settings.DEFAULT_TIME_ZONE
    )
    admins = models.ManyToManyField(Employee, blank=True, related_name="administered_programs")
    is_default = models.BooleanField(default=False)

    objects = ProgramQuerySet.as_manager()

    # The rules an admin edits in the app, in the order the settings page shows them,
    # with the names people read (the change history uses the same names).
    RULES = {
        "max_goals": "Goals per engagement, at most",
        "max_peers": "Peers per engagement, at most",
        "max_length_days": "Longest engagement (days)",
        "expire_after_days": "An unanswered proposal expires after (days)",
        "remind_unanswered_after_days": "Remind the mentor of an unanswered proposal after (days)",
        "remind_before_end_days": "Remind everyone before the end date (days before)",
        "remind_wrapup_after_days": "Remind of the wrap-up after the end (days)",
        "time_zone": "Time zone (the programme's date: start, end, expiry, reminders)",
    }

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_program",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Program:
        program = _DEFAULT.first()
        return program or cls.objects.get_or_create(name="Micro-mentoring", is_default=True)[0]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The programme's date: the one clock of every rule about start, end, expiry and
        reminders. A person's own time zone is for display only."""
        return timezone.localdate(now or timezone.now(), timezone=self.zone)

    def end_of_day(self, day: dt.date) -> dt.datetime:
        """The last instant of `day` in the programme's zone: an end date holds until then."""
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)
        return midnight - dt.timedelta(microseconds=1)


# Read by most pages (its clock, its rules): SQL compiled once (directory.compiled).
_DEFAULT = Compiled(lambda: Program.objects.filter(is_default=True))
