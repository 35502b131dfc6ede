"""Email settings, the one-click unsubscribe from reminder emails, and the outbox page."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from directory.logins import current_employee, employee_of
from engagements import emails
from engagements.access import is_programme_admin
from engagements.models import Notification, NotificationPreference, Program

Reminders = NotificationPreference.Reminders
OUTBOX_SHOWN = 50
LINK = re.compile(r"https?://[^\s<>\"]+")


class PreferenceForm(forms.Form):
    reminders = forms.ChoiceField(
        label="Reminder emails", choices=Reminders.choices, widget=forms.RadioSelect
    )


@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    current = NotificationPreference.reminders_for(me.pk)
    form = PreferenceForm(request.POST or None, initial={"reminders": current})
    if request.method == "POST" and form.is_valid():
        NotificationPreference.choose(me.pk, form.cleaned_data["reminders"])
        messages.success(request, "Saved. Decisions and requests to act are always emailed.")
        return redirect("engagements:notification_settings")
    return render(request, "engagements/notification_settings.html", {"form": form})


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookies and no
# CSRF token; the signed token in the URL is the authority, and it can only turn
# reminder emails off.
@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    employee_id = emails.read_unsubscribe_token(token)
    if employee_id is None:
        return render(request, "engagements/unsubscribe.html", {"problem": True}, status=400)
    if request.method == "POST":
        NotificationPreference.choose(employee_id, Reminders.OFF)
        return render(request, "engagements/unsubscribe.html", {"done": True})
    # A GET (a mail scanner, a preview) changes nothing: the page has the button.
    return render(request, "engagements/unsubscribe.html", {"token": token})


def outbox(request: HttpRequest) -> HttpResponse:
    """Development: every notification with the email it renders to, links clickable.
    Superusers always, everyone in the embedded demo (DEBUG). Programme admins see the
    failed deliveries of their programmes, with the reason."""
    me = employee_of(request)
    sees_all = settings.DEBUG or request.user.is_superuser
    admin = bool(me) and is_programme_admin(request.user, me)
    if not (sees_all or admin):
        raise Http404("No such page.")
    programmes = Program.objects.all() if request.user.is_superuser else Program.objects.none()
    if me and not request.user.is_superuser:
        programmes = me.administered_programs.all()
    failed = (
        Notification.objects.filter(failed_at__isnull=False, engagement__program__in=programmes)
        .select_related("recipient", "engagement")
        .order_by("-failed_at")[:100]
    )
    shown = []
    if sees_all:
        latest = Notification.objects.select_related(
            "engagement__program", "engagement__protege", "engagement__mentor", "recipient", "actor"
        ).order_by("-created_at", "-pk")[:OUTBOX_SHOWN]
        for n in latest:
            message = emails.for_notification(n)
            links = LINK.findall(message.body)
            msgid = message.extra_headers["Message-ID"]
            shown.append({"n": n, "message": message, "links": links, "msgid": msgid})
    return render(
        request,
        "engagements/outbox.html",
        {"failed": failed, "shown": shown, "sees_all": sees_all},
    )
