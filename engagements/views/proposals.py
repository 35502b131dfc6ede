"""Proposing: the draft form (goals, role, activities, dates, peers), propose, withdraw."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from directory.models import Employee
from directory.people import current_employee
from directory.suggestions import skills_in_text, suggest_mentors, suggest_peers
from engagements import workflow
from engagements.access import engagement_for
from engagements.forms import (
    ACTIVITY_FIELDS,
    GOAL_FIELDS,
    ActivityFormSet,
    GoalFormSet,
    ProposalForm,
    initial_rows,
    proposal_data,
    rows_of,
    with_rows,
)
from engagements.models import Engagement, Program, TransitionError

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
    "refresh": None,
}
SEARCH_LIMIT = 8


@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    me = current_employee(request)
    engagement = _draft(request, pk) if pk else None
    program = engagement.program if engagement else Program.default()
    # A button names its action; a redraw triggered by htmx (no button) names it in the URL.
    action = request.POST.get("action") or request.GET.get("redraw", "")
    action, _, index = action.partition(":")
    page = ProposalPage(request, me, program, engagement)

    if request.method == "POST" and action in ROW_ACTIONS:
        page.apply(action, index)
        return page.render(partial=ROW_ACTIONS[action] if request.htmx else None)
    if request.method == "POST" and page.is_valid():
        data = page.data()
        if action == "propose":
            today = timezone.localdate(timezone=workflow.program_zone(program))
            errors = workflow.check_proposal(data, protege=me, program=program, today=today)
            if errors:
                page.add_errors(errors)
                return page.render()
        with transaction.atomic():
            engagement = workflow.save_draft(data, protege=me, engagement=engagement)
            if action == "propose":
                workflow.propose(engagement, by=me)
        if action == "propose":
            messages.success(request, f"Proposed to {data.mentor.full_name}. You'll hear here.")
        else:
            messages.success(request, "Draft saved. Propose it when it is ready.")
        return redirect(engagement)
    return page.render()


class ProposalPage:
    """The propose form: the main fields, goal rows, activity rows, and the candidate
    mentors and peers found by search. One template, parts redrawn by htmx."""

    def __init__(self, request, me: Employee, program: Program, engagement: Engagement | None):
        self.request, self.me, self.program, self.engagement = request, me, program, engagement
        self.notice = ""
        if request.method == "POST":
            self.post = request.POST
        else:
            goals, activities = initial_rows(engagement)
            self.post = None
            self.initial = self._initial()
            self.goal_rows, self.activity_rows = goals, activities
        self._build()

    def _initial(self) -> dict:
        e = self.engagement
        if e is None:
            mentor = Employee.objects.active().filter(pk=self.request.GET.get("mentor")).first()
            return {"mentor": mentor, "role": "", "title": ""}
        return {
            "title": e.title,
            "mentor": e.mentor,
            "role": e.role,
            "role_detail": e.role_detail,
            "note": e.note,
            "start_date": e.start_date,
            "end_date": e.end_date,
            "peers": [p.employee for p in e.participants.all()],
        }

    def _build(self) -> None:
        self._chosen_cache: dict[str, list[Employee]] = {}
        if self.post is not None:
            self.form = ProposalForm(self.post)
            self.goals = GoalFormSet(self.post, prefix="goals")
            self.activities = ActivityFormSet(self.post, prefix="activities")
        else:
            self.form = ProposalForm(initial=self.initial)
            self.goals = GoalFormSet(initial=self.goal_rows, prefix="goals")
            self.activities = ActivityFormSet(initial=self.activity_rows, prefix="activities")

    def apply(self, action: str, index: str) -> None:
        """Add or remove a row, or search, and redraw without saving anything."""
        post = self.post
        if action in ("add_goal", "remove_goal"):
            rows = rows_of(post, "goals", GOAL_FIELDS)
            if action == "add_goal":
                if len(rows) >= self.program.max_goals:
                    self.notice = (
                        f"At most {self.program.max_goals} goals: a micro-engagement stays "
                        "targeted. Start another engagement for a third."
                    )
                else:
                    rows.append({"description": "", "measure": ""})
            elif index.isdigit() and int(index) < len(rows):
                rows.pop(int(index))
            post = with_rows(post, "goals", rows or [{"description": "", "measure": ""}])
        elif action == "add_peer" and index.isdigit():
            post = post.copy()
            post.setlist("peers", [*post.getlist("peers"), index])
        elif action in ("add_activity", "remove_activity"):
            rows = rows_of(post, "activities", ACTIVITY_FIELDS)
            if action == "add_activity":
                rows.append(
                    {"kind": "discussion", "description": "", "count": "1", "minutes_each": "60"}
                )
            elif index.isdigit() and int(index) < len(rows):
                rows.pop(int(index))
            post = with_rows(post, "activities", rows)
        self.post = post
        self._build()

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.goals.is_valid(), self.activities.is_valid()])

    def data(self) -> workflow.ProposalData:
        return proposal_data(self.form, self.goals, self.activities)

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        self.rule_errors = errors
        for name, messages_ in errors.items():
            if name in self.form.fields:
                for message in messages_:
                    self.form.add_error(name, message)

    # What the template shows

    def budget_minutes(self) -> int:
        """The live total, also while a row is half typed (invalid rows count as 0)."""
        rows = (
            rows_of(self.post, "activities", ACTIVITY_FIELDS)
            if self.post is not None
            else self.activity_rows
        )
        total = 0
        for row in rows:
            try:
                total += max(int(row["count"]), 0) * max(int(row["minutes_each"]), 0)
            except (TypeError, ValueError):
                continue
        return total

    def mentor_candidates(self) -> list[Employee]:
        chosen = self._chosen("mentor")
        found = self._search("mentor_q", exclude=[self.me.pk])
        return _unique([*chosen, *found])

    def peer_candidates(self) -> list[Employee]:
        chosen = self._chosen("peers")
        found = self._search("peer_q", exclude=[self.me.pk])
        return _unique([*chosen, *found])

    def _chosen(self, name: str) -> list[Employee]:
        if name not in self._chosen_cache:
            self._chosen_cache[name] = self._lookup_chosen(name)
        return self._chosen_cache[name]

    def _lookup_chosen(self, name: str) -> list[Employee]:
        if self.post is not None:
            ids = [i for i in self.post.getlist(name) if i.isdigit()]
        else:
            value = self.initial.get(name)
            ids = [e.pk for e in (value if isinstance(value, list) else [value]) if e]
        return list(Employee.objects.active().for_listing().filter(pk__in=ids))

    def _search(self, name: str, exclude: list[int]) -> list[Employee]:
        text = (self.post or self.request.GET).get(name, "").strip()
        if not text:
            return []
        return list(
            Employee.objects.active()
            .exclude(pk__in=exclude)
            .for_listing()
            .search(text)[:SEARCH_LIMIT]
        )

    def render(self, partial: str | None = None) -> HttpResponse:
        template = "engagements/propose.html"
        context = {
            "page": self,
            "form": self.form,
            "goals": self.goals,
            "activities": self.activities,
            "program": self.program,
            "engagement": self.engagement,
            "budget_minutes": self.budget_minutes(),
            "mentor_candidates": self.mentor_candidates(),
            "peer_candidates": self.peer_candidates(),
            "chosen_mentor": (self.post or {}).get("mentor")
            if self.post is not None
            else getattr(self.initial.get("mentor"), "pk", None),
            "chosen_peers": self._chosen_ids("peers"),
            **self.suggestions(),
            "notice": self.notice,
            "rule_errors": getattr(self, "rule_errors", {}),
        }
        return render(self.request, f"{template}#{partial}" if partial else template, context)

    def goal_text(self) -> str:
        rows = rows_of(self.post, "goals", GOAL_FIELDS) if self.post is not None else self.goal_rows
        return " ".join(row["description"] for row in rows)

    def suggestions(self) -> dict:
        """Mentors and peers for what the goals are about (also shown without JS)."""
        text = self.goal_text()
        skills = skills_in_text(text)
        mentor = next(iter(self._chosen("mentor")), None)
        peers = suggest_peers(self.me, skills, mentor=mentor)
        chosen = self._chosen_ids("peers")
        return {
            "text": text,
            "skills": skills,
            "suggestions": suggest_mentors(self.me, skills),
            "pick": True,
            "peer_suggestions": [s for s in peers if str(s.person.pk) not in chosen],
        }

    def _chosen_ids(self, name: str) -> set[str]:
        if self.post is not None:
            return set(self.post.getlist(name))
        return {str(e.pk) for e in self.initial.get(name) or []}


def _unique(people: list[Employee]) -> list[Employee]:
    return list({p.pk: p for p in people}.values())


def _draft(request: HttpRequest, pk: int) -> Engagement:
    access = engagement_for(request, pk, role="protege")
    if access.engagement.state != Engagement.State.DRAFT:
        raise Http404("Only drafts can be edited.")
    return access.engagement


@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, role="protege")
    try:
        workflow.propose(access.engagement, by=access.me)
    except workflow.ProposalError as exc:
        messages.error(request, f"Not proposed yet: {exc}")
        return redirect("engagements:edit", pk=pk)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Proposed to {access.engagement.mentor.full_name}.")
    return redirect(access.engagement)


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, role="protege")
    try:
        workflow.withdraw(access.engagement, by=access.me)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Proposal withdrawn. The mentor has been told.")
    return redirect(access.engagement)


@require_POST
def delete_draft(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, role="protege")
    try:
        workflow.delete_draft(access.engagement, by=access.me)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(access.engagement)
    messages.success(request, "Draft deleted.")
    return redirect("engagements:home")


@require_POST
def follow_on(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, role="protege")
    try:
        draft = workflow.start_follow_on(access.engagement, by=access.me)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(access.engagement)
    messages.success(request, "A follow-on draft, prefilled from the last engagement.")
    return redirect("engagements:edit", pk=draft.pk)
