"""Programme settings, for its admins: the rules, the admins, the change history."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from directory.http import form_action
from directory.logins import current_employee
from directory.models import Employee
from directory.search import search_employees
from engagements import programme
from engagements.access import programme_admin_required, programme_for, programmes_run_by
from engagements.programme_forms import AdminForm, RulesForm, SettingsQueryForm

HISTORY_PER_PAGE = 10
SEARCH_SHOWN = 8


@require_GET
@programme_admin_required
def pick(request: HttpRequest) -> HttpResponse:
    """Straight to the settings of the one programme a person runs; a list for several."""
    programmes = list(programmes_run_by(request).order_by("name"))
    if len(programmes) == 1:
        return redirect("engagements:programme_settings", pk=programmes[0].pk)
    return render(request, "engagements/programme_pick.html", {"programmes": programmes})


@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    program = programme_for(request, pk)
    me = current_employee(request)
    form = RulesForm.of(program, request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = programme.change_rules(program, by=me, rules=form.cleaned_data)
        if event:
            changed = ", ".join(what.lower() for what, _, _ in event.lines())
            messages.success(request, f"Saved. Changed: {changed}. It applies from now on.")
        else:
            messages.success(request, "Nothing to save: the rules are as they were.")
        return redirect("engagements:programme_settings", pk=pk)
    query = SettingsQueryForm(request.GET)
    context = {"program": program, "me": me, "form": form, "query": query}
    target = request.htmx.target if request.htmx else None
    if target == "admin-results":
        return render_settings(request, context, partial="admin-results")
    if target == "history":
        return render_settings(request, context, partial="history")
    status = 422 if request.method == "POST" else 200
    return render_settings(request, context, status=status)


def render_settings(
    request: HttpRequest, context: dict, *, partial: str | None = None, status: int = 200
) -> HttpResponse:
    program, query = context["program"], context["query"]
    admins = list(program.admins.select_related("department").order_by("full_name"))
    text = query.value("q") or ""
    found = (
        list(
            search_employees(Employee.objects.active().select_related("department"), text)[
                :SEARCH_SHOWN
            ]
        )
        if text.strip()
        else []
    )
    events = program.events.select_related("actor").order_by("-created_at", "-pk")
    context |= {
        "admins": admins,
        "admin_ids": {a.pk for a in admins},
        "q": text,
        "found": found,
        "history": Paginator(events, HISTORY_PER_PAGE).get_page(query.value("history")),
        "settings_url": reverse("engagements:programme_settings", args=[program.pk]),
    }
    template = "engagements/programme_settings.html"
    return render(request, f"{template}#{partial}" if partial else template, context, status=status)


@form_action(back="engagements:programme_settings")
def add_admin(request: HttpRequest, pk: int) -> HttpResponse:
    program = programme_for(request, pk)
    form = AdminForm(request.POST, candidates=Employee.objects.active())
    if not form.is_valid():
        messages.error(request, "Not added: " + " ".join(form.errors["employee"]))
        return redirect("engagements:programme_settings", pk=pk)
    employee = form.cleaned_data["employee"]
    try:
        programme.add_admin(program, employee, by=current_employee(request))
    except programme.ProgrammeError as exc:
        messages.error(request, f"Not added: {exc}")
    else:
        messages.success(request, f"{employee.full_name} is now an admin of {program.name}.")
    return redirect("engagements:programme_settings", pk=pk)


@form_action(back="engagements:programme_settings")
def remove_admin(request: HttpRequest, pk: int) -> HttpResponse:
    program = programme_for(request, pk)
    me = current_employee(request)
    form = AdminForm(request.POST, candidates=program.admins.all())
    if not form.is_valid():
        messages.error(request, "Not removed: " + " ".join(form.errors["employee"]))
        return redirect("engagements:programme_settings", pk=pk)
    employee = form.cleaned_data["employee"]
    if employee == me and not form.cleaned_data["confirm"]:
        # Removing oneself locks one out of this page: say so, and ask once more.
        # Only those still in the company can sign in and add one back.
        others = program.admins.active().exclude(pk=me.pk).count()
        context = {"program": program, "me": me, "others": others}
        return render(request, "engagements/programme_remove_self.html", context)
    try:
        programme.remove_admin(program, employee, by=me)
    except programme.ProgrammeError as exc:
        messages.error(request, f"Not removed: {exc}")
        return redirect("engagements:programme_settings", pk=pk)
    if employee == me:
        messages.success(request, f"You are no longer an admin of {program.name}.")
        still_runs = programmes_run_by(request).filter(pk=pk).exists()
        return redirect("engagements:programme_settings", pk=pk) if still_runs else redirect("home")
    messages.success(request, f"{employee.full_name} is no longer an admin of {program.name}.")
    return redirect("engagements:programme_settings", pk=pk)
