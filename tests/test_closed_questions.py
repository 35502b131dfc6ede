"""A notification that asks for an answer nobody can give any more (the proposal was
withdrawn, expired or declined; the engagement ended with an invitation unanswered)
reads as done for everyone, so no badge counts it; what tells of the change stays unread."""

import datetime as dt

import pytest
from django.utils import timezone

from engagements import sweep, transitions
from engagements.models import Notification
from tests.factories import engagement_between

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def unread(person) -> set[str]:
    return set(Notification.objects.for_person(person).unread().values_list("kind", flat=True))


@pytest.fixture
def asked(protege, mentor, peer):
    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
    assert unread(mentor) == {Kind.PROPOSAL_RECEIVED} and unread(peer) == {Kind.PEER_INVITED}
    return engagement


def test_a_withdrawn_proposal_no_longer_asks_the_mentor_or_the_peer(asked, protege, mentor, peer):
    transitions.withdraw(asked, by=protege)
    assert unread(mentor) == {Kind.WITHDRAWN} and unread(peer) == {Kind.WITHDRAWN}


def test_an_expired_proposal_no_longer_asks_even_its_reminders(asked, mentor, peer):
    later = timezone.now() + dt.timedelta(days=asked.program.remind_unanswered_after_days, hours=1)
    sweep.run(now=later)
    assert unread(mentor) == {Kind.PROPOSAL_RECEIVED, Kind.REMIND_UNANSWERED}
    assert unread(peer) == {Kind.PEER_INVITED, Kind.REMIND_INVITATION}
    sweep.run(now=asked.expires_at + dt.timedelta(minutes=1))
    assert unread(mentor) == set() and unread(peer) == {Kind.EXPIRED}


def test_a_declined_proposal_no_longer_asks_the_peer(asked, mentor, peer):
    transitions.decline(asked, by=mentor, reason="not_now")
    assert unread(mentor) == set() and unread(peer) == {Kind.DECLINED}


def test_an_ended_engagement_no_longer_asks_a_peer_who_never_answered(asked, mentor, peer):
    transitions.accept(asked, by=mentor)
    assert Kind.PEER_INVITED in unread(peer)
    transitions.cancel(asked, by=mentor, reason="Reorganisation")
    assert Kind.PEER_INVITED not in unread(peer)
