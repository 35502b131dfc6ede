"""Someone new opens the directory before saying what they want to learn: it says where
suggestions come from; once they add an interest, the suggestions follow at once (not
five minutes later, when the kept ones expire). A profile with no team shows no Team.
Someone who signed up puts their own name and title (guessed from the address before)."""

import pytest
from django.urls import reverse

from directory.models import Skill
from tests.factories import EmployeeFactory, make_login

pytestmark = pytest.mark.django_db
DIRECTORY = reverse("directory:index")


def test_suggestions_follow_the_interests_just_added(as_user, mentor):
    nora = EmployeeFactory(full_name="Nora Newcomer", level=3)
    make_login(nora)
    client = as_user(nora)
    page = client.get(DIRECTORY).content.decode()
    assert 'id="no-suggestions"' in page and "Add or change your interests" in page
    assert "Suggested for you" not in page

    negotiation = Skill.objects.get(name="Negotiation")
    saved = client.post(
        reverse("directory:profile_edit"),
        {
            "full_name": "Nora Newcomer",
            "title": "",
            "bio": "",
            "linkedin_url": "",
            "time_zone": nora.time_zone,
            "mentoring_capacity": "2",
            "mentoring_hours_per_month": "8",
            "snoozed_until": "",
            "interests": [str(negotiation.pk)],
        },
    )
    assert saved.status_code == 302

    page = client.get(DIRECTORY).content.decode()
    assert "Suggested for you" in page and "Daniel Okafor" in page
    assert 'id="no-suggestions"' not in page


def test_a_profile_with_no_team_shows_no_team_panel(as_user, protege, mentor):
    page = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert 'id="team"' not in page
    mentor.manager = protege
    mentor.save(update_fields=["manager"])
    page = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert 'id="team"' in page and "Reports to" in page


def test_someone_who_signed_up_puts_their_own_name_and_title(as_user, protege):
    # Signed up before the employee list had them: the name was guessed from the address.
    nora = EmployeeFactory(full_name="Nora Newbie", title="")
    make_login(nora)
    client = as_user(nora)
    form = {
        "full_name": "Nora Lindqvist",
        "title": "Data Analyst",
        "time_zone": nora.time_zone,
        "mentoring_capacity": "2",
        "mentoring_hours_per_month": "8",
    }
    assert client.post(reverse("directory:profile_edit"), form).status_code == 302
    nora.refresh_from_db()
    assert (nora.full_name, nora.title) == ("Nora Lindqvist", "Data Analyst")
    found = as_user(protege).get(DIRECTORY, {"q": "Lindqvist"}).content.decode()
    assert "Nora Lindqvist" in found and "Data Analyst" in found

    page = client.post(reverse("directory:profile_edit"), {**form, "full_name": " "})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    nora.refresh_from_db()
    assert nora.full_name == "Nora Lindqvist"  # nothing saved
