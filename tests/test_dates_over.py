"""A proposal whose dates went by unanswered cannot be accepted: the mentor is told why
(and takes no slot), and the next sweep closes it as an unanswered one, telling the
protégé who else could help. By the programme's date, whatever the hour."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from engagements import sweep, transitions
from engagements.models import Engagement, Notification, TransitionError
from tests.factories import engagement_between

pytestmark = pytest.mark.django_db
INBOX = reverse("engagements:inbox")


@pytest.fixture
def short(protege, mentor):
    """Proposed now for three days from today; answered (or not) later."""
    return engagement_between(protege, mentor, state="proposed", days=3)


def after_its_end(engagement: Engagement) -> dt.datetime:
    """Noon of the day after its last day, in the programme's zone."""
    zone = engagement.program.zone
    day = engagement.end_date + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone)


def test_the_mentor_cannot_accept_once_the_dates_are_over(short, mentor, as_user):
    with time_machine.travel(after_its_end(short), tick=False):
        response = as_user(mentor).post(
            reverse("engagements:accept", args=[short.pk]), {"next": INBOX}, follow=True
        )
        html = response.content.decode()
    end = short.end_date
    assert (
        f"Its dates are over: it was to end on {end.day} {end:%b %Y}. Decline it, or ask "
        "Priya to propose new dates."
    ) in html
    short.refresh_from_db()
    mentor.refresh_from_db()
    assert short.state == "proposed" and mentor.mentoring_load == 0
    assert not Notification.objects.filter(kind=Notification.Kind.ACCEPTED).exists()


def test_on_its_last_day_it_can_still_be_accepted(short, mentor):
    last_day = after_its_end(short) - dt.timedelta(days=1)
    with time_machine.travel(last_day, tick=False):
        transitions.accept(short, by=mentor)
    short.refresh_from_db()
    assert short.state == "active"


def test_the_sweep_closes_it_as_unanswered_and_the_protege_hears(short, protege, mentor):
    # Its deadline to answer (a week) has not come yet: the dates end first.
    assert short.expires_at > after_its_end(short)
    assert sweep.run(now=after_its_end(short) - dt.timedelta(days=1))["expired"] == 0
    assert sweep.run(now=after_its_end(short))["expired"] == 1
    short.refresh_from_db()
    assert short.state == "expired"
    told = Notification.objects.get(kind=Notification.Kind.EXPIRED)
    assert told.recipient == protege
    with pytest.raises(TransitionError):
        transitions.accept(short, by=mentor)
    assert sweep.run(now=timezone.now() + dt.timedelta(days=30))["expired"] == 0
