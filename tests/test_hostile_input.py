"""Hostile and careless input found by probing: each gets a clear answer, never a 500,
never a slow worker, and changes nothing."""

import time

import pytest
from django.urls import reverse

from engagements.models import Engagement, Event, Notification, Program
from tests.factories import EmployeeFactory, engagement_between, make_login

NEW = "engagements:new"
ROWS = {
    "goals-TOTAL_FORMS": "1",
    "goals-INITIAL_FORMS": "0",
    "activities-TOTAL_FORMS": "1",
    "activities-INITIAL_FORMS": "0",
    "activities-0-kind": "discussion",
    "activities-0-count": "2",
    "activities-0-minutes_each": "60",
}


def stored() -> tuple[int, int, int]:
    return Engagement.objects.count(), Event.objects.count(), Notification.objects.count()


@pytest.mark.parametrize("redraw", ["", "suggestions", "total"])
def test_a_megabyte_of_goal_text_is_refused_quickly(redraw, protege, mentor, as_user):
    client = as_user(protege)
    huge = "negotiation " * 90_000  # ~1 MB
    before = stored()
    started = time.monotonic()
    response = client.post(
        reverse(NEW) + (f"?redraw={redraw}" if redraw else ""),
        {
            **ROWS,
            "action": "propose" if not redraw else "",
            "goals-0-description": huge,
            "goals-0-measure": "x",
            "title": "T",
            "mentor": mentor.pk,
        },
        HTTP_HX_REQUEST="true" if redraw else "",
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert stored() == before
    if not redraw:
        assert "Ensure this value has at most 300 characters" in response.content.decode()


def test_saving_a_draft_before_choosing_a_mentor_says_so(protege, as_user):
    before = stored()
    response = as_user(protege).post(
        reverse(NEW), {**ROWS, "action": "save", "title": "Pricing", "goals-0-description": "x"}
    )
    assert response.status_code == 200
    assert "Choose a mentor before saving the draft." in response.content.decode()
    assert 'value="Pricing"' in response.content.decode()  # nothing typed is lost
    assert stored() == before


@pytest.mark.parametrize("value", ["abc", "²", "1" * 5000, "-1", "1.5", "\x00"])
def test_a_bad_mentor_in_the_link_opens_an_empty_proposal(value, protege, as_user):
    response = as_user(protege).get(reverse(NEW), {"mentor": value})
    assert response.status_code == 200
    assert "Propose a micro-engagement" in response.content.decode()


@pytest.mark.parametrize("field", ["mentor", "peers"])
@pytest.mark.parametrize("value", ["²", "1" * 5000, "abc", "\x00"])
def test_bad_ids_in_the_form_are_refused_with_a_message(field, value, protege, as_user):
    before = stored()
    response = as_user(protege).post(
        reverse(NEW), {**ROWS, "action": "propose", "title": "T", field: value}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html  # a message beside the field
    assert stored() == before


@pytest.mark.parametrize(
    "action",
    ["remove_goal:²", "remove_goal:99999999999999", "remove_activity:-1", "nope", "x" * 500],
)
def test_a_bad_row_action_redraws_without_harm(action, protege, as_user):
    response = as_user(protege).post(reverse(NEW), {**ROWS, "action": action})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["mentor_q", "peer_q"])
def test_nul_bytes_in_the_people_search_are_harmless(name, protege, as_user):
    response = as_user(protege).post(
        reverse(NEW), {**ROWS, "action": "find_mentor", name: "dan\x00iel"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "next_url", ["oops", "engagements:home", "//evil.example/x", "http://evil.example/"]
)
def test_a_bad_next_after_a_decision_lands_on_the_engagement(next_url, protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:accept", args=[engagement.pk]), {"next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == engagement.get_absolute_url()
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.ACTIVE


def test_drafts_stay_the_proteges_alone_on_everyone_elses_home(protege, mentor, peer, as_user):
    draft = engagement_between(protege, mentor, state="draft", peers=[peer], title="Secret plan")
    for person in (mentor, peer):
        html = as_user(person).get(reverse("engagements:home")).content.decode()
        assert "Secret plan" not in html
        assert draft.get_absolute_url() not in html
    assert "Secret plan" in as_user(protege).get(reverse("engagements:home")).content.decode()


def test_an_admin_lists_only_their_own_programmes(protege, mentor, admin, as_user):
    other = Program.objects.create(name="Graduates")
    ours = engagement_between(protege, mentor, state="proposed", title="Ours to see")
    theirs = engagement_between(protege, mentor, state="proposed", title="Not ours")
    Engagement.objects.filter(pk=theirs.pk).update(program=other)
    html = as_user(admin).get(reverse("engagements:programme")).content.decode()
    assert ours.title in html and "Not ours" not in html
    html = as_user(admin).get(reverse("engagements:programme"), {"q": "Not"}).content.decode()
    assert "Not ours" not in html


def test_a_superuser_lists_every_programme(protege, mentor, as_user):
    boss = EmployeeFactory(full_name="Sam Super")
    make_login(boss)
    boss.user.is_superuser = True
    boss.user.save()
    other = Program.objects.create(name="Graduates")
    theirs = engagement_between(protege, mentor, state="proposed", title="Graduate scheme")
    Engagement.objects.filter(pk=theirs.pk).update(program=other)
    html = as_user(boss).get(reverse("engagements:programme")).content.decode()
    assert "Graduate scheme" in html


@pytest.mark.parametrize(
    ("count", "minutes", "message"),
    [
        ("0", "60", "At least 1 (Remove the activity you do not plan)."),
        ("21", "60", "At most 20 of one activity: a micro-engagement is short."),
        ("2", "10", "At least 15 minutes."),
        ("2", "500", "At most 480 minutes (8 hours)."),
        ("2", "50", "In steps of 15 minutes: 15, 30, 45, 60…"),
    ],
)
def test_a_planned_activity_out_of_bounds_says_so_in_words(
    count, minutes, message, protege, mentor, as_user
):
    before = stored()
    response = as_user(protege).post(
        reverse(NEW),
        {
            **ROWS,
            "activities-0-count": count,
            "activities-0-minutes_each": minutes,
            "action": "save",
            "title": "Pricing",
            "mentor": mentor.pk,
            "goals-0-description": "x",
        },
    )
    html = response.content.decode()
    assert message in html and "Ensure this value" not in html
    assert stored() == before


def test_each_bad_field_says_one_thing_and_names_what_is_missing(protege, mentor, as_user):
    response = as_user(protege).post(
        reverse(NEW),
        {**ROWS, "activities-0-count": "2", "activities-0-minutes_each": "-5", "action": "save"},
    )
    html = response.content.decode()
    assert html.count("At least 15 minutes.") >= 1 and "In steps of 15 minutes" not in html
    assert "Give the engagement a title." in html and "This field is required." not in html


def test_the_meeting_form_tells_the_browser_the_shortest_meeting(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor)
    html = as_user(protege).get(engagement.get_absolute_url()).content.decode()
    assert 'name="minutes" value="60" min="5" max="480"' in html
