"""How long ago something happened, as the notifications and the inbox's cards say it:
the largest unit only ("1 month ago", never "1 month, 4 weeks ago")."""

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template

from engagements.models import Notification
from tests.factories import engagement_between

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("elapsed", "said"),
    [
        (dt.timedelta(seconds=20), "just now"),
        (dt.timedelta(minutes=5), "5\xa0minutes ago"),
        (dt.timedelta(hours=3, minutes=50), "3\xa0hours ago"),
        (dt.timedelta(days=2, hours=23), "2\xa0days ago"),
        (dt.timedelta(days=58), "1\xa0month ago"),
        (dt.timedelta(days=800), "2\xa0years ago"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_ago_says_the_largest_unit_only(elapsed, said):
    html = Template("{% load engagements %}{{ then|ago }}").render(Context({"then": NOW - elapsed}))
    assert html == said


@pytest.mark.django_db
def test_my_notifications_and_the_inbox_say_it_so(as_user, protege, mentor):
    with time_machine.travel(NOW - dt.timedelta(days=58), tick=False):
        engagement_between(protege, mentor, state="proposed")
    with time_machine.travel(NOW, tick=False):
        inbox = as_user(mentor).get("/engagements/inbox/").content.decode()
        assert "proposed 1\xa0month ago" in inbox
        assert Notification.objects.filter(recipient=mentor).exists()
        home = as_user(mentor).get("/engagements/").content.decode()
        assert "1\xa0month ago" in home and "weeks" not in home
