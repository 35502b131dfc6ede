"""The directory as the mentoring programme sees it: search with mentors suggested for
my interests, a person's profile with their mentoring record, my profile (its dates on
the programme's clock), the employee import."""

import datetime as dt
import logging

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from directory.compiled import Compiled
from directory.forms import DirectorySearchForm, EmployeeImportForm, ProfileForm
from directory.importing import import_employees_csv
from directory.logins import TIME_ZONE_SESSION_KEY, current_employee
from directory.models import Employee, ImportRun, Skill
from directory.paging import RankedPaginator
from directory.search import refresh_search_vectors
from directory.tasks import import_file
from engagements.access import programme_admin_required
from engagements.matching import suggest_mentors
from engagements.models import Engagement, Program, WrapUp
from engagements.paging import counted_for

PAGE_SIZE = 20
SUGGESTED_FOR_YOU_SECONDS = 5 * 60
logger = logging.getLogger(__name__)


def directory(request: HttpRequest) -> HttpResponse:
    today = Program.default().today()  # the programme's date: who can mentor now
    form = DirectorySearchForm(request.GET or None, today=today)
    employees = Employee.objects.active().for_listing()
    if form.is_bound:
        form.is_valid()  # each valid filter applies; one refused is named on the page
        employees = form.filter(employees)
    page = RankedPaginator(employees, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The cards' availability reads the same date (no second look-up of the programme).
    context = {"form": form, "page": page, "query": query.urlencode(), "programme_today": today}
    # Live search asks only for the results; a plain GET (or htmx restoring history)
    # gets the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "directory/directory.html#results" if partial else "directory/directory.html"
    if not partial and not request.GET.get("q"):
        context["suggested"] = suggested_for(current_employee(request), today)
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def suggested_for(me: Employee, today: dt.date) -> list:
    """The directory's "Suggested for you": a hint, not a decision (proposing checks
    capacity again), so it may be a few minutes old. Cached per person and per
    programme day; the propose page's suggestions are always computed afresh."""

    def compute() -> list:
        return suggest_mentors(me, list(me.interests.all()[:3]), today=today, limit=3)

    return cache.get_or_set(suggested_key(me, today), compute, SUGGESTED_FOR_YOU_SECONDS)


def suggested_key(me: Employee, today: dt.date) -> str:
    return f"suggested-for:{me.pk}:{today.isoformat()}"


# A profile and its teammates, read for every profile shown: their SQL compiled once
# (directory.compiled).
_PROFILE = Compiled(
    lambda pk: (
        Employee.objects.active()
        .filter(pk=pk)
        .select_related("department", "manager")
        .prefetch_related(
            Prefetch("reports", queryset=Employee.objects.active().select_related("department"))
        )
    )
)
# A person's skills and interests, each its own compiled lookup (as prefetches, Django's
# many-to-many prefetch compiled both on every visit, ~1 ms).
_SKILLS = Compiled(lambda person: Skill.objects.filter(experts=person))
_INTERESTS = Compiled(lambda person: Skill.objects.filter(learners=person))
_TEAMMATES = Compiled(
    lambda manager, person: (
        Employee.objects.active()
        .filter(manager_id=manager)
        .exclude(pk=person)
        .select_related("department")[:12]
    )
)

_THANKS = Compiled(lambda mentor: WrapUp.objects.thanks_for(mentor)[:5])


def employee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (employee := _PROFILE.first(pk)) is None:
        raise Http404("No such person in the directory.")
    teammates = _TEAMMATES.all(employee.manager_id, employee.pk) if employee.manager_id else []
    is_me = employee == current_employee(request)
    context = {
        "employee": employee,
        "skills": _SKILLS.all(employee.pk),
        "interests": _INTERESTS.all(employee.pk),
        "teammates": teammates,
        "is_me": is_me,
        **mentoring_record(employee, is_me=is_me),
    }
    return render(request, "directory/employee_detail.html", context)


# A tally past this reads "999+": counting reads each engagement it counts.
MENTORED_UP_TO = 999


def completed_as_mentor(person: Employee) -> QuerySet:
    return Engagement.objects.for_mentor(person).filter(state=Engagement.State.COMPLETED)


def mentoring_record(employee: Employee, *, is_me: bool) -> dict:
    """Recognition as a mentor (engagements completed, thank-you notes); to the person
    alone, the micro-mentors they met as a protégé in the last 12 months."""
    completed, more = counted_for(employee, completed=(completed_as_mentor, MENTORED_UP_TO))[
        "completed"
    ]
    record = {"completed": completed, "more": more, "thanks": _THANKS.all(employee.pk)}
    if not is_me:
        return {"record": record}
    since = timezone.now() - dt.timedelta(days=365)
    met = Engagement.objects.for_protege(employee).distinct_mentors_since(since)
    return {"record": record, "micro_mentors": met}


def over_capacity_note(me: Employee) -> str:
    """Mentoring fewer at a time than now running is allowed (no new ones, the running
    ones go on), but said out loud, not left for the inbox's "3 of 1" to reveal."""
    if me.mentoring_load <= me.mentoring_capacity:
        return ""
    running = f"You mentor {me.mentoring_load} now"
    if not me.mentoring_capacity:
        return f"{running}; they go on to their end dates, and you get no new proposals."
    to_end = me.mentoring_load - me.mentoring_capacity + 1
    return (
        f"{running}, more than the {me.mentoring_capacity} at a time you set: they go on "
        f"to their end dates, and you get no new proposals until {to_end} of them "
        f"{'has' if to_end == 1 else 'have'} ended."
    )


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    today = Program.default().today()
    form = ProfileForm(request.POST or None, instance=me, today=today)
    if request.method == "POST" and form.is_valid():
        form.save()
        refresh_search_vectors([me.pk])
        # New interests, new suggestions: not the ones kept from before the change.
        cache.delete(suggested_key(me, today))
        request.session[TIME_ZONE_SESSION_KEY] = me.time_zone
        messages.success(request, "Your profile is saved.")
        if note := over_capacity_note(me):
            messages.warning(request, note)
        return redirect(me)
    skills = Skill.objects.all()
    return render(request, "directory/profile_edit.html", {"form": form, "skills": skills})


@programme_admin_required
@require_http_methods(["GET", "POST"])
def import_employees(request: HttpRequest) -> HttpResponse:
    form = EmployeeImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if form.in_background:
            run = ImportRun.objects.create(
                filename=upload.name[:200],
                data=upload.read(),
                uploaded_by=current_employee(request),
            )
            enqueue_import(run)
            return redirect("directory:import_run", pk=run.pk)
        result = import_employees_csv(upload.read())
        if result.ok:
            messages.success(request, f"Imported: {result.summary}")
            return redirect("directory:import")
    return render(request, "directory/import.html", {"form": form, "result": result})


@programme_admin_required
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import as it goes, and its report when it is done (htmx polls the
    status; without JavaScript the page has a refresh link)."""
    run = get_object_or_404(ImportRun.objects.defer("data"), pk=pk)
    template = "directory/import_run.html#status" if request.htmx else "directory/import_run.html"
    return render(request, template, {"run": run})


def enqueue_import(run: ImportRun) -> None:
    # A broker outage must not lose the upload: the run stays queued and says so.
    def send() -> None:
        try:
            import_file.delay(run.pk)
        except Exception:  # noqa: BLE001 — any broker failure; logged, the row remains
            logger.exception("Could not queue import run %s", run.pk)

    transaction.on_commit(send)
