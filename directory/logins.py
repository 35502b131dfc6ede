"""Who is signed in, as a person in the directory."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import Http404, HttpRequest

from directory.compiled import Compiled
from directory.models import Employee
from directory.search import refresh_search_vectors

# The person behind a login, with their department: on every signed-in page, so its SQL
# is compiled once (directory.compiled; the ORM's compiling was ~0.75 ms of its ~0.9).
_PERSON_OF_LOGIN = Compiled(
    lambda user_id: Employee.objects.select_related("department").filter(user_id=user_id)
)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def one_case_of_address(sender, instance, **kwargs) -> None:
    """A login's address in lower case, however it was typed: allauth finds a login by
    the lowercased address, exactly, so one made with capitals (`createsuperuser` keeps
    the case of the part before the @: It.Admin@example.com) could never sign in nor
    reset its password. Directory entries are stored lowercased too (the import)."""
    if instance.email:
        instance.email = instance.email.lower()


def link_or_create_employee(user: AbstractBaseUser) -> Employee | None:
    """At sign-in: link the login to the directory entry with the same email, creating
    a minimal entry for a company-domain user who was not imported yet (they can
    complete it). The only place a login gets its employee."""
    employee = Employee.objects.filter(user=user).first()
    if employee:
        return employee
    email = (user.email or "").lower()
    if not email:
        return None
    linked = Employee.objects.filter(email__iexact=email, user__isnull=True).update(user=user)
    if not linked:
        name = email.split("@")[0].replace(".", " ").title()
        try:
            with transaction.atomic():
                Employee.objects.create(user=user, email=email, full_name=name)
        except IntegrityError:
            return Employee.objects.filter(email__iexact=email).first()
    employee = Employee.objects.get(user=user)
    refresh_search_vectors([employee.pk])
    return employee


def logins_follow(people: Iterable[Employee]) -> int:
    """A login is open while its person is in the directory: whoever left (active = no)
    can no longer sign in, and their sessions end at their next request (Django's
    ModelBackend and allauth's refuse an inactive user); whoever came back can again.
    Called where `is_active` changes (the import, the Django admin) for the people whose
    flag changed, so a login an admin closed by hand for another reason stays closed
    while its person stays in the directory. A login is found by its link or, for
    someone who has not signed in since being imported, by its email. Returns how many
    logins changed."""
    changed = 0
    for active in (True, False):
        moved = [e for e in people if e.is_active is active]
        if not moved:
            continue
        ids = [e.pk for e in moved]
        emails = [e.email.lower() for e in moved]
        logins = get_user_model().objects.annotate(address=Lower("email"))
        logins = logins.filter(Q(employee__in=ids) | Q(address__in=emails))
        changed += logins.exclude(is_active=active).update(is_active=active)
    return changed


def employee_of(request: HttpRequest) -> Employee | None:
    """The signed-in person's directory entry, or None; looked up (never written) once
    per request."""
    if not hasattr(request, "_employee"):
        user = request.user
        request._employee = _PERSON_OF_LOGIN.first(user.pk) if user.is_authenticated else None
    return request._employee


def current_employee(request: HttpRequest) -> Employee:
    """The signed-in person's directory entry; 404 for a login without one."""
    employee = employee_of(request)
    if employee is None:
        raise Http404("No directory entry for this login.")
    return employee


# The person's own time zone (for display), remembered in the session at sign-in.
TIME_ZONE_SESSION_KEY = "time_zone"
