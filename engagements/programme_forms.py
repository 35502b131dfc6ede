"""The programme settings page's forms: the rules within the method's limits, the
directory search for a new admin, and picking an admin to add or remove."""

from __future__ import annotations

from django import forms

from directory.models import TIME_ZONE_CHOICES, Employee
from engagements.models import Program

MAX_QUERY_LENGTH = 100
# The sweep looks for missing wrap-ups for two weeks after the end date.
MAX_WRAPUP_REMINDER_DAYS = 14


def rule_field(name: str, low: int, high: int, why: str) -> forms.IntegerField:
    """A whole number of days (or a count) in [low, high], with one message for every
    way to miss it: the person reads the limit and the reason."""
    message = f"{Program.RULES[name]}: a whole number from {low} to {high}. {why}"
    return forms.IntegerField(
        label=Program.RULES[name],
        help_text=f"{low} to {high}. {why}",
        min_value=low,
        max_value=high,
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), message),
    )


class RulesForm(forms.Form):
    """All the rules at once: a reminder's day only makes sense beside the day it
    reminds of, so they are checked together."""

    max_goals = rule_field(
        "max_goals", 1, 2, "The method keeps an engagement to one or two targeted goals."
    )
    max_peers = rule_field(
        "max_peers", 0, 2, "A mentor's hour serves at most three people: the protégé and two peers."
    )
    max_length_days = rule_field(
        "max_length_days", 1, 180, "Micro-mentoring is short: at most six months."
    )
    expire_after_days = rule_field(
        "expire_after_days", 2, 60, "A mentor needs a day to answer, and a reminder before then."
    )
    remind_unanswered_after_days = rule_field(
        "remind_unanswered_after_days", 1, 59, "It must come before the proposal expires."
    )
    remind_before_end_days = rule_field(
        "remind_before_end_days", 0, 179, "0 reminds on the last day itself."
    )
    remind_wrapup_after_days = rule_field(
        "remind_wrapup_after_days",
        1,
        MAX_WRAPUP_REMINDER_DAYS,
        "A wrap-up is asked for in the two weeks after the end.",
    )
    time_zone = forms.ChoiceField(
        label=Program.RULES["time_zone"],
        choices=TIME_ZONE_CHOICES,
        error_messages={
            "required": "Time zone: pick one from the list.",
            "invalid_choice": "Time zone: pick one from the list (for example Europe/Berlin).",
        },
    )

    @classmethod
    def of(cls, program: Program, data=None) -> RulesForm:
        return cls(data, initial={name: getattr(program, name) for name in Program.RULES})

    def clean(self) -> dict:
        data = super().clean()
        expire = data.get("expire_after_days")
        unanswered = data.get("remind_unanswered_after_days")
        if expire is not None and unanswered is not None and unanswered >= expire:
            self.add_error(
                "remind_unanswered_after_days",
                f"The reminder of an unanswered proposal must come before it expires: fewer "
                f"than {expire} days (you typed {unanswered}).",
            )
        length = data.get("max_length_days")
        before_end = data.get("remind_before_end_days")
        if length is not None and before_end is not None and before_end >= length:
            self.add_error(
                "remind_before_end_days",
                f"The reminder before the end must fall within the engagement: fewer than "
                f"{length} days before the end (you typed {before_end}).",
            )
        return data


class SettingsQueryForm(forms.Form):
    """The settings page's GET parameters: a directory search and a history page."""

    q = forms.CharField(
        label="Find a colleague by name, title or skill",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": f"Search: at most {MAX_QUERY_LENGTH} characters."},
    )
    history = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def value(self, name: str):
        return self.cleaned_data.get(name) if self.is_valid() else None


class AdminForm(forms.Form):
    """One employee to add (anyone active in the directory) or remove (one of the
    programme's admins)."""

    employee = forms.ModelChoiceField(
        queryset=Employee.objects.none(),
        error_messages={
            "required": "Pick someone.",
            "invalid_choice": "That person is not in the list to pick from.",
        },
    )
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = candidates
