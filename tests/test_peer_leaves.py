"""A peer who joined can step out while the engagement is open: the protégé and the
mentor hear, the peer no longer has it, what they logged stays. Nobody else leaves:
the protégé and the mentor cancel instead, an invited peer declines."""

import pytest
from django.urls import reverse

from directory.models import Employee
from engagements import delivery, emails, meetings, transitions
from engagements.models import Event, Meeting, Notification, Participant, TransitionError
from engagements.rules import needed_action
from tests import services
from tests.factories import EmployeeFactory, engagement_between, make_login, programme_today

pytestmark = pytest.mark.django_db
smtp_sink = services.smtp_sink  # the fixture
Kind = Notification.Kind


def leave(client, engagement):
    return client.post(reverse("engagements:leave", args=[engagement.pk]), follow=True)


def test_a_peer_leaves_and_the_protege_and_the_mentor_hear(
    as_user, protege, mentor, peer, smtp_sink
):
    engagement = engagement_between(protege, mentor, peers=[peer])
    meetings.log_meeting(engagement, by=peer, held_on=programme_today(), minutes=30, note="")
    client = as_user(peer)
    page = client.get(engagement.get_absolute_url()).content.decode()
    assert "Leave this engagement…" in page and "Leave for good" in page
    listed = f'href="{engagement.get_absolute_url()}"'
    assert listed in client.get(reverse("engagements:home")).content.decode()

    response = leave(client, engagement)

    assert response.redirect_chain[-1][0] == reverse("engagements:home")
    assert "You left “Negotiating agency contracts”; Priya and Daniel have been told." in (
        response.content.decode()
    )
    assert engagement.participants.get().answer == Participant.Answer.LEFT
    event = Event.objects.get(engagement=engagement, verb=Event.Verb.PEER_LEFT)
    assert event.actor == peer
    told = Notification.objects.filter(kind=Kind.PEER_LEFT)
    assert {(n.recipient, n.actor) for n in told} == {(protege, peer), (mentor, peer)}
    delivery.deliver_due()
    for person in (protege, mentor):
        [email] = [m for m in smtp_sink.to(person.email) if m["Subject"].startswith("Tom left")]
        assert email["Subject"] == "Tom left: Negotiating agency contracts"
    assert Meeting.objects.filter(logged_by=peer).count() == 1  # the time stays logged
    # No longer theirs: not listed, not to be opened.
    assert listed not in client.get(reverse("engagements:home")).content.decode()
    assert client.get(engagement.get_absolute_url()).status_code == 404
    # The others see who left.
    page = as_user(protege).get(engagement.get_absolute_url()).content.decode()
    assert "peer · left" in page


def test_a_peer_may_leave_a_proposal_before_the_mentor_answers(protege, mentor, peer):
    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
    transitions.answer_invitation(engagement, by=peer, join=True)
    transitions.leave(engagement, by=peer)
    assert engagement.participants.get().answer == Participant.Answer.LEFT
    told = Notification.objects.get(kind=Kind.PEER_LEFT, recipient=protege)
    text = emails.for_notification(told).body
    assert "The proposal stands without them." in text and "as agreed" not in text
    with pytest.raises(TransitionError, match="Only a peer who joined can leave"):
        transitions.leave(engagement, by=peer)  # once


@pytest.mark.parametrize("state", ["completed", "cancelled"])
def test_an_engagement_that_is_over_cannot_be_left(protege, mentor, peer, state):
    engagement = engagement_between(protege, mentor, peers=[peer], state=state)
    with pytest.raises(TransitionError, match="Only an engagement still under way"):
        transitions.leave(engagement, by=peer)
    assert engagement.participants.get().answer == Participant.Answer.ACCEPTED


def test_only_a_peer_who_joined_leaves(as_user, protege, mentor, peer):
    invited = EmployeeFactory(full_name="Ida Invited")
    make_login(invited)
    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer, invited])
    transitions.answer_invitation(engagement, by=peer, join=True)
    for person in (protege, mentor, invited):
        with pytest.raises(TransitionError, match="Only a peer who joined can leave"):
            transitions.leave(engagement, by=person)
        page = as_user(person).get(engagement.get_absolute_url()).content.decode()
        assert "Leave this engagement" not in page
        assert leave(as_user(person), engagement).status_code == 404
    assert needed_action(engagement, peer) == ""  # leaving is a choice, not a task


def test_reloading_the_leave_address_goes_back_to_the_engagement(as_user, protege, mentor, peer):
    engagement = engagement_between(protege, mentor, peers=[peer])
    response = as_user(peer).get(reverse("engagements:leave", args=[engagement.pk]))
    assert response.status_code == 302
    assert response["Location"] == engagement.get_absolute_url()
    assert engagement.participants.get().answer == Participant.Answer.ACCEPTED


def test_a_peer_leaving_is_told_only_who_is_still_here_hears_it(as_user, protege, mentor, peer):
    engagement = engagement_between(protege, mentor, peers=[peer])
    Employee.objects.filter(pk=mentor.pk).update(is_active=False)  # left the company
    page = leave(as_user(peer), engagement).content.decode()
    assert "You left “Negotiating agency contracts”; Priya has been told." in page


def test_leaving_again_from_a_second_tab_says_so_instead_of_a_404(as_user, protege, mentor, peer):
    engagement = engagement_between(protege, mentor, peers=[peer])
    client = as_user(peer)
    leave(client, engagement)
    again = leave(client, engagement)
    assert again.redirect_chain[-1][0] == reverse("engagements:home")
    assert "You had already left “Negotiating agency contracts”." in again.content.decode()
    assert Event.objects.filter(engagement=engagement, verb=Event.Verb.PEER_LEFT).count() == 1
    assert Notification.objects.filter(kind=Kind.PEER_LEFT).count() == 2  # told once
    # Someone who never took part still gets a 404: nothing about the engagement.
    stranger = EmployeeFactory(full_name="Sam Stranger")
    make_login(stranger)
    assert leave(as_user(stranger), engagement).status_code == 404
