import datetime as dt

from django import forms
from django.db import connection
from django.forms.models import ModelChoiceIterator

from directory.models import Department, Employee, Skill
from directory.search import search_employees

# The distinct locations, one index probe each (a "loose index scan"): DISTINCT read all
# 10 000 active employees for six places (4-15 ms at 10 000 employees; this, 0.1 ms).
# Served by the employee_active_location index; the same SQL runs on SQLite.
LOCATIONS_SQL = """
WITH RECURSIVE places(location) AS (
    SELECT (
        SELECT location FROM {table} WHERE is_active AND location > '' ORDER BY location LIMIT 1
    )
    UNION ALL
    SELECT (
        SELECT e.location FROM {table} e
        WHERE e.is_active AND e.location > places.location ORDER BY e.location LIMIT 1
    ) FROM places WHERE places.location IS NOT NULL
)
SELECT location FROM places WHERE location IS NOT NULL
"""


def location_choices() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(LOCATIONS_SQL.format(table=Employee._meta.db_table))
        locations = [row[0] for row in cursor.fetchall()]
    return [("", "Anywhere")] + [(loc, loc) for loc in locations]


class NamedRows(ModelChoiceIterator):
    """A select's options as (key, name) rows of the queryset. Django's iterator builds an
    instance, a value wrapper and a label for every option: for the 55 skills of the
    directory's filter that was ~2 ms a page, more than the query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        read = self.queryset._result_cache  # Django's own iterator peeks at privates too
        if read is not None:  # the form read them already (the report's programmes)
            yield from ((getattr(row, key), row.name) for row in read)
        else:
            yield from self.queryset.values_list(key, "name")


class NamedChoiceField(forms.ModelChoiceField):
    """A filter's choice of a model with a `name` (a skill, a department, a programme),
    its options read as plain rows (`NamedRows`); the chosen one is still an instance."""

    iterator = NamedRows


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        error_messages={"max_length": "At most 100 characters: try a word or two."},
    )
    skill = NamedChoiceField(
        Skill.objects.all(), required=False, to_field_name="slug", empty_label="Any skill"
    )
    department = NamedChoiceField(
        Department.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label="Any department",
    )
    location = forms.ChoiceField(required=False)
    open = forms.BooleanField(label="Available to mentor now", required=False)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today  # the programme's date: who is available to mentor now
        cache: list = []

        def once() -> list[tuple[str, str]]:
            cache or cache.extend(location_choices())
            return cache

        # Lazy, and computed at most once: the live-search partial never renders the
        # list (so never queries it); the full page renders and validates it.
        self.fields["location"].choices = once

    @property
    def searched(self) -> str:
        """What the list was searched for: "" for none, or for a search refused."""
        return getattr(self, "cleaned_data", {}).get("q", "")

    def not_applied(self) -> list[tuple[str, str]]:
        """(label, message) of each filter given but refused: the list ignores it and
        applies the others (never everyone under a heading that names the search)."""
        return [(field.label, " ".join(field.errors)) for field in self if field.errors]

    def filter(self, qs):
        """The people matching every valid filter (`cleaned_data` holds just those)."""
        data = self.cleaned_data
        if data.get("skill"):
            qs = qs.filter(skills=data["skill"])
        if data.get("department"):
            qs = qs.filter(department=data["department"])
        if data.get("location"):
            qs = qs.filter(location=data["location"])
        if data.get("open"):
            qs = qs.available_to_mentor(self.today)
        return search_employees(qs, data.get("q", ""))


class SkillsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ProfileForm(forms.ModelForm):
    linkedin_url = forms.URLField(label="LinkedIn profile", required=False, assume_scheme="https")
    skills = SkillsField(
        Skill.objects.all(),
        required=False,
        label="Expertise",
        help_text="What you could mentor someone in.",
    )
    interests = SkillsField(
        Skill.objects.all(),
        required=False,
        label="Learning interests",
        help_text="What you would like to learn next.",
    )

    class Meta:
        model = Employee
        fields = [
            "full_name",
            "title",
            "bio",
            "linkedin_url",
            "time_zone",
            "open_to_mentoring",
            "mentoring_capacity",
            "mentoring_hours_per_month",
            "snoozed_until",
            "skills",
            "interests",
        ]
        labels = {"full_name": "Name", "title": "Job title"}
        help_texts = {
            # Someone who signed up before the employee list had them starts with a name
            # guessed from their address; the list, when it has them, says it again.
            "full_name": "As colleagues know you. The company's employee list may set it.",
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 5}),
            "snoozed_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {
            "mentoring_capacity": {
                "min_value": "0 or more: 0 takes on no one for now.",
                "max_value": "At most 10 at a time.",
            },
            "mentoring_hours_per_month": {
                "min_value": "0 or more hours.",
                "max_value": "At most 80 hours a month.",
            },
        }

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today  # the programme's date: a pause must end after it
        self.fields["snoozed_until"].widget.attrs["min"] = today.isoformat()
        if load := self.instance.mentoring_load:
            capacity = self.fields["mentoring_capacity"]
            capacity.help_text = (
                f"{capacity.help_text} You mentor {load} now: a lower number lets "
                "those go on and holds back new proposals."
            )
        if self.instance.snoozed_until and self.instance.snoozed_until < today:
            # A pause that has run out shows as none, so saving the rest of the profile
            # clears it instead of refusing a date the person did not just type.
            self.initial["snoozed_until"] = None

    def clean_snoozed_until(self) -> dt.date | None:
        day = self.cleaned_data["snoozed_until"]
        if day and day < self.today:
            raise forms.ValidationError(
                f"{day:%-d %B %Y} has passed. Choose a later date, or leave it empty "
                "if you are taking requests now."
            )
        return day


class EmployeeImportForm(forms.Form):
    # One request must finish well inside the web server's 30 s timeout: 20 000 rows
    # take 10-15 s (bench/import_speed.py). Bytes alone do not bound the time (short
    # rows are many per MB), so lines are counted too. The command takes any size.
    MAX_MB = 20
    MAX_ROWS = 20_000

    file = forms.FileField(
        label="Employee list (CSV, UTF-8; commas, semicolons or tabs)",
        help_text="Columns: email, full_name, and optionally title, department, location, "
        "manager_email, level, skills, interests (separated by ;), bio, linkedin_url, "
        "time_zone, open_to_mentoring, mentoring_capacity, active. A column left out of "
        "the file is left unchanged for people already in the directory; an empty cell "
        "clears its value (or sets its default). "
        f"This page takes files up to {MAX_MB} MB; over {MAX_ROWS:,} employees are imported "
        "in the background while you watch. Bigger files: manage.py import_employees.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"The file is larger than {self.MAX_MB} MB, the most this page takes. "
                "Import bigger files on the server with manage.py import_employees."
            )
        # A line per employee plus the header (a bio spanning lines counts more).
        lines = sum(chunk.count(b"\n") for chunk in upload.chunks())
        upload.seek(0)
        # More than one request can import in time: a worker does it, in the background.
        self.in_background = lines > self.MAX_ROWS + 1
        return upload
