"""Forms parse and normalise; the rules and the writes live in the workflow modules
(engagements.transitions, .proposals, .meetings). The propose page's forms are in
engagements.proposal_forms."""

from __future__ import annotations

import datetime as dt

from django import forms

from directory.forms import NamedChoiceField
from directory.models import Department, Employee
from engagements import facets
from engagements.models import Engagement, Goal, Meeting, Program
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
        help_text="Leave empty to send the reason's own message (“The message each reason "
        "sends”); “Another reason” needs your own words.",
    )
    suggested_mentor = colleague_by_email(
        "Suggest another mentor (optional)",
        "Their work email; start typing to see colleagues with the same skills.",
    )

    @classmethod
    def presets(cls) -> list[tuple[str, str]]:
        """(reason, the message it sends when the mentor writes none), to show them."""
        return [(reason.label, text) for reason, text in cls.PRESETS.items()]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("message") and cleaned.get("reason") in self.PRESETS:
            cleaned["message"] = self.PRESETS[cleaned["reason"]]
        if cleaned.get("reason") == Engagement.DeclineReason.OTHER and not cleaned.get("message"):
            self.add_error("message", "Write a short message to go with your answer.")
        return cleaned


class MeetingForm(forms.ModelForm):
    # Any whole minutes (what is left may be 12), within what a meeting may be: declared
    # here, as the model's field would draw min="0" (a positive integer's) for the browser.
    minutes = forms.IntegerField(
        label="Minutes",
        min_value=Meeting.SHORTEST,
        max_value=480,
        error_messages={
            "min_value": f"A meeting is at least {Meeting.SHORTEST} minutes.",
            "max_value": "A meeting is at most 480 minutes (8 hours): log a longer "
            "day as two meetings.",
        },
    )

    class Meta:
        model = Meeting
        fields = ["held_on", "minutes", "note"]
        labels = {"held_on": "Date", "note": "Private note"}
        widgets = {"held_on": DateInput, "note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"note": "Only the people in this engagement can read it."}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why are you cancelling?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Say why you are cancelling: the other side deserves to know."},
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
    """The programme list's filters. Besides the search box and the state, the facets a
    participation report's figure links with (engagements.facets defines each one), so
    the list shows exactly the engagements behind the figure."""

    # The period's dates stay within what a calendar (and a time zone) can represent.
    EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
    # Facets only a report's link sets: kept through the form as hidden fields.
    FACETS = ["goals", "peers", "cross", "outcome", "usage", "follow_on", "thanked"]
    FACETS += ["advice", "reason", "mentor"]

    state = forms.ChoiceField(
        choices=[("", "Any state"), (facets.ACCEPTED, "Accepted (active, completed, cancelled)")]
        + [c for c in Engagement.State.choices if c[0] != Engagement.State.DRAFT],
        required=False,
    )
    q = forms.CharField(label="Person or title", required=False, max_length=100)
    start = forms.DateField(label="Proposed from", required=False, widget=DateInput)
    end = forms.DateField(label="Proposed until", required=False, widget=DateInput)
    department = NamedChoiceField(
        Department.objects.all(), required=False, empty_label="Every department"
    )
    program = NamedChoiceField(
        Program.objects.none(), required=False, label="Programme", empty_label="Every programme"
    )
    goals = forms.ChoiceField(choices=facets.GOALS, required=False, label="Goals")
    peers = forms.ChoiceField(choices=facets.YES_NO, required=False, label="With peers")
    cross = forms.ChoiceField(choices=facets.YES_NO, required=False, label="Cross-department")
    outcome = forms.ChoiceField(choices=facets.OUTCOMES, required=False, label="A goal was")
    usage = forms.ChoiceField(choices=facets.USAGE, required=False, label="Time logged")
    follow_on = forms.ChoiceField(choices=facets.YES_NO, required=False, label="Follow-on")
    thanked = forms.ChoiceField(choices=facets.YES_NO, required=False, label="Thanked")
    advice = forms.ChoiceField(choices=facets.ADVICE, required=False, label="Next mentor")
    reason = forms.ChoiceField(
        choices=[("", "Any")] + Engagement.DeclineReason.choices,
        required=False,
        label="Decline reason",
    )
    mentor = forms.ModelChoiceField(
        Employee.objects.all(), required=False, widget=forms.HiddenInput, label="Mentor"
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.programmes = programmes
        self.fields["program"].queryset = programmes.order_by("name")

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            if data.get(name) and not self.EARLIEST <= data[name] <= self.LATEST:
                self.add_error(name, f"Choose a date from {self.EARLIEST} to {self.LATEST}.")
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            # The start alone would be a guess at the period meant: neither date applies,
            # and each says why.
            self.add_error("start", "The start comes after the end.")
            self.add_error("end", "The end comes before the start.")
        return data

    def applied(self) -> dict:
        """The filters in force: every valid one, even beside one that is not (that one
        is left out, and `not_applied` names it), so the list never shows more than the
        form says. Nothing for an unbound form."""
        if not self.is_bound:
            return {}
        self.is_valid()  # cleans the form, once
        return self.cleaned_data

    def not_applied(self) -> list[tuple[str, str]]:
        """(label, message) of each filter given but left out of the list."""
        applied = self.applied()
        return [
            (field.label, " ".join(field.errors))
            for field in self
            if field.value() not in (None, "") and field.name not in applied
        ]

    def filter(self, engagements):
        """The engagements matching every applied filter."""
        data = self.applied()
        if data.get("start") or data.get("end"):
            chosen = [data["program"]] if data.get("program") else self.programmes
            engagements = facets.proposed_between(
                engagements, chosen, data.get("start"), data.get("end")
            )
        engagements = facets.apply(engagements, data)
        if text := data.get("q", "").strip():
            engagements = engagements.matching_text(text)
        return engagements

    def scope_fields(self):
        return [self[name] for name in ("start", "end", "department", "program")]

    def active_facets(self) -> list[tuple[str, str]]:
        """The report's facets in force, as (label, value) for the page to say."""
        applied, shown = self.applied(), []
        for name in self.FACETS:
            value = applied.get(name)
            if value:
                field = self.fields[name]
                text = value if name == "mentor" else dict(field.choices).get(value, value)
                shown.append((self[name], field.label, str(text)))
        return shown
