"""What tripped a newcomer on the demo, as view tests: the error summary of a refused
proposal, hours left, who else could help after a decline, profiles that show each
measure to the person it is about, and the skill picker."""

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements import meetings
from engagements.models import Notification
from tests.factories import EmployeeFactory, engagement_between, programme_today

ROWS = {
    "goals-TOTAL_FORMS": "1",
    "goals-INITIAL_FORMS": "0",
    "activities-TOTAL_FORMS": "1",
    "activities-INITIAL_FORMS": "0",
    "activities-0-kind": "discussion",
    "activities-0-count": "2",
    "activities-0-minutes_each": "60",
}


def test_a_refused_proposal_lists_every_problem_as_a_link_to_its_field(protege, mentor, as_user):
    response = as_user(protege).post(
        reverse("engagements:new"),
        {
            **ROWS,
            "action": "propose",
            "title": "",
            "mentor": mentor.pk,
            "goals-0-description": "Negotiate",
            "start_date": (programme_today() - dt.timedelta(days=1)).isoformat(),
        },
    )
    html = response.content.decode()
    summary = html[
        html.index('id="error-summary"') : html.index("</ul>", html.index('id="error-summary"'))
    ]
    assert (
        "autofocus" in html[html.index("error-summary") - 200 : html.index("error-summary") + 200]
    )
    assert '<a href="#id_title">Give the engagement a title.</a>' in summary
    assert '<a href="#id_start_date">The start date is in the past.</a>' in summary
    # The goal's own empty measure, not the goals section.
    assert '<a href="#id_goals-0-measure">Every goal needs a measure of success.</a>' in summary
    assert '<a href="#id_role_0">Say what your role will be.</a>' in summary
    # In the page's order: the title, the goals, the role, then the dates.
    anchors = re.findall(r'<a href="#([^"]+)">', summary)
    assert anchors == [
        "id_title",
        "id_goals-0-measure",
        "id_role_0",
        "id_start_date",
        "id_end_date",
    ], anchors
    # The fields say they are invalid, and which message describes them.
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_start_date_error"' in html


def test_a_proposal_without_a_goal_links_to_the_first_goal(protege, mentor, as_user):
    response = as_user(protege).post(
        reverse("engagements:new"),
        {**ROWS, "action": "propose", "title": "Pricing", "mentor": mentor.pk},
    )
    html = response.content.decode()
    assert '<a href="#id_goals-0-description">Set at least one goal.</a>' in html


def test_an_untouched_or_redrawn_form_shows_no_errors(protege, as_user):
    client = as_user(protege)
    assert "error-summary" not in client.get(reverse("engagements:new")).content.decode()
    redrawn = client.post(reverse("engagements:new"), {**ROWS, "action": "add_goal"})
    assert "error-summary" not in redrawn.content.decode()
    assert 'name="goals-1-description"' in redrawn.content.decode()


def test_the_time_panel_shows_the_hours_left(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, start=programme_today())
    meetings.log_meeting(engagement, by=protege, held_on=programme_today(), minutes=90)
    html = as_user(protege).get(engagement.get_absolute_url()).content.decode()
    assert "<strong>1 h 30 min</strong> used of 4 h · <strong>2 h 30 min</strong> left" in html


def test_others_who_could_help_never_offers_a_mentor_who_declined_lately(protege, as_user):
    first = EmployeeFactory(full_name="Ann Declined", level=4, skills=["Negotiation"])
    second = EmployeeFactory(full_name="Bob Declined", level=4, skills=["Negotiation"])
    EmployeeFactory(full_name="Cid Available", level=4, skills=["Negotiation"])
    engagement_between(protege, first, state="declined", title="Negotiation with agencies")
    latest = engagement_between(protege, second, state="declined", title="Negotiation basics")
    html = as_user(protege).get(latest.get_absolute_url()).content.decode()
    others = html[html.index("Others who could help") : html.index('aria-labelledby="plan"')]
    assert "Cid Available" in others
    assert "Ann Declined" not in others and "Bob Declined" not in others


def test_others_who_could_help_leaves_out_mentors_already_asked_or_working_with_me(
    protege, as_user
):
    asked = EmployeeFactory(full_name="Ada Asked", level=4, skills=["Negotiation"])
    busy = EmployeeFactory(full_name="Ben Running", level=4, skills=["Negotiation"])
    declined = EmployeeFactory(full_name="Dee Declined", level=4, skills=["Negotiation"])
    EmployeeFactory(full_name="Cid Available", level=4, skills=["Negotiation"])
    engagement_between(protege, asked, state="proposed", title="Negotiation with agencies")
    engagement_between(protege, busy, state="active", title="Negotiation with suppliers")
    latest = engagement_between(protege, declined, state="declined", title="Negotiation basics")
    html = as_user(protege).get(latest.get_absolute_url()).content.decode()
    others = html[html.index("Others who could help") : html.index('aria-labelledby="plan"')]
    # A second proposal to someone already asked, or already mentoring me, is a duplicate.
    assert "Cid Available" in others
    assert "Ada Asked" not in others and "Ben Running" not in others


def test_a_mentors_public_profile_shows_no_protege_measure_and_no_empty_boast(
    protege, mentor, as_user
):
    html = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert "micro-mentor" not in html
    assert "0 engagements mentored" not in html and "<strong>0</strong>" not in html
    assert "No engagements mentored here yet." in html
    engagement_between(protege, mentor, state="completed")
    html = as_user(protege).get(mentor.get_absolute_url()).content.decode()
    assert "<strong>1</strong> engagement mentored" in html
    mine = as_user(protege).get(protege.get_absolute_url()).content.decode()
    assert "<strong>1</strong> micro-mentor met in the last 12 months" in mine


def test_the_skill_picker_lists_what_is_chosen_first(protege, as_user):
    html = as_user(protege).get(reverse("directory:profile_edit")).content.decode()
    interests = html[html.index("<legend>Learning interests</legend>") :]
    interests = interests[: interests.index("</fieldset>")]
    # Negotiation (chosen) before Copywriting (not), though the list is alphabetical.
    assert interests.index("Negotiation") < interests.index("Copywriting")
    assert 'class="chosen"' in interests
    assert "data-picker-filter" in interests and " hidden " in interests  # JS shows it


def test_a_notification_that_asked_for_an_action_is_read_once_it_is_done(
    protege, mentor, peer, as_user
):
    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
    as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]), {"reason": "not_now"}
    )
    asked = Notification.objects.get(recipient=mentor, kind="proposal_received")
    assert asked.read_at is not None  # the decline answered it
    told = Notification.objects.get(recipient=protege, kind="declined")
    assert told.read_at is None  # news for the protégé stays unread until seen
    # The peer never answered, and now cannot: the invitation no longer asks, and the
    # news that it is not going ahead is unread (tests/test_closed_questions.py).
    invited = Notification.objects.get(recipient=peer, kind="peer_invited")
    assert invited.read_at is not None
    assert Notification.objects.get(recipient=peer, kind="declined").read_at is None


def test_a_one_click_decision_redraws_the_counts_out_of_band(protege, mentor, as_user):
    first = engagement_between(protege, mentor, state="proposed")
    engagement_between(protege, mentor, state="proposed", title="Second")
    url = reverse("engagements:accept", args=[first.pk])
    html = as_user(mentor).post(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'id="proposal-{first.pk}"' in html  # the card itself
    header = html[html.index('id="site-header"') :]
    assert header.startswith('id="site-header" hx-swap-oob="true"')
    assert '<span class="nav-count">1<span class="visually-hidden"> waiting' in header
    load = html[html.index('id="mentor-load"') :]
    assert load.startswith('id="mentor-load" hx-swap-oob="true"')
    assert "You mentor 1 of 2 at a time" in load


def test_the_navigation_says_the_count_is_unread_notifications(protege, mentor, as_user):
    engagement_between(protege, mentor, state="declined")
    html = as_user(protege).get(reverse("directory:index")).content.decode()
    assert '1 unread<span class="visually-hidden"> notifications</span>' in html


def test_the_live_budget_total_ranks_no_mentors(protege, as_user):
    """The total is redrawn as a count is typed: it must stay cheap."""
    client = as_user(protege)
    data = {**ROWS, "goals-0-description": "Get better at negotiation"}
    with CaptureQueriesContext(connection) as total:
        response = client.post(
            reverse("engagements:new") + "?redraw=total", data, HTTP_HX_REQUEST="true"
        )
    assert response.content.decode().strip().startswith('<p id="budget"')
    assert not [q for q in total.captured_queries if "directory_skill" in q["sql"]]
    with CaptureQueriesContext(connection) as redraw:
        client.post(
            reverse("engagements:new") + "?redraw=suggestions", data, HTTP_HX_REQUEST="true"
        )
    assert [q for q in redraw.captured_queries if "directory_skill" in q["sql"]]


def test_a_decline_without_words_says_its_reason_not_empty_quotes(protege, mentor, as_user):
    from engagements import transitions

    engagement = engagement_between(protege, mentor, state="proposed")
    transitions.decline(engagement, by=mentor, reason="capacity")  # as code may, no message
    html = as_user(protege).get(engagement.get_absolute_url()).content.decode()
    panel = html[
        html.index('id="declined"') : html.index("</section>", html.index('id="declined"'))
    ]
    assert "“”" not in panel
    assert "I&#x27;m at capacity — try someone else." in panel


def test_a_closed_proposals_unanswered_peer_reads_invitation_closed(protege, mentor, peer):
    from django.test import Client

    from engagements import transitions

    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
    client = Client()
    client.force_login(protege.user)
    people = "peer · invited</span>"
    assert people in client.get(engagement.get_absolute_url()).content.decode()
    transitions.withdraw(engagement, by=protege)
    html = client.get(engagement.get_absolute_url()).content.decode()
    assert people not in html and "peer · invitation closed</span>" in html
