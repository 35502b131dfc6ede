"""The addresses forms post to. Without JavaScript a form that comes back with its
errors leaves the action's address in the address bar (/engagements/7/meetings/), so a
reload, a bookmark or a shared link asks for it with GET: that goes back to the page
the form is on, never to a blank "405 Method Not Allowed"."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from engagements.models import Meeting
from tests.factories import engagement_between

pytestmark = pytest.mark.django_db

MIDDAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
ENGAGEMENT_ACTIONS = ["log_meeting", "answer_invitation", "cancel", "thank", "advise", "accept"]
ENGAGEMENT_ACTIONS += ["propose", "withdraw", "delete", "follow_on"]


@pytest.mark.parametrize("action", ENGAGEMENT_ACTIONS)
def test_opening_an_engagement_action_goes_back_to_the_engagement(action, as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="active")
    client = as_user(mentor)
    address = reverse(f"engagements:{action}", args=[engagement.pk])
    for method in (client.get, client.head):
        response = method(address)
        assert response.status_code == 302
        assert response["Location"] == engagement.get_absolute_url()
    # Only POST does anything; any other method is still refused.
    assert client.put(address).status_code == 405
    assert client.get(response["Location"]).status_code == 200


def test_a_refused_meeting_then_reopened_shows_the_engagement(as_user, protege, mentor):
    """The QA path: a meeting refused (no minutes), then its address opened again."""
    engagement = engagement_between(protege, mentor, state="active")
    client = as_user(mentor)
    address = reverse("engagements:log_meeting", args=[engagement.pk])
    refused = client.post(address, {"held_on": "", "minutes": ""})
    assert refused.status_code == 422 and not Meeting.objects.exists()
    page = client.get(address, follow=True)
    assert page.status_code == 200 and engagement.title in page.content.decode()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("action", ["programme_add_admin", "programme_remove_admin"])
def test_opening_an_admin_action_goes_back_to_the_programme_settings(
    action, as_user, admin, program
):
    response = as_user(admin).get(reverse(f"engagements:{action}", args=[program.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:programme_settings", args=[program.pk])


@time_machine.travel(MIDDAY, tick=False)  # a draft starting today is proposed the same day
def test_a_saved_draft_is_proposed_from_its_own_page(as_user, protege, mentor):
    """ "Draft saved. Propose it when it is ready." — and its page has the button to."""
    draft = engagement_between(protege, mentor, state="draft")
    client = as_user(protege)
    page = client.get(draft.get_absolute_url()).content.decode()
    action = reverse("engagements:propose", args=[draft.pk])
    assert f'action="{action}"' in page and "Propose to Daniel" in page
    client.post(action)
    draft.refresh_from_db()
    assert draft.state == "proposed"
    # The mentor sees no such button on it, and cannot open a draft at all.
    seen = as_user(mentor).get(draft.get_absolute_url())
    assert seen.status_code == 200 and "Propose to" not in seen.content.decode()
    other = engagement_between(protege, mentor, state="draft", title="Pricing")
    assert as_user(mentor).get(other.get_absolute_url()).status_code == 404


def test_opening_mark_all_read_goes_back_to_my_engagements(as_user, protege):
    response = as_user(protege).get(reverse("engagements:read_all"))
    assert response.status_code == 302 and response["Location"] == reverse("engagements:home")
