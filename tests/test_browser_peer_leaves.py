"""A peer leaves an engagement in a real browser, JavaScript on and off: the first
click only opens the confirmation, the second leaves and goes home."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from engagements.models import Participant
from tests.browser import assert_accessible
from tests.factories import engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_peer_leaves_in_two_clicks(browser_as, live_server, protege, mentor, peer, javascript):
    engagement = engagement_between(protege, mentor, peers=[peer])
    page = browser_as(peer, engagement.get_absolute_url(), javascript=javascript)

    page.get_by_text("Leave this engagement…").click()  # opens, leaves nothing
    expect(page.get_by_text("Priya and Daniel are told.")).to_be_visible()
    if javascript:
        assert_accessible(page)
    assert engagement.participants.get().answer == Participant.Answer.ACCEPTED

    page.get_by_role("button", name="Leave for good").click()

    expect(page).to_have_url(live_server.url + reverse("engagements:home"))
    expect(page.get_by_text("You left “Negotiating agency contracts”")).to_be_visible()
    assert engagement.participants.get().answer == Participant.Answer.LEFT
