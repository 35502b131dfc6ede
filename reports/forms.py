"""The report's filters: a period (a preset or two dates), a department, a programme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet

from directory.forms import NamedChoiceField
from directory.models import Department
from engagements.models import Program
from engagements.proposal_forms import DateInput

PRESETS = {"30d": 30, "quarter": 91, "12m": 365}
LONGEST = 5 * 366  # days: a custom period of at most about five years


@dataclass(frozen=True)
class Scope:
    """What a report covers. `programs` are the programmes it reads (the chosen one, or
    every programme the admin administers)."""

    start: dt.date
    end: dt.date
    programs: tuple[Program, ...]
    department: Department | None
    program: Program | None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Scope:
        """The period of equal length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Scope(
            end - (self.end - self.start), end, self.programs, self.department, self.program
        )

    def year_to_end(self) -> Scope:
        """The twelve months ending with this period (the reach histogram's window)."""
        return Scope(
            self.end - dt.timedelta(days=364),
            self.end,
            self.programs,
            self.department,
            self.program,
        )

    def query(self, **facets) -> dict:
        """The programme list's parameters for the engagements behind a figure."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.department:
            params["department"] = self.department.pk
        if self.program:
            params["program"] = self.program.pk
        return params | {k: v for k, v in facets.items() if v not in (None, "")}


def clock(programs: Iterable[Program]) -> Program:
    """The programme whose date ("today", the presets' last day) and zone a report over
    `programs` goes by: the one programme it covers; of several, the default programme
    if it is among them, else the first by name."""
    programs = sorted(programs, key=lambda p: (p.name, p.pk))
    # Several zones still need one "last 30 days". The default programme is the
    # organisation's own, so its day wins; otherwise the first by name, the one the
    # programme menu lists first, so the choice is stable and visible.
    default = next((p for p in programs if p.is_default), None)
    return default or (programs[0] if programs else Program.default())


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(
        choices=[
            ("30d", "Last 30 days"),
            ("quarter", "Last quarter (91 days)"),
            ("12m", "Last 12 months"),
            ("custom", "Custom dates"),
        ],
        required=False,
        initial="12m",
    )
    start = forms.DateField(label="From", required=False, widget=DateInput)
    end = forms.DateField(label="To", required=False, widget=DateInput)
    department = NamedChoiceField(
        Department.objects.order_by("name"), required=False, empty_label="Every department"
    )
    program = NamedChoiceField(
        Program.objects.none(), required=False, label="Programme", empty_label="All my programmes"
    )

    def __init__(self, data=None, *args, programmes: QuerySet, **kwargs):
        # Typed dates are custom dates, whatever the Period select was left on: the
        # report covers the dates the boxes show, and the select then says "Custom
        # dates" (a date alone gets the custom period's message, not a silent preset).
        typed = data and any((data.get(name) or "").strip() for name in ("start", "end"))
        self.overrides_period = bool(typed) and data.get("period") != "custom"
        # The preset left aside, named on the page ("Last 30 days" was not applied).
        presets = dict(self.base_fields["period"].choices)
        self.set_aside = presets.get(data.get("period"), "") if self.overrides_period else ""
        if self.overrides_period:
            data = data.copy()
            data["period"] = "custom"
        super().__init__(data, *args, **kwargs)
        self.fields["program"].queryset = programmes.order_by("name")

    def covered(self) -> tuple[Program, ...]:
        """The programmes the cleaned filters read: the chosen one, or every one offered."""
        chosen = self.cleaned_data.get("program")
        return (chosen,) if chosen else tuple(self.fields["program"].queryset)

    def clean(self):
        data = super().clean()
        period = data.get("period") or "12m"
        if period == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError("A custom period needs both dates.")
            if start > end:
                self.add_error("end", "The end comes before the start.")
            elif (end - start).days >= LONGEST:
                self.add_error("start", "Choose a period of at most five years.")
            elif start.year < 2000 or end.year > 2100:
                self.add_error("start", "Choose dates between the years 2000 and 2100.")
        else:
            # A preset ends today where the covered programmes are, not where the
            # default programme is: a New York admin's evening is still today there.
            today = clock(self.covered()).today()
            data["end"] = today
            data["start"] = today - dt.timedelta(days=PRESETS[period] - 1)
        data["period"] = period
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(
            data["start"], data["end"], self.covered(), data.get("department"), data.get("program")
        )
