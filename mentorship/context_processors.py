from django.conf import settings
from django.http import HttpRequest

from directory.demo import DEMO_LOGINS


def site(request: HttpRequest) -> dict:
    def is_programme_admin() -> bool:
        # Called by the template only when it renders the navigation.
        from directory.models import Employee
        from engagements.access import is_programme_admin as check

        user = request.user
        if not user.is_authenticated:
            return False
        return check(user, Employee.objects.filter(user=user).first())

    # The embedded demo shows its logins on the sign-in page; production never does.
    demo_logins = DEMO_LOGINS if settings.DEBUG else []
    return {
        "SITE_NAME": settings.SITE_NAME,
        "is_programme_admin": is_programme_admin,
        "demo_logins": demo_logins,
    }
