import zoneinfo
from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import get_resolver, get_urlconf, reverse
from django.utils import timezone
from django.utils.log import log_response
from django_htmx.http import HttpResponseClientRedirect

from directory.logins import TIME_ZONE_SESSION_KEY, employee_of
from engagements.access import is_programme_admin


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, for the htmx requests of a page whose session has ended (signed out in
    another tab): the whole page goes to sign in (HX-Redirect) and comes back to itself
    after, where following Django's redirect drew the sign-in page inside the panel."""

    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        if not getattr(request, "htmx", False):
            return super().handle_no_permission(request, view_func)
        page = request.htmx.current_url_abs_path or "/"  # None for another site's page
        login = redirect_to_login(page, self.get_login_url(view_func))
        return HttpResponseClientRedirect(login.url)


class ProgrammeAdminMFAMiddleware:
    """With MFA_REQUIRED_FOR_PROGRAMME_ADMINS on, a programme admin who has not set up
    two-factor authentication is sent to set it up before any other page: admins see
    everyone's participation. The account pages (sign out, two-factor) stay open. Off by
    default, and then it costs nothing; on, two small queries per signed-in request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED_FOR_PROGRAMME_ADMINS
            and request.user.is_authenticated
            and not request.path.startswith(ALWAYS_OPEN)
            and is_programme_admin(request.user, employee_of(request))
            and not is_mfa_enabled(request.user)
        ):
            messages.info(request, "Programme admins sign in with two-factor: set it up first.")
            url = reverse("mfa_activate_totp")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        return self.get_response(request)


# Sign-in, sign-out and setting up two-factor itself; what load balancers and browsers call.
ALWAYS_OPEN = ("/accounts/", "/static/", "/healthz", "/readyz", "/health/", "/csp-report/")


class TimeZoneMiddleware:
    """Show times in the person's own time zone, remembered in the session at sign-in
    (and when the profile changes), so no query is needed per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = request.session.get(TIME_ZONE_SESSION_KEY) if hasattr(request, "session") else None
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class ErrorPagesInDebugMiddleware:
    """With DEBUG on (the embedded demo, `make run`) people still get the app's own 404 and
    500 pages, not Django's technical ones, which list the URL patterns and whose inline
    styles the CSP blocks. Tracebacks still go to the console. With DEBUG off Django
    already renders these pages, so this does nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            # No URL matched, so no view ran: this 404 is Django's technical page.
            return self.error_page(request, 404, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return self.error_page(request, 404, exception)
        if isinstance(exception, (PermissionDenied, BadRequest, SuspiciousOperation)):
            return None  # Django answers these with their own 4xx pages.
        got_request_exception.send(sender=None, request=request)
        response = self.error_page(request, 500, exception)
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response

    def error_page(self, request: HttpRequest, status: int, exception: Exception) -> HttpResponse:
        # The same handlers Django uses with DEBUG off (handler404/handler500 if set).
        handler = get_resolver(get_urlconf()).resolve_error_handler(status)
        return handler(request, exception=exception) if status == 404 else handler(request)
