import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf
from django.utils import timezone
from django.utils.log import log_response

from directory.logins import TIME_ZONE_SESSION_KEY

# No inline scripts or styles anywhere: everything comes from /static/.
# img-src allows data: for the TOTP QR code allauth renders.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


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
