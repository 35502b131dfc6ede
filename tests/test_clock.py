"""One clock: every rule about dates uses the programme's date in the programme's zone,
so the suite (and the product) behaves the same at every hour of the year."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from engagements.models import Engagement, Program
from tests.factories import engagement_between

# 23:30 UTC on a summer day is already tomorrow in London (BST); 00:30 UTC on a winter
# day is the same date in London (GMT) but still yesterday in New York.
LATE_SUMMER_UTC = dt.datetime(2026, 7, 14, 23, 30, tzinfo=dt.UTC)
EARLY_WINTER_UTC = dt.datetime(2026, 1, 14, 0, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "moment, zone, programme_date",
    [
        (LATE_SUMMER_UTC, "Europe/London", dt.date(2026, 7, 15)),
        (EARLY_WINTER_UTC, "Europe/London", dt.date(2026, 1, 14)),
        (EARLY_WINTER_UTC, "America/New_York", dt.date(2026, 1, 13)),
    ],
)
def test_the_proposal_path_runs_on_the_programmes_date(
    moment, zone, programme_date, protege, mentor, as_user
):
    Program.objects.filter(pk=Program.default().pk).update(time_zone=zone)
    with time_machine.travel(moment, tick=False):
        assert Program.default().today() == programme_date
        # The factory drafts, proposes and accepts: it starts today, by the programme.
        engagement = engagement_between(protege, mentor, state="proposed")
        assert engagement.start_date == programme_date
        # Through the page: a proposal starting on the programme's today is accepted;
        # one starting the day before is refused as in the past.
        client = as_user(protege)
        for start, accepted in ((programme_date, True), (programme_date - dt.timedelta(1), False)):
            response = client.post(reverse("engagements:new"), proposal(mentor, start))
            assert (response.status_code == 302) is accepted, response.content.decode()[:2000]
            if not accepted:
                assert "The start date is in the past." in response.content.decode()
    assert Engagement.objects.filter(state="proposed").count() == 2


def proposal(mentor, start: dt.date) -> dict:
    return {
        "action": "propose",
        "title": f"Negotiation from {start}",
        "mentor": mentor.pk,
        "role": "discussions",
        "role_detail": "Bring two contracts and mark one up.",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=13)).isoformat(),
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-0-description": "Read an agency contract",
        "goals-0-measure": "I find the three clauses that matter",
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-0-kind": "discussion",
        "activities-0-count": "2",
        "activities-0-minutes_each": "60",
    }
