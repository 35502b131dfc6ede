from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from mentorship.views import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="directory:index"), name="home"),
    path("directory/", include("directory.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
