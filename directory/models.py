from __future__ import annotations

import datetime
import functools
import re
import unicodedata
import zoneinfo

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.utils.functional import cached_property
from django.utils.text import slugify

from directory.links import fast_reverse

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]
MAX_MATCH_REASONS = 3


@functools.lru_cache(maxsize=50_000)
def folded(word: str) -> str:
    """Lower case without accents, as search compares words: "João" → joao. Remembered:
    a page of search results folds the same few hundred words ~600 times (~5 ms)."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c)
    )


def matching_words(text: str, search_words: list[str]) -> list[str]:
    """The words of `text`, as written, that start with one of the search's words (its
    stems and corrections, folded)."""
    found = []
    for word in dict.fromkeys(re.findall(r"[^\W_]+", text)):
        form = folded(word)
        # PostgreSQL's English stems end in i where the word ends in y (company → compani).
        if any(
            form.startswith(w) or (w.endswith("i") and form.startswith(w[:-1] + "y"))
            for w in search_words
        ):
            found.append(word)
    return found


class ChoiceLabels:
    """`get_FOO_display()` from a table made once per field. Django's builds a dict of
    the field's choices on every call (~10 µs), and the lists' badges call it on every
    row (the inbox ~80 times). For fields whose choices are fixed (TextChoices)."""

    def _get_FIELD_display(self, field: models.Field):
        value = getattr(self, field.attname)
        return choice_labels(field).get(value, value)


@functools.cache
def choice_labels(field: models.Field) -> dict:
    return {value: str(label) for value, label in field.flatchoices}


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
        """What a card needs: department in the same query, skills in one more, as a
        plain list (`skill_list`): a prefetch kept behind `skills.all()` builds a manager
        and a queryset for every card and every reading (~2.5 ms of a search page)."""
        return self.select_related("department").prefetch_related(
            models.Prefetch("skills", to_attr="skill_list")
        )

    def available_to_mentor(self, today: datetime.date) -> EmployeeQuerySet:
        """Open to mentoring, not snoozed on `today`, with a free slot: the one definition
        that proposing, accepting, suggestions and the directory filter share."""
        return self.filter(
            is_active=True,
            open_to_mentoring=True,
            mentoring_load__lt=models.F("mentoring_capacity"),
        ).exclude(snoozed_until__gt=today)


@functools.lru_cache(maxsize=8)
def available_to_mentor_sql(today: datetime.date) -> tuple[str, tuple]:
    """`available_to_mentor(today)` as a WHERE condition on "directory_employee" and its
    parameters, for ranking SQL written as text (engagements.matching): compiled from
    the queryset, so the rule keeps one home. Once a day per process."""
    queryset = Employee.objects.available_to_mentor(today)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.compile(queryset.query.where)
    return sql, tuple(params)


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
    # Engagements this person mentors now: a stored figure, claimed and released by the
    # engagements app in the same transaction as accept / complete / cancel, so capacity
    # holds at accept even when two accepts race, and listings never count engagements.
    mentoring_load = models.PositiveSmallIntegerField(default=0, editable=False)
    snoozed_until = models.DateField(
        "Not taking requests until",
        null=True,
        blank=True,
        help_text="Leave empty when you are taking requests.",
    )
    is_active = models.BooleanField(default=True)
    # Maintained by directory.search.refresh_search_vectors (PostgreSQL; SQLite keeps an
    # FTS5 table instead).
    search_vector = SearchVectorField(null=True, editable=False)
    # The name alone, for how close a query is to it (directory.search.RANK_SQL).
    name_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        indexes = [
            models.Index(fields=["department", "full_name"]),
            # The directory's first page and the colleagues offered when declining list
            # active people by name, 20 or 30 of them. Without it, at 10 000 employees,
            # PostgreSQL read and sorted every row (12 ms), or joined every holder of the
            # mentor's skills (3 700 rows, 14 ms); with it, it walks the names in order
            # and stops after ~65 rows (0.1 and 0.8 ms, EXPLAIN ANALYZE).
            models.Index(
                fields=["full_name"],
                condition=models.Q(is_active=True),
                name="employee_active_name",
            ),
            # Peer suggestions rank people by level, department and name: everyone
            # learning a skill (engagements.matching.suggest_peers), ~900 for a common one
            # at 10 000 employees. From the table, PostgreSQL read every wide row (bio,
            # search vector: 1 900 pages) to sort them, 7 ms; from this narrow index (an
            # index-only scan of ~80 pages) 2 ms (EXPLAIN ANALYZE). The mentors' ranking
            # has its own, below.
            models.Index(
                fields=[
                    "id",
                    "level",
                    "department",
                    "full_name",
                    "open_to_mentoring",
                    "mentoring_load",
                    "mentoring_capacity",
                    "snoozed_until",
                ],
                condition=models.Q(is_active=True),
                name="employee_active_ranking",
            ),
            # Everyone available to mentor (but for a snooze), in id order, with what the
            # mentor ranking sorts on (engagements.matching): merged with a skill's
            # holders, also in id order (the through tables' (skill, employee) indexes,
            # migration 0013), "negotiation"'s 6 000 available and 2 700 holders took
            # 3 ms instead of 8.5 (a hash join of every active person's ranking entry).
            models.Index(
                fields=["id"],
                include=["level", "mentoring_load", "full_name", "snoozed_until"],
                condition=models.Q(
                    is_active=True,
                    open_to_mentoring=True,
                    mentoring_load__lt=models.F("mentoring_capacity"),
                ),
                name="employee_available_mentors",
            ),
            # The search form's list of places (directory.forms.location_choices).
            models.Index(
                fields=["location"],
                condition=models.Q(is_active=True),
                name="employee_active_location",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return fast_reverse("directory:employee", args=[self.pk])

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0]

    @property
    def free_slots(self) -> int:
        return max(self.mentoring_capacity - self.mentoring_load, 0)

    def is_available_to_mentor(self, today: datetime.date) -> bool:
        """The same rule as `EmployeeQuerySet.available_to_mentor`, for one person."""
        return (
            self.is_active
            and self.open_to_mentoring
            and self.free_slots > 0
            and not (self.snoozed_until and self.snoozed_until > today)
        )

    def availability(self, today: datetime.date) -> tuple[bool, str]:
        """(available, in words) for a card or a profile."""
        if self.snoozed_until and self.snoozed_until > today:
            return False, f"Not taking requests until {self.snoozed_until:%-d %B %Y}"
        if not self.open_to_mentoring or not self.mentoring_capacity:
            return False, "Not mentoring now"
        if not self.free_slots:
            return False, "At capacity"
        free = self.free_slots
        return True, f"Open to mentoring · {free} slot{'s' if free != 1 else ''} free"

    @property
    def initials(self) -> str:
        parts = self.full_name.split()
        return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()

    @cached_property
    def match_reasons(self) -> list[str]:
        """Why a search found this person, the most telling first: "Python · skill",
        "Staff Engineer · title", "learning Python", "mentions Python". Made from the
        query's words that directory.search annotates, the skills `for_listing` lists
        (`skill_list`) and the interests the search lists (`interest_list`), so a page of
        cards costs no more queries. A name explains itself."""
        words = getattr(self, "search_words", "").split()
        if not words:
            return []
        department = self.department.name if self.department_id else ""
        found = [(s.name, "{} · skill") for s in self.skill_list if matching_words(s.name, words)]
        for text, reason in [
            (self.title, "{} · title"),
            (department, "{} · department"),
            (self.location, "{} · location"),
        ]:
            if hits := matching_words(text, words):
                found.append((" ".join(hits), reason))
        found += [
            (s.name, "learning {}") for s in self.interest_list if matching_words(s.name, words)
        ]
        # A bio mention of a word already explained above adds nothing.
        explained = {folded(w) for subject, _ in found for w in re.findall(r"[^\W_]+", subject)}
        if mentions := [w for w in matching_words(self.bio, words) if folded(w) not in explained]:
            found.append((", ".join(mentions), "mentions {}"))
        return [reason.format(subject) for subject, reason in found[:MAX_MATCH_REASONS]]

    def managers_above(self) -> list[int]:
        """The manager, their manager, and so on up: one recursive query."""
        if self.manager_id is None:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH RECURSIVE chain(id, manager_id, depth) AS (
                    SELECT id, manager_id, 1 FROM directory_employee WHERE id = %s
                    UNION ALL
                    SELECT e.id, e.manager_id, chain.depth + 1
                    FROM directory_employee e JOIN chain ON e.id = chain.manager_id
                    WHERE chain.depth < 50
                )
                SELECT id FROM chain
                """,
                [self.manager_id],
            )
            return [row[0] for row in cursor.fetchall()]


class SearchTerm(models.Model):
    """Every word of the directory's search vectors: the vocabulary typos are corrected
    against ("pyton" → python, "smtih" → smith). Filled by refresh_search_vectors."""

    word = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.word


class ImportRun(models.Model):
    """An employee file too big for one request, imported by a worker: the admin who
    uploaded it watches its progress, and its report is kept."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        REFUSED = "refused", "Refused: nothing imported"
        STOPPED = "stopped", "Stopped: nothing imported"

    filename = models.CharField(max_length=200, blank=True)
    data = models.BinaryField(editable=False)  # the file; emptied once imported
    uploaded_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # A refused file's problems, bounded (directory.import_report.problem_report).
    errors = models.JSONField(default=list, blank=True)
    # ImportResult.summary: the counts, and whom and what the import created or moved.
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)  # claimed by a worker
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.STOPPED)
