"""Taking back a logged meeting: a typo (90 for 30 minutes) must not use up a budget that
can never be extended. The one who logged it deletes it, while the engagement is active;
the minutes go back, the timeline says so, and a second click hears it is already gone."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections
from django.urls import reverse

from engagements import meetings, transitions
from engagements.models import Event, Meeting, Participant, TransitionError
from tests.factories import engagement_between, programme_today

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
DELETE = "engagements:delete_meeting"


def logged(engagement, by, minutes: int = 90, note: str = "Pricing sheet") -> Meeting:
    return meetings.log_meeting(
        engagement, by=by, held_on=programme_today(), minutes=minutes, note=note
    )


def time_panel(html: str) -> str:
    return html[html.index('id="time"') : html.index("</section>", html.index('id="time"'))]


def delete(client, engagement, meeting_pk, **headers):
    url = reverse(DELETE, args=[engagement.pk])
    return client.post(url, {"meeting": str(meeting_pk)}, **headers)


@time_machine.travel(NOW, tick=False)
def test_the_person_who_logged_a_meeting_deletes_it_and_gets_the_minutes_back(
    as_user, protege, mentor
):
    engagement = engagement_between(protege, mentor, state="active")
    typo = logged(engagement, mentor, minutes=90)
    kept = logged(engagement, mentor, minutes=30)

    response = delete(as_user(mentor), engagement, typo.pk)

    assert response.status_code == 302 and response["Location"] == engagement.get_absolute_url()
    page = as_user(mentor).get(response["Location"]).content.decode()
    assert "Meeting deleted: 1 h 30 min back in the budget." in page
    assert list(engagement.meetings.values_list("pk", flat=True)) == [kept.pk]
    assert engagement.minutes_used() == 30
    event = Event.objects.get(engagement=engagement, verb=Event.Verb.MEETING_DELETED)
    assert event.actor == mentor and event.message == "1 h 30 min on 27 November"
    # The timeline says what went, never the private note (programme admins read it).
    assert "deleted a meeting they had logged — “1 h 30 min on 27 November”" in page
    assert "Pricing sheet" not in event.message


@time_machine.travel(NOW, tick=False)
def test_with_htmx_the_time_panel_is_redrawn_with_what_happened(as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="active")
    typo = logged(engagement, protege, minutes=90)

    response = delete(as_user(protege), engagement, typo.pk, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="panel" id="time"')
    assert "<html" not in html
    assert 'role="status">Meeting deleted: 1 h 30 min back in the budget.' in html
    assert "0 h</strong> used of 4 h" in html and "No meetings logged yet." in html
    assert not Meeting.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_double_click_deletes_once_and_says_the_meeting_is_already_gone(
    htmx, as_user, protege, mentor
):
    engagement = engagement_between(protege, mentor, state="active")
    typo = logged(engagement, protege)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    client = as_user(protege)
    delete(client, engagement, typo.pk, **headers)
    second = delete(client, engagement, typo.pk, **headers)

    assert second.status_code == (200 if htmx else 302)
    html = (second if htmx else client.get(second["Location"])).content.decode()
    assert "That meeting was already deleted." in html
    assert "message-error" not in html
    assert Event.objects.filter(verb=Event.Verb.MEETING_DELETED).count() == 1


@time_machine.travel(NOW, tick=False)
def test_only_the_person_who_logged_it_sees_the_delete_button(as_user, protege, mentor, peer):
    engagement = engagement_between(protege, mentor, state="active", peers=[peer])
    logged(engagement, mentor, minutes=45)
    logged(engagement, peer, minutes=30)
    for person, deletes in ((mentor, "45 min"), (peer, "30 min"), (protege, None)):
        panel = time_panel(as_user(person).get(engagement.get_absolute_url()).content.decode())
        if deletes is None:
            assert "Delete…" not in panel, person
        else:
            assert panel.count("Delete…") == 1, person
            assert f"This gives {deletes} back to the budget." in panel, person


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_someone_elses_meeting_is_refused_and_stays(htmx, as_user, protege, mentor, peer):
    engagement = engagement_between(protege, mentor, state="active", peers=[peer])
    theirs = logged(engagement, mentor)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = delete(as_user(peer), engagement, theirs.pk, **headers)

    html = (response if htmx else as_user(peer).get(response["Location"])).content.decode()
    assert "Only the person who logged a meeting can delete it." in html
    assert "message-error" in html
    assert Meeting.objects.filter(pk=theirs.pk).exists()
    assert not Event.objects.filter(verb=Event.Verb.MEETING_DELETED).exists()


@time_machine.travel(NOW, tick=False)
def test_people_outside_the_engagement_get_404(as_user, protege, mentor, peer, outsider, admin):
    engagement = engagement_between(protege, mentor, state="active")
    Participant.objects.create(engagement=engagement, employee=peer)  # invited, not joined
    meeting = logged(engagement, mentor)
    for person in (outsider, admin, peer):
        assert delete(as_user(person), engagement, meeting.pk).status_code == 404
    assert Meeting.objects.filter(pk=meeting.pk).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("ends", ["completed", "cancelled"])
def test_once_it_has_ended_the_time_logged_stands(ends, as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="active")
    meeting = logged(engagement, mentor)
    if ends == "completed":
        transitions.complete(engagement)
    else:
        transitions.cancel(engagement, by=protege, reason="Plans changed")

    panel = time_panel(as_user(mentor).get(engagement.get_absolute_url()).content.decode())
    assert "Delete…" not in panel
    response = delete(as_user(mentor), engagement, meeting.pk, HTTP_HX_REQUEST="true")
    assert "Meetings are deleted on active engagements only" in response.content.decode()
    assert Meeting.objects.filter(pk=meeting.pk).exists()


@time_machine.travel(NOW, tick=False)
def test_a_meeting_of_another_engagement_is_not_touched(as_user, protege, mentor):
    mentor.mentoring_capacity = 5
    mentor.save()
    mine = engagement_between(protege, mentor, state="active")
    other = engagement_between(protege, mentor, state="active", title="Another one")
    meeting = logged(other, mentor)
    response = delete(as_user(mentor), mine, meeting.pk, HTTP_HX_REQUEST="true")
    assert "That meeting was already deleted." in response.content.decode()
    assert Meeting.objects.filter(pk=meeting.pk).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("value", ["", "abc", "²", "-1", "1" * 5000, "99999999999999999999"])
def test_a_bad_meeting_id_changes_nothing(value, as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="active")
    meeting = logged(engagement, mentor)
    response = delete(as_user(mentor), engagement, value)
    assert response.status_code == 302
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_opening_the_delete_address_goes_back_to_the_engagement(as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="active")
    response = as_user(mentor).get(reverse(DELETE, args=[engagement.pk]))
    assert response.status_code == 302 and response["Location"] == engagement.get_absolute_url()


@time_machine.travel(NOW, tick=False)
def test_the_domain_function_refuses_the_same_way(protege, mentor, peer):
    engagement = engagement_between(protege, mentor, state="active", peers=[peer])
    meeting = logged(engagement, protege)
    with pytest.raises(TransitionError, match="Only the person who logged"):
        meetings.delete_meeting(engagement, meeting_pk=meeting.pk, by=mentor)
    deleted = meetings.delete_meeting(engagement, meeting_pk=meeting.pk, by=protege)
    assert deleted.minutes == 90 and not Meeting.objects.exists()
    assert meetings.delete_meeting(engagement, meeting_pk=meeting.pk, by=protege) is None


@time_machine.travel(NOW, tick=False)
def test_the_freed_minutes_can_be_logged_again(as_user, protege, mentor):
    engagement = engagement_between(protege, mentor, state="active")
    typo = logged(engagement, mentor, minutes=240)  # the whole budget, by a slip
    panel = time_panel(as_user(mentor).get(engagement.get_absolute_url()).content.decode())
    assert "The hours budget is used up" in panel
    delete(as_user(mentor), engagement, typo.pk)
    logged(engagement, mentor, minutes=30)
    assert engagement.minutes_used() == 30


@pytest.mark.django_db(transaction=True)
def test_two_connections_deleting_at_once_delete_once(protege, mentor):
    """The double-click on real PostgreSQL: both requests at the same moment."""
    engagement = engagement_between(protege, mentor, state="active")
    meeting = logged(engagement, mentor)
    barrier = threading.Barrier(2)
    outcomes = []

    def delete_it():
        try:
            barrier.wait()
            gone = meetings.delete_meeting(engagement, meeting_pk=meeting.pk, by=mentor)
            outcomes.append("deleted" if gone else "already gone")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=delete_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already gone", "deleted"]
    assert Event.objects.filter(verb=Event.Verb.MEETING_DELETED).count() == 1
