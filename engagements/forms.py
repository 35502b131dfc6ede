"""Forms parse and normalise; the rules and the writes live in engagements.workflow."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.http import QueryDict

from directory.models import Employee
from engagements.models import Activity, Engagement, Goal, Meeting
from engagements.workflow import ActivityData, GoalData, ProposalData

MAX_ROWS = 20


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class ProposalForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        help_text="A few words, e.g. “Negotiating agency contracts”.",
    )
    mentor = forms.ModelChoiceField(
        Employee.objects.active(), required=False, widget=forms.RadioSelect
    )
    role = forms.ChoiceField(
        label="Your role",
        choices=Engagement.Role.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    role_detail = forms.CharField(
        label="What you will do",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. “prepare the renewal pricing and take notes on the call”.",
    )
    start_date = forms.DateField(required=False, widget=DateInput)
    end_date = forms.DateField(required=False, widget=DateInput)
    peers = forms.ModelMultipleChoiceField(
        Employee.objects.active(), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label="Note to the mentor",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why them, and why now. Optional.",
    )


class GoalForm(forms.Form):
    description = forms.CharField(label="Goal", max_length=300, required=False)
    measure = forms.CharField(label="Measure of success", max_length=300, required=False)

    def data_or_none(self) -> GoalData | None:
        description = self.cleaned_data.get("description", "").strip()
        measure = self.cleaned_data.get("measure", "").strip()
        if not description and not measure:
            return None
        return GoalData(description or measure, measure if description else "")


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Activity", choices=Activity.Kind.choices)
    description = forms.CharField(label="Details", max_length=200, required=False)
    count = forms.IntegerField(label="How many", min_value=1, max_value=20, initial=1)
    minutes_each = forms.IntegerField(
        label="Minutes each", min_value=15, max_value=480, initial=60, step_size=15
    )

    def as_data(self) -> ActivityData:
        c = self.cleaned_data
        return ActivityData(c["kind"], c["count"], c["minutes_each"], c["description"].strip())


GoalFormSet = forms.formset_factory(GoalForm, extra=0, max_num=MAX_ROWS)
ActivityFormSet = forms.formset_factory(ActivityForm, extra=0, max_num=MAX_ROWS)
GOAL_FIELDS = ["description", "measure"]
ACTIVITY_FIELDS = ["kind", "description", "count", "minutes_each"]


def rows_of(data: QueryDict, prefix: str, fields: list[str]) -> list[dict[str, str]]:
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_ROWS)
    except ValueError:
        total = 0
    return [{f: data.get(f"{prefix}-{i}-{f}", "") for f in fields} for i in range(total)]


def with_rows(data: QueryDict, prefix: str, rows: list[dict[str, str]]) -> QueryDict:
    """The submitted data with these rows in place of the prefix's rows: how a row is
    added or removed in place, the same with or without JavaScript."""
    new = data.copy()
    for key in [k for k in new if k.startswith(prefix + "-")]:
        del new[key]
    new.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": str(MAX_ROWS),
        }
    )
    for i, row in enumerate(rows):
        for name, value in row.items():
            new[f"{prefix}-{i}-{name}"] = value
    return new


def initial_rows(engagement: Engagement | None) -> tuple[list[dict], list[dict]]:
    if engagement is None:
        return [{"description": "", "measure": ""}], [
            {"kind": Activity.Kind.DISCUSSION, "count": 2, "minutes_each": 60}
        ]
    goals = [{"description": g.description, "measure": g.measure} for g in engagement.goals.all()]
    activities = [
        {
            "kind": a.kind,
            "description": a.description,
            "count": a.count,
            "minutes_each": a.minutes_each,
        }
        for a in engagement.activities.all()
    ]
    return goals or [{"description": "", "measure": ""}], activities


def proposal_data(form: ProposalForm, goals, activities) -> ProposalData:
    c = form.cleaned_data
    return ProposalData(
        title=c["title"].strip(),
        mentor=c.get("mentor"),
        role=c.get("role", ""),
        role_detail=c.get("role_detail", "").strip(),
        note=c.get("note", "").strip(),
        start_date=c.get("start_date"),
        end_date=c.get("end_date"),
        goals=[g for g in (f.data_or_none() for f in goals) if g],
        activities=[f.as_data() for f in activities],
        peers=list(c.get("peers") or []),
    )


def colleague_by_email(label: str, help_text: str) -> forms.ModelChoiceField:
    """An optional colleague, typed as their work email, with the page's datalist of
    likely names (any directory email works)."""
    return forms.ModelChoiceField(
        Employee.objects.active(),
        required=False,
        to_field_name="email",
        label=label,
        widget=forms.EmailInput(attrs={"list": "mentor-options", "autocomplete": "off"}),
        error_messages={"invalid_choice": "Nobody in the directory has that email address."},
        help_text=help_text,
    )


class DeclineForm(forms.Form):
    PRESETS = {
        Engagement.DeclineReason.NOT_NOW: (
            "Thank you for thinking of me. This isn't the right time for me to give it the "
            "attention it deserves — please do ask me again in a few months."
        ),
        Engagement.DeclineReason.EXPERTISE: (
            "Thank you for asking. I don't think I'm the best person for this goal; someone "
            "closer to it will help you more."
        ),
        Engagement.DeclineReason.CAPACITY: (
            "Thank you for asking — I'm at capacity with mentoring right now. Please try "
            "someone else; I'd be glad to hear how it goes."
        ),
    }
    reason = forms.ChoiceField(
        choices=Engagement.DeclineReason.choices, widget=forms.RadioSelect, initial="not_now"
    )
    message = forms.CharField(
        label="Message to the protégé",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Leave empty to send the message that goes with the reason.",
    )
    suggested_mentor = colleague_by_email(
        "Suggest another mentor (optional)",
        "Their work email; start typing to see colleagues with the same skills.",
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("message") and cleaned.get("reason") in self.PRESETS:
            cleaned["message"] = self.PRESETS[cleaned["reason"]]
        if cleaned.get("reason") == Engagement.DeclineReason.OTHER and not cleaned.get("message"):
            self.add_error("message", "Write a short message to go with your answer.")
        return cleaned


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["held_on", "minutes", "note"]
        labels = {"held_on": "Date", "minutes": "Minutes", "note": "Private note"}
        widgets = {
            "held_on": DateInput,
            "minutes": forms.NumberInput(attrs={"step": 5}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"note": "Only the people in this engagement can read it."}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why are you cancelling?", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class ThankYouForm(forms.Form):
    thank_you = forms.CharField(
        label="Thank-you note to your mentor", widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, goals: list[Goal], **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=goal.description, choices=Goal.Outcome.choices, widget=forms.RadioSelect
            )

    def outcomes(self) -> dict[int, str]:
        return {g.pk: self.cleaned_data[f"goal_{g.pk}"] for g in self.goals}

    def outcome_fields(self):
        return [self[f"goal_{g.pk}"] for g in self.goals]


class AdviceForm(forms.Form):
    next_area = forms.CharField(label="Next area to develop", max_length=200)
    next_mentor = colleague_by_email("Who could mentor that next (optional)", "Their work email.")


class ProgrammeFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Any state")]
        + [c for c in Engagement.State.choices if c[0] != Engagement.State.DRAFT],
        required=False,
    )
    q = forms.CharField(label="Person or title", required=False, max_length=100)

    def filter(self, engagements):
        if state := self.cleaned_data.get("state"):
            engagements = engagements.filter(state=state)
        if text := self.cleaned_data.get("q", "").strip():
            engagements = engagements.filter(
                Q(title__icontains=text)
                | Q(protege__full_name__icontains=text)
                | Q(mentor__full_name__icontains=text)
            )
        return engagements
