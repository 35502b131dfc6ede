"""What machines call: health checks for load balancers and containers, and the browsers'
reports of Content-Security-Policy violations."""

import json

import structlog
from allauth.core import ratelimit
from allauth.socialaccount.providers.openid_connect import views as openid_connect
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

logger = structlog.get_logger(__name__)


@login_not_required
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """The app answers and the database too. Also the trivial view the benchmarks in
    bench/ measure against."""
    if problem := _database():
        return HttpResponse(problem, status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database, so a database outage does not get
    every web process restarted."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: send this process traffic only when the database answers and every
    migration is applied. Says which part is not ready.

    Not Redis: a web process serves every page without it. Its cache is then a miss
    (mentorship/cache.py) and its enqueues after commit fail fast and are left to the
    sweep (engagements.transitions.enqueue_delivery), the outbox rows being in the
    database. Checking the broker here took every web process out of the load balancer
    for a Redis blip that only delays mail."""
    database = _database()
    # Migrations are looked at only when the database answers: a database that is down
    # is reported once.
    checks = [database, "" if database else _migrations()]
    problems = [problem for problem in checks if problem]
    if problems:
        return HttpResponse("\n".join(problems), status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        # The driver's words name the host, port and database: for the log, not for
        # whoever asks this unauthenticated URL.
        logger.error("database_unavailable", error=str(error).strip())
        return "database: unavailable (the log says why)"
    return ""


# Migrations only ever get applied while a process runs: once all are, they stay so.
_all_migrated = False


def _migrations() -> str:
    global _all_migrated
    if _all_migrated:
        return ""
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        return f"migrations: {len(unapplied)} not applied (run manage.py migrate)"
    _all_migrated = True
    return ""


class CSPReportForm(forms.Form):
    """The parts of a violation report worth a log line, each bounded."""

    document_uri = forms.CharField(max_length=2000, required=False)
    violated_directive = forms.CharField(max_length=200, required=False)
    effective_directive = forms.CharField(max_length=200, required=False)
    blocked_uri = forms.CharField(max_length=2000, required=False)
    source_file = forms.CharField(max_length=2000, required=False)
    line_number = forms.IntegerField(min_value=0, required=False)


# A report is a few hundred bytes; anything far larger is not one.
MAX_REPORT_BYTES = 16_384


@csrf_exempt  # browsers send these on their own, without a token
@login_not_required
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log a browser's report of a Content-Security-Policy violation (report-uri)."""
    # Counted per client address (behind our proxy too: directory.adapters) with the
    # sign-in limits' counters, before any parsing.
    if not ratelimit.consume(request, action="csp_report"):
        return HttpResponse("Too many reports.", status=429, content_type="text/plain")
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit():
        return HttpResponse("Not a report.", status=400, content_type="text/plain")
    if int(length) > MAX_REPORT_BYTES:
        return HttpResponse("Too large for a report.", status=413, content_type="text/plain")
    try:
        report = json.loads(request.body).get("csp-report")
    except (ValueError, AttributeError):
        report = None
    if not isinstance(report, dict):
        return HttpResponse("Not a CSP report.", status=400, content_type="text/plain")
    form = CSPReportForm({key.replace("-", "_"): value for key, value in report.items()})
    if not form.is_valid():
        return HttpResponse("Not a CSP report.", status=400, content_type="text/plain")
    logger.warning("csp_violation", **form.cleaned_data)
    return HttpResponse(status=204)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an out-of-date CSRF token (opened before a sign-in or sign-out):
    the layout and what to do, where Django's page speaks of tokens. Django has logged
    the reason (django.security.csrf). From htmx (which swaps no 4xx answer, so nothing
    would happen) the same words go at the top of the page, and what was typed stays."""
    if request.headers.get("HX-Request") == "true":
        response = render(request, "403_csrf.html#htmx", status=200)
        response["HX-Retarget"] = "#main"
        response["HX-Reswap"] = "afterbegin show:#main:top"
        return response
    return render(request, "403_csrf.html", status=403)


@login_not_required
def company_sign_in(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's start of single sign-on, which first reads the provider's OpenID
    configuration: a provider that is down, unreachable or misnamed in OIDC_SERVER_URL
    raised out of it (a 500 for everyone who clicked). The page says so and offers the
    password instead; the log says why. (Its callback handles the same itself.)"""
    try:
        return openid_connect.login(request, provider_id)
    except OSError as error:  # requests' errors are OSErrors
        logger.error("company_sign_in_unavailable", error=str(error))
        context = {"provider_down": True}
        return render(request, "socialaccount/authentication_error.html", context, status=503)
