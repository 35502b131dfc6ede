"""The propose page's forms as one object: the main form, the goal and activity rows,
the row actions (add or remove a row, search, redraw) and the live budget total. The rows
themselves, goals and activities, are engagements.proposal_rows.

Every value is parsed by a Django form before anything is done with it: rows are
capped, texts bounded, ids typed. Forms parse and normalise; the rules and the writes
live in engagements.proposals.
"""

from __future__ import annotations

from dataclasses import asdict

from django import forms
from django.http import QueryDict

from directory.models import Employee
from directory.search import search_employees
from engagements.models import Activity, Engagement, Program
from engagements.proposal_rows import (
    MAX_ROWS,
    NEW_ACTIVITY,
    NEW_GOAL,
    ActivityFormSet,
    GoalFormSet,
    formset_data,
    rows_as_typed,
)
from engagements.proposals import ActivityData, ProposalData, budget_minutes, goal_limit_message

SEARCH_LIMIT = 8
# Buttons that change the form in place, and the part of the page each one redraws.
ROW_ACTIONS = {
    "add_goal": "goals",
    "remove_goal": "goals",
    "add_activity": "activities",
    "remove_activity": "activities",
    "total": "budget",
    "find_mentor": "mentor",
    "find_peers": "peers",
    "add_peer": "peers",
    "suggestions": "suggestions",
    "refresh": None,
}
SUBMITS = {"propose", "save"}


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class ProposalForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        help_text="A few words, e.g. “Negotiating agency contracts”.",
        error_messages={"required": "Give the engagement a title."},
    )
    mentor = forms.ModelChoiceField(
        Employee.objects.active(), required=False, widget=forms.RadioSelect
    )
    role = forms.ChoiceField(
        label="Your role", choices=Engagement.Role.choices, required=False, widget=forms.RadioSelect
    )
    role_detail = forms.CharField(
        label="What you will do",
        required=False,
        max_length=2000,
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
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why them, and why now. Optional.",
    )
    mentor_q = forms.CharField(required=False, max_length=100)
    peer_q = forms.CharField(required=False, max_length=100)


class ActionForm(forms.Form):
    """Which button was pressed: `add_goal`, `remove_goal:1`, `add_peer:42`… A button
    names it in the POST; an htmx redraw with no button names it in the URL."""

    action = forms.RegexField(r"^[a-z_]{1,20}(:[0-9]{1,9})?$", required=False)

    def parsed(self) -> tuple[str, int | None]:
        if not self.is_valid() or not self.cleaned_data["action"]:
            return "", None
        name, _, index = self.cleaned_data["action"].partition(":")
        if name not in ROW_ACTIONS and name not in SUBMITS:
            return "", None
        return name, int(index) if index else None


class StartForm(forms.Form):
    """`/engagements/new/?mentor=42`: a mentor picked from a profile or a suggestion."""

    mentor = forms.ModelChoiceField(Employee.objects.active(), required=False)


class AskAgainForm(forms.Form):
    """`?from=7`: a proposal of mine that went nowhere, to ask someone else (the view
    looks it up); garbage is no id. `from` is a Python keyword: the field is added here."""

    def __init__(self, data):
        super().__init__(data)
        self.fields["from"] = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


# The propose page's parts, top to bottom (templates/engagements/propose.html).
PAGE_ORDER = ["title", "goals", "mentor", "role", "role_detail", "activities"]
PAGE_ORDER += ["start_date", "end_date", "peers", "note"]


def _place(name: str) -> int:
    return PAGE_ORDER.index(name) if name in PAGE_ORDER else len(PAGE_ORDER)


class ProposalForms:
    def __init__(
        self,
        data: QueryDict | None,
        *,
        program: Program,
        me: Employee,
        initial: ProposalData | None = None,
        action: str = "",
    ):
        self.program, self.me, self.notice = program, me, ""
        self.added = ""  # "goal" or "activity": the row just added, where the focus goes
        self.rule_errors: dict[str, list[str]] = {}
        self._searches: dict[str, list[Employee]] = {}
        self.posted = data is not None
        self.action, self.index = ActionForm({"action": action}).parsed()
        # Always bound, so one code path reads the values: a new or saved draft is bound
        # to its initial values.
        self._bind(data if data is not None else self._initial_data(initial))
        if self.redraw:
            self._apply()
        if not self.submitting:
            self._hide_errors()  # nothing was submitted yet: nothing to complain about

    @classmethod
    def from_request(
        cls,
        request,
        *,
        program: Program,
        me: Employee,
        engagement: Engagement | None,
        asked_again: Engagement | None = None,
    ) -> ProposalForms:
        """As posted; a draft to edit; or a new proposal (from `asked_again`, if any)."""
        if request.method == "POST":
            action = request.POST.get("action") or request.GET.get("redraw", "")
            return cls(request.POST, program=program, me=me, action=action)
        if engagement is not None:
            return cls(None, program=program, me=me, initial=ProposalData.of(engagement))
        start = StartForm(request.GET)
        mentor = start.cleaned_data["mentor"] if start.is_valid() else None
        if asked_again is not None:
            initial = ProposalData.asked_again(asked_again, mentor=mentor)
        else:
            # A new proposal starts with the usual plan: two one-hour discussions.
            initial = ProposalData(
                title="", mentor=mentor, activities=[ActivityData(Activity.Kind.DISCUSSION, 2, 60)]
            )
        return cls(None, program=program, me=me, initial=initial)

    @staticmethod
    def _initial_data(initial: ProposalData) -> QueryDict:
        data = {
            "title": initial.title,
            "mentor": initial.mentor.pk if initial.mentor else "",
            "role": initial.role,
            "role_detail": initial.role_detail,
            "note": initial.note,
            "start_date": initial.start_date.isoformat() if initial.start_date else "",
            "end_date": initial.end_date.isoformat() if initial.end_date else "",
        }
        query = QueryDict(mutable=True)
        query.update(data)
        query.setlist("peers", [str(p.pk) for p in initial.peers])
        # A row's fields are its data's: description and measure; kind, count, minutes…
        query.update(formset_data("goals", [asdict(g) for g in initial.goals] or [NEW_GOAL]))
        query.update(formset_data("activities", [asdict(a) for a in initial.activities]))
        return query

    def _bind(self, data: QueryDict) -> None:
        self.raw = data
        self.form = ProposalForm(data)
        self.goals = GoalFormSet(data, prefix="goals")
        self.activities = ActivityFormSet(data, prefix="activities")
        self.form.is_valid()  # the valid fields' cleaned_data drives every redraw
        # What was valid as bound, kept apart: a rule's message on a field takes it out
        # of cleaned_data (add_rule_errors), yet the page still shows the mentor and
        # peers chosen; and a row whose errors are hidden (_hide_errors) would read as
        # valid, with no value for its bad field: only whole rows count and are saved.
        self.typed = dict(self.form.cleaned_data)
        self.whole_rows = {
            form.prefix
            for formset in (self.goals, self.activities)
            for form in formset.forms
            if form.is_valid()
        }

    def _hide_errors(self) -> None:
        self.form.errors.clear()
        for formset in (self.goals, self.activities):
            for form in formset.forms:
                form.errors.clear()
            formset.non_form_errors().clear()

    def _replace_rows(self, prefix: str, rows: list[dict]) -> None:
        data = self.raw.copy()
        for key in [k for k in data if k.startswith(prefix + "-")]:
            del data[key]
        data.update(formset_data(prefix, rows))
        self._bind(data)

    def _apply(self) -> None:
        """Add or remove a row, or add a peer, and redraw without saving anything."""
        action, index = self.action, self.index
        if action in ("add_goal", "remove_goal"):
            rows = rows_as_typed(self.goals, ["description", "measure"])
            if action == "add_goal":
                self.notice = goal_limit_message(self.program, len(rows) + 1)
                if not self.notice:
                    rows.append(dict(NEW_GOAL))
                    self.added = "goal"
            elif index is not None and index < len(rows) and len(rows) > 1:
                # Never the only goal (the page offers no Remove for it): what was typed stays.
                rows.pop(index)
            self._replace_rows("goals", rows or [dict(NEW_GOAL)])
        elif action in ("add_activity", "remove_activity"):
            rows = rows_as_typed(self.activities, ["kind", "description", "count", "minutes_each"])
            if action == "add_activity" and len(rows) < MAX_ROWS:
                rows.append(dict(NEW_ACTIVITY))
                self.added = "activity"
            elif action == "remove_activity" and index is not None and index < len(rows):
                rows.pop(index)
            self._replace_rows("activities", rows)
            if self.added:  # its first field takes the focus, as the new goal's does
                self.activities.forms[-1].fields["count"].widget.attrs["autofocus"] = True
        elif action == "add_peer" and index is not None:
            if len(self.chosen_ids("peers")) >= self.program.max_peers:
                return  # the page offers no Invite then: an old page's click adds nobody
            data = self.raw.copy()
            data.setlist("peers", [*self.chosen_ids("peers"), str(index)])
            self._bind(data)

    # Submitting

    @property
    def proposing(self) -> bool:
        return self.action == "propose"

    @property
    def submitting(self) -> bool:
        """Propose or Save draft (a POST without a known button saves too)."""
        return self.posted and not self.redraw

    @property
    def redraw(self) -> bool:
        return self.action in ROW_ACTIONS

    @property
    def partial(self) -> str | None:
        return ROW_ACTIONS.get(self.action)

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.goals.is_valid(), self.activities.is_valid()])

    def as_proposal(self) -> ProposalData:
        """What was typed, as a proposal: every valid field (all of them once is_valid)."""
        c = self.typed
        return ProposalData(
            title=c.get("title", "").strip(),
            mentor=c.get("mentor"),
            role=c.get("role", ""),
            role_detail=c.get("role_detail", "").strip(),
            note=c.get("note", "").strip(),
            start_date=c.get("start_date"),
            end_date=c.get("end_date"),
            goals=[g for f in self.goals.forms if self.whole(f) and (g := f.data_or_none())],
            activities=[f.as_data() for f in self.activities.forms if self.whole(f)],
            peers=list(c.get("peers") or []),
        )

    def add_rule_errors(self, errors: dict[str, list[str]]) -> None:
        """The proposal rules' messages beside their fields; a field that already has a
        message (it is missing or malformed) keeps just that one."""
        errors = {k: v for k, v in errors.items() if not self.form.errors.get(k)}
        self.rule_errors = errors
        for name, messages in errors.items():
            if name in self.form.fields:
                for message in messages:
                    self.form.add_error(name, message)

    # What the page shows

    # Where a message about a field or a rule points (an id on the page).
    ANCHORS = {"mentor": "mentor", "peers": "peers", "role": "id_role_0"}

    def error_summary(self) -> list[tuple[str, str]]:
        """Every problem as (the id of the field to jump to, the message): the list at
        the top of a refused form, each a link to its field (GOV.UK's error summary)."""
        problems = []  # (place on the page, anchor, message)
        for name, errors in self.form.errors.items():
            anchor = self.ANCHORS.get(name, f"id_{name}")
            problems += [(_place(name), anchor, str(message)) for message in errors]
        for formset, label in ((self.goals, "Goal"), (self.activities, "Activity")):
            for number, form in enumerate(formset.forms, start=1):
                for name, errors in form.errors.items():
                    anchor, place = form[name].auto_id, _place(formset.prefix)
                    problems += [(place, anchor, f"{label} {number}: {m}") for m in errors]
        for name, messages in self.rule_errors.items():
            if name not in self.form.fields:
                anchor = self._goal_to_fill() if name == "goals" else self.ANCHORS.get(name, name)
                problems += [(_place(name), anchor, m) for m in messages]
        # In the page's order, top to bottom, as a reader meets the fields (sorted() keeps
        # each place's messages as they came).
        return [(anchor, message) for _, anchor, message in sorted(problems, key=lambda p: p[0])]

    def _goal_to_fill(self) -> str:
        """Where a goals rule points: the first measure missing beside its goal, else
        the first goal left empty, else the section (too many goals)."""
        typed = [(form, form.cleaned_data if self.whole(form) else {}) for form in self.goals]
        for form, data in typed:
            if data.get("description", "").strip() and not data.get("measure", "").strip():
                return form["measure"].auto_id
        empty = [form for form, data in typed if not data.get("description", "").strip()]
        return empty[0]["description"].auto_id if empty else "goals"

    def budget_minutes(self) -> int:
        """The live total, also while a row is half typed (invalid rows count as 0)."""
        return budget_minutes(f.as_data() for f in self.activities.forms if self.whole(f))

    def goal_text(self) -> str:
        """What the goals say (valid, bounded rows only): what suggestions are for."""
        return " ".join(
            f.cleaned_data.get("description", "") for f in self.goals.forms if self.whole(f)
        )

    def whole(self, row: forms.Form) -> bool:
        return row.prefix in self.whole_rows

    def chosen_ids(self, name: str) -> list[str]:
        value = self.typed.get(name)
        if name == "mentor":
            return [str(value.pk)] if value else []
        return [str(p.pk) for p in value or []]

    def _found(self, name: str) -> list[Employee]:
        text = self.typed.get(name, "").strip()
        if text and name not in self._searches:  # searched once, for the choices and `unmatched`
            people = Employee.objects.active().exclude(pk=self.me.pk).select_related("department")
            # A name, a title and a department per choice: none of the skills and interests a
            # directory card reads (two queries fewer).
            found = search_employees(people, text).prefetch_related(None)
            self._searches[name] = list(found[:SEARCH_LIMIT])
        return self._searches.get(name, [])

    def unmatched(self, name: str) -> str:
        """What was searched for in `name` (mentor_q, peer_q) when it found nobody."""
        text = self.typed.get(name, "").strip()
        return text if text and not self._found(name) else ""

    def _candidates(self, chosen_field: str, query_field: str) -> list[Employee]:
        chosen = self.typed.get(chosen_field)
        chosen = [chosen] if isinstance(chosen, Employee) else list(chosen or [])
        people = [*chosen, *self._found(query_field)]
        return list({p.pk: p for p in people}.values())

    def mentor_candidates(self) -> list[Employee]:
        return self._candidates("mentor", "mentor_q")

    def peer_candidates(self) -> list[Employee]:
        return self._candidates("peers", "peer_q")
