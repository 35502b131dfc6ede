from functools import cache

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from directory.logins import employee_of
from directory.models import Employee
from engagements.access import is_programme_admin as check_admin
from engagements.models import Engagement, Notification, Program
from engagements.paging import counted_for
from mentorship.demo import DEMO_LOGINS

UNREAD_BADGE_UP_TO = 99
# Proposals expire within days: a mentor has a handful waiting, never this many.
INBOX_BADGE_UP_TO = 999


# What the navigation counts (engagements.paging.counted_for: each of the person's id).
def unread_of(me: Employee) -> QuerySet:
    return Notification.objects.for_person(me).unread()


def waiting_for(me: Employee) -> QuerySet:
    return Engagement.objects.for_mentor(me).proposed()


def programmes_of(me: Employee) -> QuerySet:
    return Program.objects.administered_by(me)


def site(request: HttpRequest) -> dict:
    """Site-wide template values. The navigation counts are callables, so a page that
    does not render the navigation (an htmx partial) runs none of their queries."""

    @cache
    def navigation() -> dict[str, tuple[int, bool]]:
        """Unread notifications, proposals waiting and whether I run a programme, each
        (count, more than the badge shows): one query, made when the navigation is
        drawn (after the view's own changes)."""
        me = employee_of(request)
        if me is None:
            return {"unread": (0, False), "inbox": (0, False), "admin": (0, False)}
        return counted_for(
            me,
            # No further than a badge needs: a busy mentor's unread can run to thousands.
            unread=(unread_of, UNREAD_BADGE_UP_TO),
            inbox=(waiting_for, INBOX_BADGE_UP_TO),
            admin=(programmes_of, 1),
        )

    def is_programme_admin() -> bool:
        runs = navigation()["admin"][0] > 0  # counted with the badges
        return check_admin(request.user, employee_of(request), runs=runs)

    @cache
    def programme_today():
        # The one clock for availability shown on cards (at most one query a request).
        return Program.default().today()

    # The embedded demo shows its logins on the sign-in page; production never does.
    return {
        "SITE_NAME": settings.SITE_NAME,
        "is_programme_admin": is_programme_admin,
        "unread_count": lambda: navigation()["unread"][0],
        "unread_more": lambda: navigation()["unread"][1],  # "99+"
        "inbox_count": lambda: navigation()["inbox"][0],
        "inbox_more": lambda: navigation()["inbox"][1],  # "999+"
        "programme_today": programme_today,
        "demo_logins": DEMO_LOGINS if settings.DEBUG else [],
    }
