"""HTTP plumbing the apps' views share (the ground floor: every app may import it)."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect


def form_action(back: str) -> Callable:
    """A view that only does what a form on another page posts to it. A GET of its
    address goes back to that page (`back`, a URL name taking the view's arguments)
    instead of a blank 405: without JavaScript the address bar keeps the action's
    address after a form comes back with its errors, so a reload, a bookmark or a
    shared link asks for it."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(back, *args, **kwargs)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
