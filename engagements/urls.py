from django.urls import path

from engagements.views import (
    decisions,
    engagement,
    home,
    notifications,
    people,
    programme_settings,
    proposals,
)

app_name = "engagements"
urlpatterns = [
    path("", home.home, name="home"),
    path("new/", proposals.proposal_edit, name="new"),
    path("history/", home.history, name="history"),
    path("inbox/", decisions.inbox, name="inbox"),
    path("programme/", home.programme, name="programme"),
    path("programme/settings/", programme_settings.pick, name="programme_settings_pick"),
    path(
        "programme/<int:pk>/settings/",
        programme_settings.settings_page,
        name="programme_settings",
    ),
    path(
        "programme/<int:pk>/settings/admins/add/",
        programme_settings.add_admin,
        name="programme_add_admin",
    ),
    path(
        "programme/<int:pk>/settings/admins/remove/",
        programme_settings.remove_admin,
        name="programme_remove_admin",
    ),
    path("decide/<str:token>/", decisions.decide_from_email, name="decide"),
    path("notifications/<int:pk>/", home.open_notification, name="notification"),
    path("notifications/read/", home.read_all, name="read_all"),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="unsubscribe",
    ),
    path("notifications/outbox/", notifications.outbox, name="outbox"),
    path("<int:pk>/", engagement.detail, name="detail"),
    path("<int:pk>/edit/", proposals.proposal_edit, name="edit"),
    path("<int:pk>/propose/", proposals.propose, name="propose"),
    path("<int:pk>/withdraw/", proposals.withdraw, name="withdraw"),
    path("<int:pk>/delete/", proposals.delete_draft, name="delete"),
    path("<int:pk>/follow-on/", proposals.follow_on, name="follow_on"),
    path("<int:pk>/accept/", decisions.accept, name="accept"),
    path("<int:pk>/decline/", decisions.decline, name="decline"),
    path("<int:pk>/calendar.ics", engagement.calendar, name="calendar"),
    path("<int:pk>/meetings/", engagement.log_meeting, name="log_meeting"),
    path("<int:pk>/meetings/delete/", engagement.delete_meeting, name="delete_meeting"),
    path("<int:pk>/invitation/", engagement.answer_invitation, name="answer_invitation"),
    path("<int:pk>/leave/", engagement.leave, name="leave"),
    path("<int:pk>/cancel/", engagement.cancel, name="cancel"),
    path("<int:pk>/thank/", engagement.thank, name="thank"),
    path("<int:pk>/advise/", engagement.advise, name="advise"),
]

# The "directory" namespace: the directory's pages, which show engagement history or go
# by the programme's clock beside it (included by mentorship.urls under /directory/).
directory_urlpatterns = [
    path("", people.directory, name="index"),
    path("people/<int:pk>/", people.employee_detail, name="employee"),
    path("import/", people.import_employees, name="import"),
    path("import/<int:pk>/", people.import_run, name="import_run"),
    path("me/", people.profile_edit, name="profile_edit"),
]
