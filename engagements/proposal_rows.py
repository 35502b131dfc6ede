"""The propose page's rows: its goals and its planned activities, each a capped formset,
and how rows are read back as typed and written into a form's data again (adding or
removing a row redraws the formset from them)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from engagements.models import Activity
from engagements.proposals import ActivityData, GoalData

MAX_ROWS = 20


class GoalForm(forms.Form):
    description = forms.CharField(label="Goal", max_length=300, required=False)
    measure = forms.CharField(label="Measure of success", max_length=300, required=False)

    def data_or_none(self) -> GoalData | None:
        description = self.cleaned_data.get("description", "").strip()
        measure = self.cleaned_data.get("measure", "").strip()
        if not description and not measure:
            return None
        return GoalData(description or measure, measure if description else "")


class OneMessageIntegerField(forms.IntegerField):
    """Says the first bound it breaks, not each: -5 minutes is "at least 15", not that
    and "in steps of 15" too."""

    def run_validators(self, value) -> None:
        if value in self.empty_values:
            return
        for validator in self.validators:  # Django's loop, stopping at the first
            try:
                validator(value)
            except ValidationError as error:
                if error.code in self.error_messages:
                    error.message = self.error_messages[error.code]
                raise ValidationError(error.error_list) from None


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Activity", choices=Activity.Kind.choices)
    description = forms.CharField(label="Details", max_length=200, required=False)
    count = OneMessageIntegerField(
        label="How many",
        min_value=1,
        max_value=20,
        initial=1,
        error_messages={
            "min_value": "At least 1 (Remove the activity you do not plan).",
            "max_value": "At most 20 of one activity: a micro-engagement is short.",
        },
    )
    minutes_each = OneMessageIntegerField(
        label="Minutes each",
        min_value=15,
        max_value=480,
        initial=60,
        step_size=15,
        error_messages={
            "min_value": "At least 15 minutes.",
            "max_value": "At most 480 minutes (8 hours).",
            "step_size": "In steps of 15 minutes: 15, 30, 45, 60…",
        },
    )

    def as_data(self) -> ActivityData:
        c = self.cleaned_data
        return ActivityData(c["kind"], c["count"], c["minutes_each"], c["description"].strip())


GoalFormSet = forms.formset_factory(GoalForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS)
ActivityFormSet = forms.formset_factory(
    ActivityForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
)
NEW_GOAL = {"description": "", "measure": ""}
NEW_ACTIVITY = {"kind": Activity.Kind.DISCUSSION, "description": "", "count": 1, "minutes_each": 60}


def rows_as_typed(formset: forms.BaseFormSet, fields: list[str]) -> list[dict]:
    """The rows as typed (to show them again), each value bounded by its field."""
    rows = []
    for form in formset.forms:
        row = {}
        for name in fields:
            value = form[name].value()
            limit = getattr(form.fields[name], "max_length", None) or 20
            row[name] = str(value if value is not None else "")[:limit]
        rows.append(row)
    return rows


def formset_data(prefix: str, rows: list[dict]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(MAX_ROWS),
    }
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{i}-{name}"] = str(value)
    return data
