from django.urls import path

from directory import views

# The rest of the "directory" namespace (search, profiles, import) shows engagement
# history too, so its views live in engagements.views.people; see engagements/urls.py.
urlpatterns = [
    path("me/", views.profile_edit, name="profile_edit"),
]
