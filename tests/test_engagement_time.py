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
    assert f"left · ended {over.end_date.day} {over.end_date:%b}, closing shortly</p>" in panel


@time_machine.travel(NOW, tick=False)
def test_a_cancelled_engagement_shows_the_time_used_and_nothing_left(as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="cancelled")
    panel = time_panel(as_user(protege).get(engagement.get_absolute_url()).content.decode())
    assert "used of 4 h" in panel and "left" not in panel


@time_machine.travel(NOW, tick=False)
def test_the_last_minutes_of_the_budget_are_offered_then_the_form_says_it_is_used_up(
    as_user, protege, mentor
):
    today = programme_today()
    engagement = engagement_between(protege, mentor, state="active", days=14)  # 4 h budget
    client = as_user(mentor)
    log = reverse("engagements:log_meeting", args=[engagement.pk])
    assert client.post(log, {"held_on": today.isoformat(), "minutes": "228"}).status_code == 302
    panel = time_panel(client.get(engagement.get_absolute_url()).content.decode())
    # 12 minutes left: offered as they are, and any whole minutes may be typed.
    assert 'name="minutes" value="12"' in panel and "step=" not in panel
    assert client.post(log, {"held_on": today.isoformat(), "minutes": "12"}).status_code == 302
    panel = time_panel(client.get(engagement.get_absolute_url()).content.decode())
    assert "The hours budget is used up, so no more meetings can be logged" in panel
    assert "Log a meeting" not in panel
    assert sum(Meeting.objects.values_list("minutes", flat=True)) == 240


@time_machine.travel(NOW, tick=False)
def test_a_cancellation_without_a_reason_opens_the_panel_with_the_message(as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="active", days=14)
    response = as_user(protege).post(
        reverse("engagements:cancel", args=[engagement.pk]), {"reason": "   "}
    )
    html = response.content.decode()
    assert response.status_code == 422
    panel = html[html.index("Cancel this engagement") - 200 : html.index("Cancel engagement</")]
    assert '<details class="panel" open>' in panel
    assert "Say why you are cancelling: the other side deserves to know." in panel
    engagement.refresh_from_db()
    assert engagement.state == "active"


@time_machine.travel(NOW, tick=False)
def test_less_left_than_the_shortest_meeting_is_a_budget_used_up(as_user, protege, mentor):
    today = programme_today()
    engagement = engagement_between(protege, mentor, state="active", days=14)  # 4 h budget
    client = as_user(mentor)
    log = reverse("engagements:log_meeting", args=[engagement.pk])
    assert client.post(log, {"held_on": today.isoformat(), "minutes": "237"}).status_code == 302
    panel = time_panel(client.get(engagement.get_absolute_url()).content.decode())
    # 3 minutes left: offered, they would be refused (a meeting is 5 minutes at least).
    assert "The hours budget is used up (3 min left, less than a meeting)" in panel
    assert "Log a meeting" not in panel
