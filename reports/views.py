"""The participation report, for programme admins (and superusers); 404 for anyone else."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from engagements.access import programme_admin_required, programmes_run_by
from reports import cache, exports
from reports.forms import ReportFilterForm


def filter_form(request: HttpRequest, data=None) -> ReportFilterForm:
    """The filters from the query string (or the posted form); none means the last 12
    months, ending today in the covered programmes' zone (`reports.forms.clock`)."""
    return ReportFilterForm(
        (request.GET if data is None else data) or {"period": "12m"},
        programmes=programmes_run_by(request),
    )


@require_GET
@programme_admin_required
def report(request: HttpRequest) -> HttpResponse:
    form = filter_form(request)
    context = {"form": form}
    if form.is_valid():
        scope = form.scope()
        context |= cache.report(scope)
        context["drawn"] = cache.drawn(context, scope)
        context["as_of"] = cache.as_of(context, scope)
        context["query"] = request.GET.urlencode()
    template = "reports/report.html#report" if request.htmx else "reports/report.html"
    return render(
        request, template, context, status=400 if form.errors and not request.htmx else 200
    )


@require_POST
@programme_admin_required
def recompute(request: HttpRequest) -> HttpResponse:
    """ "Recompute now": the posted filters' report computed afresh (replacing its cache
    entry), then the report with those filters. Bad filters recompute nothing: the
    report shows their message."""
    form = filter_form(request, request.POST)
    posted = {name: request.POST.get(name, "")[:40] for name in ReportFilterForm.base_fields}
    filters = {name: value for name, value in posted.items() if value}
    if form.is_valid():
        cache.compute(form.scope())
    return redirect(f"{reverse('reports:report')}?{urlencode(filters)}")


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
