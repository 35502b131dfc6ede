"""A peer who joins hears what is true of the engagement they joined: a proposal the
mentor has not answered yet, or an engagement already under way."""

import pytest
from django.urls import reverse

from engagements.models import Participant
from tests.factories import engagement_between

pytestmark = pytest.mark.django_db


def join(client, engagement):
    url = reverse("engagements:answer_invitation", args=[engagement.pk])
    response = client.post(url, {"answer": "join"}, follow=True)
    assert response.redirect_chain[0][1] == 302
    return response.content.decode()


def test_a_peer_joining_a_proposal_hears_the_mentor_has_not_answered_yet(
    as_user, protege, mentor, peer
):
    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
    html = join(as_user(peer), engagement)
    assert "You joined. The mentor has not answered the proposal yet; you will hear" in html
    assert "See you at the first meeting" not in html
    assert engagement.participants.get().answer == Participant.Answer.ACCEPTED


def test_a_peer_joining_an_accepted_engagement_hears_see_you_at_the_first_meeting(
    as_user, protege, mentor, peer
):
    engagement = engagement_between(protege, mentor, state="active")
    Participant.objects.create(engagement=engagement, employee=peer)  # invited, not answered
    html = join(as_user(peer), engagement)
    assert "You joined. See you at the first meeting." in html
    assert "has not answered" not in html
