"""The participation report, for programme admins (and superusers); 404 for anyone else."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from directory.logins import current_employee
from engagements.access import programme_admin_required
from engagements.models import Program
from reports import exports, facts, sections
from reports.forms import ReportFilterForm


def filter_form(request: HttpRequest) -> ReportFilterForm:
    """The filters from the query string; no query string means the last 12 months."""
    me = current_employee(request)
    programmes = Program.objects.all() if request.user.is_superuser else me.administered_programs
    return ReportFilterForm(
        request.GET or {"period": "12m"},
        programmes=programmes.all(),
        today=Program.default().today(),
    )


@require_GET
@programme_admin_required
def report(request: HttpRequest) -> HttpResponse:
    form = filter_form(request)
    context = {"form": form}
    if form.is_valid():
        with facts.one_read():
            context |= sections.report(form.scope())
        context["query"] = request.GET.urlencode()
    template = "reports/report.html#report" if request.htmx else "reports/report.html"
    return render(
        request, template, context, status=400 if form.errors and not request.htmx else 200
    )


@require_GET
@programme_admin_required
def export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in exports.TABLES:
        raise Http404("No such table.")
    form = filter_form(request)
    if not form.is_valid():
        return HttpResponse(
            "The report's filters are not valid.", status=400, content_type="text/plain"
        )
    header, rows = exports.TABLES[table](form.scope())
    return exports.response(
        f"{table}-{form.cleaned_data['start']}-{form.cleaned_data['end']}", header, rows
    )
