"""Who may see what. Every view looks objects up through these helpers."""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse

from directory.models import Employee
from engagements.models import Program


def is_programme_admin(user, employee: Employee | None) -> bool:
    if user.is_superuser:
        return True
    return Program.objects.administered_by(employee).exists()


def programme_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Outsiders get 404, as for every object they may not see."""
    from directory.people import current_employee

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_programme_admin(request.user, current_employee(request)):
            raise Http404("Programme admins only.")
        return view(request, *args, **kwargs)

    return wrapper
