from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from engagements.urls import directory_urlpatterns
from mentorship.views import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="engagements:home"), name="home"),
    path("directory/", include((directory_urlpatterns, "directory"))),
    path("engagements/", include("engagements.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
