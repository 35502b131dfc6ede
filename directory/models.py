from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import slugify

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Named(models.Model):
    """A name people pick from a list, with a slug for URLs and filters."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.slug = self.slug or slugify(self.name)
        super().save(*args, **kwargs)


class Department(Named):
    pass


class Skill(Named):
    pass


class EmployeeQuerySet(models.QuerySet):
    def active(self) -> EmployeeQuerySet:
        return self.filter(is_active=True)

    def for_listing(self) -> EmployeeQuerySet:
        """What a card needs: department and mentoring load in the same query, skills in
        one more."""
        return self.with_load().select_related("department").prefetch_related("skills")

    def with_load(self) -> EmployeeQuerySet:
        """`load`: engagements this person mentors now."""
        from engagements.models import Engagement

        active = (
            Engagement.objects.filter(mentor=models.OuterRef("pk"), state="active")
            .values("mentor")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            load=Coalesce(models.Subquery(active, output_field=models.IntegerField()), 0)
        )

    def available_to_mentor(self, today: datetime.date) -> EmployeeQuerySet:
        """Open to mentoring, not snoozed, with a free slot."""
        return (
            self.with_load()
            .filter(open_to_mentoring=True, load__lt=models.F("mentoring_capacity"))
            .exclude(snoozed_until__gt=today)
        )

    def search(self, text: str) -> EmployeeQuerySet:
        from directory.search import search_employees

        return search_employees(self, text)


class Employee(models.Model):
    """A person in the company directory. Exists from the CSV import on; linked to a
    login `User` by email the first time that person signs in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )
    full_name = models.CharField(max_length=150)
    email = models.EmailField(unique=True)
    title = models.CharField(max_length=150, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="employees"
    )
    location = models.CharField(max_length=100, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    level = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Grade in the company's career ladder; mentors one or two above fit best.",
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="experts")
    interests = models.ManyToManyField(Skill, blank=True, related_name="learners")
    bio = models.TextField(blank=True)
    linkedin_url = models.URLField("LinkedIn profile", blank=True)
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default=settings.DEFAULT_TIME_ZONE
    )
    open_to_mentoring = models.BooleanField(default=True)
    mentoring_capacity = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(10)],
        help_text="How many engagements you will mentor at the same time.",
    )
    mentoring_hours_per_month = models.PositiveSmallIntegerField(
        default=8,
        validators=[MaxValueValidator(80)],
        help_text="Hours of mentoring you can promise in a month, across engagements.",
    )
    snoozed_until = models.DateField(
        "Not taking requests until",
        null=True,
        blank=True,
        help_text="Leave empty when you are taking requests.",
    )
    is_active = models.BooleanField(default=True)
    # Maintained by directory.search.refresh_search_vectors (PostgreSQL only).
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["department", "full_name"])]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("directory:employee", args=[self.pk])

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0]

    def availability(self, today: datetime.date) -> tuple[bool, str]:
        """(available, in words) for a card or a profile; needs `with_load()`."""
        if self.snoozed_until and self.snoozed_until > today:
            return False, f"Not taking requests until {self.snoozed_until:%-d %B %Y}"
        if not self.open_to_mentoring or not self.mentoring_capacity:
            return False, "Not mentoring now"
        free = self.mentoring_capacity - self.load
        if free <= 0:
            return False, "At capacity"
        return True, f"Open to mentoring · {free} slot{'s' if free != 1 else ''} free"

    @property
    def initials(self) -> str:
        parts = self.full_name.split()
        return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()

    def refresh_search(self) -> None:
        from directory.search import refresh_search_vectors

        refresh_search_vectors([self.pk])


class SearchTerm(models.Model):
    """Every word of the directory's search vectors: the vocabulary typos are corrected
    against ("pyton" → python, "smtih" → smith). Filled by refresh_search_vectors."""

    word = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.word
