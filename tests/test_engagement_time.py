"""The engagement page's Time panel says where the engagement stands on its own dates:
accepted for dates to come, running, or over."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from engagements.models import Meeting
from tests.factories import engagement_between, programme_today

pytestmark = pytest.mark.django_db

# Mid-morning in the programme's time zone (UTC by default), far from midnight.
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def time_panel(html: str) -> str:
    return html[html.index('id="time"') : html.index("</section>", html.index('id="time"'))]


@time_machine.travel(NOW, tick=False)
def test_accepted_for_dates_to_come_says_when_it_starts_and_offers_no_meeting_to_log(
    as_user, protege, mentor
):
    today = programme_today()
    engagement = engagement_between(
        protege, mentor, state="active", start=today + dt.timedelta(days=4), days=20
    )
    panel = time_panel(as_user(mentor).get(engagement.get_absolute_url()).content.decode())
    assert "starts 1 Dec" in panel and "days left" not in panel
    assert "Meetings can be logged from 1 December, when it starts." in panel
    assert "Log a meeting" not in panel
    # The rule itself is the meetings' own: a meeting before the start is still refused.
    response = as_user(mentor).post(
        reverse("engagements:log_meeting", args=[engagement.pk]),
        {"held_on": today.isoformat(), "minutes": "30"},
    )
    assert response.status_code == 422 and not Meeting.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_running_engagement_offers_today_and_one_past_its_end_its_last_day(
    as_user, protege, mentor
):
    today = programme_today()
    running = engagement_between(protege, mentor, state="active", days=14)
    panel = time_panel(as_user(mentor).get(running.get_absolute_url()).content.decode())
    assert "13 days left" in panel and "Log a meeting" in panel
    assert f'value="{today.isoformat()}"' in panel

    # Its end date passed and the nightly sweep has not closed it yet.
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        over = engagement_between(protege, mentor, state="active", days=7)
    assert over.end_date < today
    panel = time_panel(as_user(mentor).get(over.get_absolute_url()).content.decode())
    assert f'value="{over.end_date.isoformat()}"' in panel


@time_machine.travel(NOW, tick=False)
def test_a_cancelled_engagement_shows_the_time_used_and_nothing_left(as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="cancelled")
    panel = time_panel(as_user(protege).get(engagement.get_absolute_url()).content.decode())
    assert "used of 4 h" in panel and "left" not in panel
