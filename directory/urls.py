from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.directory, name="index"),
    path("people/<int:pk>/", views.employee_detail, name="employee"),
    path("me/", views.profile_edit, name="profile_edit"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("import/", views.import_employees, name="import"),
]
