from functools import cache

from django.conf import settings
from django.http import HttpRequest

from directory.logins import employee_of
from engagements.access import is_programme_admin as check_admin
from engagements.models import Engagement, Notification, Program
from engagements.paging import count_up_to
from mentorship.demo import DEMO_LOGINS

UNREAD_BADGE_UP_TO = 99


def site(request: HttpRequest) -> dict:
    """Site-wide template values. The navigation counts are callables, so a page that
    does not render the navigation (an htmx partial) runs none of their queries."""

    def me():
        return employee_of(request)

    def is_programme_admin() -> bool:
        return bool(me()) and check_admin(request.user, me())

    def unread_count() -> int:
        # Counted no further than a badge needs: a busy mentor's unread can run to thousands.
        if not me():
            return 0
        return count_up_to(Notification.objects.for_person(me()).unread(), UNREAD_BADGE_UP_TO)[0]

    def inbox_count() -> int:
        return Engagement.objects.for_mentor(me()).proposed().count() if me() else 0

    @cache
    def programme_today():
        # The one clock for availability shown on cards (at most one query a request).
        return Program.default().today()

    # The embedded demo shows its logins on the sign-in page; production never does.
    return {
        "SITE_NAME": settings.SITE_NAME,
        "is_programme_admin": is_programme_admin,
        "unread_count": unread_count,
        "inbox_count": inbox_count,
        "programme_today": programme_today,
        "demo_logins": DEMO_LOGINS if settings.DEBUG else [],
    }
