"""Forms parse and normalise; the rules and the writes live in the workflow modules
(engagements.transitions, .proposals, .meetings). The propose page's forms are in
engagements.proposal_forms."""

from __future__ import annotations

from django import forms

from directory.models import Employee
from engagements.models import Engagement, Goal, Meeting
from engagements.proposal_forms import DateInput


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
        label="Thank-you note to your mentor",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Your mentor reads it, and it is shown on their profile as recognition.",
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
            engagements = engagements.matching_text(text)
        return engagements
