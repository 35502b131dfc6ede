from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.generic import RedirectView

from engagements.urls import directory_urlpatterns
from mentorship.views import company_sign_in, csp_report, health, healthz, readyz

# The admin signs in through allauth's login, so two-factor and the rate limits apply
# there too; the admin's own password-only form is never shown.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="engagements:home"), name="home"),
    path("directory/", include((directory_urlpatterns, "directory"))),
    path("engagements/", include("engagements.urls")),
    path("reports/", include("reports.urls")),
    # Before allauth's own route to the same address, which a provider down made a 500.
    path("accounts/oidc/<str:provider_id>/login/", company_sign_in),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("csp-report/", csp_report, name="csp_report"),
]


def handler429(request: HttpRequest) -> HttpResponse:
    """What allauth shows when a rate limit holds a request back (it looks for this name
    in the root URLconf); the page words it for the form that was held back."""
    return render(request, "account/429.html", status=429)
