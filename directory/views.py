from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from directory.forms import DirectorySearchForm, EmployeeImportForm, ProfileForm
from directory.importing import import_employees_csv
from directory.models import Employee, Skill
from directory.people import current_employee
from directory.suggestions import skills_in_text, suggest_mentors
from engagements.access import programme_admin_required
from engagements.workflow import mentor_record, micro_mentors_last_year
from mentorship.middleware import TIME_ZONE_SESSION_KEY

PAGE_SIZE = 20


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    employees = Employee.objects.active().for_listing()
    if form.is_bound and form.is_valid():
        employees = form.filter(employees)
    page = Paginator(employees, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    # Live search asks only for the results; a plain GET (or htmx restoring history)
    # gets the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "directory/directory.html#results" if partial else "directory/directory.html"
    if not partial and not request.GET.get("q"):
        me = current_employee(request)
        context["suggested"] = suggest_mentors(me, list(me.interests.all()[:3]), limit=3)
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def employee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(
        Employee.objects.active()
        .with_load()
        .select_related("department", "manager")
        .prefetch_related(
            "skills",
            "interests",
            Prefetch("reports", queryset=Employee.objects.active().select_related("department")),
        ),
        pk=pk,
    )
    teammates = (
        Employee.objects.active()
        .filter(manager_id=employee.manager_id)
        .exclude(pk=employee.pk)
        .select_related("department")[:12]
        if employee.manager_id
        else []
    )
    me = current_employee(request)
    context = {
        "employee": employee,
        "teammates": teammates,
        "is_me": employee == me,
        "record": mentor_record(employee),
        "micro_mentors": micro_mentors_last_year(employee),
    }
    return render(request, "directory/employee_detail.html", context)


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    form = ProfileForm(request.POST or None, instance=me)
    if request.method == "POST" and form.is_valid():
        form.save()
        me.refresh_search()
        request.session[TIME_ZONE_SESSION_KEY] = me.time_zone
        messages.success(request, "Your profile is saved.")
        return redirect(me)
    skills = Skill.objects.all()
    return render(request, "directory/profile_edit.html", {"form": form, "skills": skills})


@programme_admin_required
@require_http_methods(["GET", "POST"])
def import_employees(request: HttpRequest) -> HttpResponse:
    form = EmployeeImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = import_employees_csv(form.cleaned_data["file"].read())
        if result.ok:
            messages.success(
                request,
                f"Imported: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
            )
            return redirect("directory:import")
    return render(request, "directory/import.html", {"form": form, "result": result})


def suggestions(request: HttpRequest) -> HttpResponse:
    """Mentors for what the protégé wants to learn: the words of a goal (`q`, or every
    `goals-N-description` of the propose form) matched to skills. An htmx partial."""
    me = current_employee(request)
    text = request.GET.get("q") or " ".join(
        value for key, value in request.GET.items() if key.endswith("-description")
    )
    skills = skills_in_text(text[:500])
    context = {
        "suggestions": suggest_mentors(me, skills),
        "skills": skills,
        "text": text,
        "pick": request.GET.get("pick") == "1",
        "heading": request.GET.get("heading", "")[:60],
        "chosen_mentor": request.GET.get("mentor", ""),
    }
    response = render(request, "directory/suggestions.html", context)
    # The propose page redraws its peer suggestions when the goal's skills change.
    return trigger_client_event(response, "suggestions-updated")
