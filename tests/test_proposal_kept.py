"""The propose page keeps what was typed: a row half typed never breaks a redraw (it counts
as nothing until it is whole), and a proposal a rule refuses comes back with the mentor and
the peers still chosen, so saving it as a draft or fixing one thing is enough."""

import re

import pytest
from django.urls import reverse

from directory.models import Employee
from engagements.models import Engagement
from tests.factories import EmployeeFactory
from tests.test_proposals import proposal

pytestmark = pytest.mark.django_db
NEW = reverse("engagements:new")
BAD_ROWS = {  # the first activity (180 minutes) as typed, not yet a valid row
    "no times": {"activities-0-count": "0"},
    "too many": {"activities-0-count": "21"},
    "minutes off the step": {"activities-0-minutes_each": "50"},
    "not a number": {"activities-0-count": "lots"},
}


def checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}"[^>]*value="(\d+)" checked', html))


@pytest.mark.parametrize("bad", BAD_ROWS.values(), ids=list(BAD_ROWS))
def test_a_half_typed_activity_counts_as_nothing_in_every_redraw(bad, protege, mentor, as_user):
    client = as_user(protege)
    typed = proposal(mentor, action="", **bad)
    total = client.post(f"{NEW}?redraw=total", typed, HTTP_HX_REQUEST="true")
    assert total.status_code == 200
    assert "2 h" in total.content.decode()  # the second activity alone: 2 × 60 minutes
    suggestions = client.post(f"{NEW}?redraw=suggestions", typed, HTTP_HX_REQUEST="true")
    assert suggestions.status_code == 200
    assert suggestions.content.decode().strip().startswith('<div id="suggestions"')
    for action in ("add_goal", "add_activity", "remove_goal:1", "refresh"):
        page = client.post(NEW, {**typed, "action": action})  # without JavaScript
        assert page.status_code == 200, action
        html = page.content.decode()
        value = next(iter(bad.values()))
        assert f'value="{value}"' in html, action  # what was typed, as typed
    assert not Engagement.objects.exists()


def test_refused_for_three_peers_the_three_stay_chosen(protege, mentor, peer, as_user):
    peers = [peer, *EmployeeFactory.create_batch(2)]
    response = as_user(protege).post(NEW, proposal(mentor, peers=peers))
    html = response.content.decode()
    assert "Invite at most 2 peers." in html
    assert checked(html, "peers") == {str(p.pk) for p in peers}
    assert checked(html, "mentor") == {str(mentor.pk)}
    assert not Engagement.objects.exists()


def test_refused_for_a_mentor_not_taking_requests_the_draft_still_saves(protege, mentor, as_user):
    Employee.objects.filter(pk=mentor.pk).update(open_to_mentoring=False)
    client = as_user(protege)
    refused = client.post(NEW, proposal(mentor)).content.decode()
    assert "Daniel Okafor is not taking mentoring requests right now." in refused
    assert checked(refused, "mentor") == {str(mentor.pk)}

    saved = client.post(NEW, proposal(mentor, action="save"))  # as the page now sends it
    assert saved.status_code == 302
    draft = Engagement.objects.get(protege=protege)
    assert (draft.state, draft.mentor) == ("draft", mentor)


def test_with_as_many_peers_as_a_proposal_takes_no_more_are_offered(protege, mentor, peer, as_user):
    others = EmployeeFactory.create_batch(2, interests=["Negotiation"], level=2)
    client = as_user(protege)
    two = proposal(mentor, peers=[peer, others[0]], action="", goals=1)
    two["goals-0-description"] = "Negotiation with agencies"
    html = client.post(f"{NEW}?redraw=suggestions", two, HTTP_HX_REQUEST="true").content
    html = html.decode()
    assert "2 peers invited, as many as a proposal takes" in html
    assert 'value="add_peer:' not in html
    # A click on an older page's Invite adds nobody.
    page = client.post(NEW, {**two, "action": f"add_peer:{others[1].pk}"}).content.decode()
    assert checked(page, "peers") == {str(peer.pk), str(others[0].pk)}

    one = proposal(mentor, peers=[peer], action="", goals=1)
    one["goals-0-description"] = "Negotiation with agencies"
    html = client.post(f"{NEW}?redraw=suggestions", one, HTTP_HX_REQUEST="true").content
    html = html.decode()
    assert "as many as a proposal takes" not in html and 'value="add_peer:' in html
