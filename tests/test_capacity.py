"""Capacity is held at accept: a mentor never runs more engagements than they offered,
whether the proposals are accepted one click after another or at the same moment."""

import threading

import pytest
from django.db import connections
from django.urls import reverse

from directory.models import Employee
from engagements import transitions
from engagements.models import Engagement, Event, Notification, TransitionError
from tests.factories import EmployeeFactory, engagement_between


def proteges(n: int) -> list[Employee]:
    return [EmployeeFactory(full_name=f"Protege Number{i}", level=2) for i in range(n)]


def test_a_mentor_with_two_slots_cannot_accept_a_third_proposal(mentor, as_user):
    waiting = [engagement_between(p, mentor, state="proposed") for p in proteges(3)]
    client = as_user(mentor)
    for engagement in waiting[:2]:
        client.post(reverse("engagements:accept", args=[engagement.pk]))
    response = client.post(reverse("engagements:accept", args=[waiting[2].pk]), follow=True)
    html = response.content.decode()
    assert "You are at capacity" in html
    assert "Finish or cancel one first, or raise your capacity in My profile" in html
    waiting[2].refresh_from_db()
    mentor.refresh_from_db()
    assert waiting[2].state == Engagement.State.PROPOSED
    assert mentor.mentoring_load == 2
    assert not Event.objects.filter(engagement=waiting[2], verb="accept").exists()
    assert not Notification.objects.filter(engagement=waiting[2], kind="accepted").exists()


def test_the_slot_is_released_when_an_engagement_completes_or_is_cancelled(mentor):
    first, second, third = (engagement_between(p, mentor, state="proposed") for p in proteges(3))
    transitions.accept(first, by=mentor)
    transitions.accept(second, by=mentor)
    with pytest.raises(TransitionError, match="at capacity"):
        transitions.accept(third, by=mentor)
    transitions.complete(first)
    transitions.accept(third, by=mentor)
    mentor.refresh_from_db()
    assert mentor.mentoring_load == 2
    transitions.cancel(second, by=mentor, reason="Reorganisation")
    mentor.refresh_from_db()
    assert mentor.mentoring_load == 1


def test_raising_capacity_in_the_profile_frees_a_slot(mentor, as_user):
    first, second, third = (engagement_between(p, mentor, state="proposed") for p in proteges(3))
    transitions.accept(first, by=mentor)
    transitions.accept(second, by=mentor)
    Employee.objects.filter(pk=mentor.pk).update(mentoring_capacity=3)
    transitions.accept(third, by=Employee.objects.get(pk=mentor.pk))
    third.refresh_from_db()
    assert third.state == Engagement.State.ACTIVE


def test_the_inbox_and_the_directory_read_the_stored_load(mentor, protege, as_user):
    for p in proteges(2):
        engagement_between(p, mentor)
    html = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert "At capacity" in html
    found = as_user(protege).get(reverse("directory:index"), {"q": "okafor", "open": "on"})
    assert "Daniel Okafor" not in found.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_accepts_racing_for_the_last_slot_give_exactly_one_success(mentor):
    """On real PostgreSQL: two different proposals, one slot left, both accepted at the
    same moment from two connections."""
    busy, *racing = (engagement_between(p, mentor, state="proposed") for p in proteges(3))
    transitions.accept(busy, by=mentor)
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(engagement_id: int) -> None:
        try:
            me = Employee.objects.get(pk=mentor.pk)
            barrier.wait()
            transitions.accept(Engagement.objects.get(pk=engagement_id), by=me)
            outcomes.append("accepted")
        except TransitionError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=[e.pk]) for e in racing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "accepted"
    assert sorted(outcomes)[0].startswith("You are at capacity")
    mentor.refresh_from_db()
    assert mentor.mentoring_load == 2
    assert Engagement.objects.filter(mentor=mentor, state=Engagement.State.ACTIVE).count() == 2
    assert Event.objects.filter(engagement__in=racing, verb="accept").count() == 1
