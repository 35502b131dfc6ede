"""The directory's own pages: my profile. (Pages that show engagement history beside
the directory — search with suggestions, a person's profile, the import — are
engagements.views.people: the directory imports nothing from engagements.)"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from directory.forms import ProfileForm
from directory.logins import TIME_ZONE_SESSION_KEY, current_employee
from directory.models import Skill
from directory.search import refresh_search_vectors


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    me = current_employee(request)
    form = ProfileForm(request.POST or None, instance=me)
    if request.method == "POST" and form.is_valid():
        form.save()
        refresh_search_vectors([me.pk])
        request.session[TIME_ZONE_SESSION_KEY] = me.time_zone
        messages.success(request, "Your profile is saved.")
        return redirect(me)
    skills = Skill.objects.all()
    return render(request, "directory/profile_edit.html", {"form": form, "skills": skills})
