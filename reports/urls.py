from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("recompute/", views.recompute, name="recompute"),
    path("export/<slug:table>.csv", views.export, name="export"),
]
