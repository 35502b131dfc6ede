"""An engagement's life after the yes: peers, meetings within the budget, the end date,
wrap-up, thanks, advice, and a follow-on the mentor may decline."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements import meetings, proposals, transitions
from engagements.models import Engagement, Meeting, Notification, Program, TransitionError, WrapUp
from tests.factories import EmployeeFactory, engagement_between, programme_today

pytestmark = pytest.mark.django_db


def log(client, engagement, *, minutes, held_on=None, note="", htmx=False):
    data = {
        "held_on": (held_on or programme_today()).isoformat(),
        "minutes": str(minutes),
        "note": note,
    }
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("engagements:log_meeting", args=[engagement.pk]), data, **headers)


class TestPeers:
    def test_an_invited_peer_joins_with_one_click(self, protege, mentor, peer, as_user):
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        client = as_user(peer)
        assert "Join as a peer" in client.get(engagement.get_absolute_url()).content.decode()
        client.post(
            reverse("engagements:answer_invitation", args=[engagement.pk]), {"answer": "join"}
        )
        participant = engagement.participants.get()
        assert participant.answer == "accepted" and participant.answered_at
        assert Notification.objects.filter(recipient=protege, kind="peer_answered").exists()

    def test_my_engagements_shows_an_unanswered_invitation_as_invited(
        self, protege, mentor, peer, as_user
    ):
        """Not the engagement's state ("Active") before the peer has said yes."""
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        transitions.accept(engagement, by=mentor)
        client = as_user(peer)

        def as_peer() -> str:
            html = client.get(reverse("engagements:home")).content.decode()
            return html[html.index(">As peer<") :]

        invited = '<span class="badge state-proposed">Invited</span>'
        assert invited in as_peer() and "state-active" not in as_peer()
        transitions.answer_invitation(engagement, by=peer, join=True)
        assert invited not in as_peer() and '<span class="badge state-active">' in as_peer()
        # The protégé's own row says the engagement's state.
        assert invited not in as_user(protege).get(reverse("engagements:home")).content.decode()

    def test_a_peer_who_declines_drops_out(self, protege, mentor, peer, as_user):
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        client = as_user(peer)
        client.post(
            reverse("engagements:answer_invitation", args=[engagement.pk]), {"answer": "no"}
        )
        assert engagement.participants.get().answer == "declined"
        assert client.get(engagement.get_absolute_url()).status_code == 404

    def test_an_invitation_is_answered_once(self, protege, mentor, peer):
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        transitions.answer_invitation(engagement, by=peer, join=True)
        with pytest.raises(TransitionError, match="already answered"):
            transitions.answer_invitation(engagement, by=peer, join=False)


class TestMeetings:
    def test_a_logged_meeting_fills_the_budget_bar(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor)
        response = log(as_user(protege), engagement, minutes=90, note="Prep call", htmx=True)
        html = response.content.decode()
        assert html.strip().startswith('<section class="panel" id="time"')
        assert 'max="240" value="90"' in html
        assert "1 h 30 min</strong> used of 4 h" in html
        assert "Prep call" in html

    def test_the_mentor_and_joined_peers_log_too(self, protege, mentor, peer, as_user):
        engagement = engagement_between(protege, mentor, peers=[peer])
        log(as_user(mentor), engagement, minutes=60)
        log(as_user(peer), engagement, minutes=30)
        assert engagement.minutes_used() == 90

    def test_logging_beyond_the_budget_is_refused_and_says_why(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor)
        client = as_user(protege)
        log(client, engagement, minutes=200)
        response = log(client, engagement, minutes=60)
        html = response.content.decode()
        assert response.status_code == 422
        assert "That would go over the agreed budget: 40 min left of 4 h." in html
        assert "The budget cannot be extended" in html
        assert Meeting.objects.count() == 1

    def test_the_last_minutes_of_the_budget_can_be_used(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor)
        log(as_user(protege), engagement, minutes=240)
        assert engagement.minutes_used() == 240

    def test_logging_after_the_end_date_is_refused(self, protege, mentor, as_user):
        start = programme_today() - dt.timedelta(days=20)
        with time_machine.travel(start):
            engagement = engagement_between(protege, mentor, days=14)
        response = log(as_user(protege), engagement, minutes=30)
        assert "after the agreed end date" in response.content.decode()
        assert "cannot be extended" in response.content.decode()
        assert Meeting.objects.count() == 0

    def test_logging_before_the_start_or_in_the_future_is_refused(self, protege, mentor, as_user):
        engagement = engagement_between(
            protege, mentor, start=programme_today() + dt.timedelta(days=2)
        )
        client = as_user(protege)
        early = log(client, engagement, minutes=30)
        assert "before the engagement started" in early.content.decode()
        with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
            later = log(client, engagement, minutes=30, held_on=engagement.end_date)
        assert "Log meetings that have happened" in later.content.decode()
        assert Meeting.objects.count() == 0

    def test_a_completed_engagement_is_locked(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="completed")
        response = log(as_user(protege), engagement, minutes=30)
        assert "the end date holds, so no more time can be logged" in response.content.decode()

    def test_bad_input_is_explained(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor)
        response = log(as_user(protege), engagement, minutes=2)
        assert response.status_code == 422
        assert "A meeting is at least 5 minutes." in response.content.decode()


class TestEndAndCancel:
    def test_either_side_cancels_with_a_reason_and_the_other_is_told(
        self, protege, mentor, as_user
    ):
        engagement = engagement_between(protege, mentor)
        client = as_user(mentor)
        refused = client.post(reverse("engagements:cancel", args=[engagement.pk]), {"reason": ""})
        assert refused.status_code == 422
        client.post(
            reverse("engagements:cancel", args=[engagement.pk]), {"reason": "New role for me."}
        )
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.CANCELLED
        assert engagement.cancel_reason == "New role for me."
        assert Notification.objects.filter(recipient=protege, kind="cancelled").exists()
        assert not Notification.objects.filter(recipient=mentor, kind="cancelled").exists()


class TestWrapUp:
    def test_the_protege_marks_goals_and_thanks_the_mentor(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="completed", goals=2)
        goals = list(engagement.goals.all())
        client = as_user(protege)
        page = client.get(engagement.get_absolute_url()).content.decode()
        assert "Send thanks" in page and "Partly met" in page
        client.post(
            reverse("engagements:thank", args=[engagement.pk]),
            {
                f"goal_{goals[0].pk}": "met",
                f"goal_{goals[1].pk}": "partly",
                "thank_you": "Thank you, Daniel! The renewal went well.",
            },
        )
        assert [g.outcome for g in engagement.goals.all()] == ["met", "partly"]
        assert engagement.wrap_up.thank_you.startswith("Thank you, Daniel!")
        profile = as_user(protege).get(mentor.get_absolute_url()).content.decode()
        assert "Thank you, Daniel! The renewal went well." in profile
        assert "1</strong> engagement mentored" in profile
        assert Notification.objects.filter(recipient=mentor, kind="thanked").exists()

    def test_every_goal_must_be_marked(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="completed", goals=2)
        first = engagement.goals.first()
        response = as_user(protege).post(
            reverse("engagements:thank", args=[engagement.pk]),
            {f"goal_{first.pk}": "met", "thank_you": "Thanks"},
        )
        assert response.status_code == 422
        assert not WrapUp.objects.exists()
        assert engagement.goals.filter(outcome="").count() == 2

    def test_the_mentor_suggests_the_next_area_and_mentor(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="completed")
        next_mentor = EmployeeFactory(full_name="Kenji Tanaka", skills=["Public speaking"])
        as_user(mentor).post(
            reverse("engagements:advise", args=[engagement.pk]),
            {"next_area": "Presenting to executives", "next_mentor": next_mentor.email},
        )
        page = as_user(protege).get(engagement.get_absolute_url()).content.decode()
        assert "Presenting to executives" in page and "Kenji Tanaka" in page
        assert f"?mentor={next_mentor.pk}" in page

    def test_wrap_up_waits_for_the_end(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor)
        goal = engagement.goals.get()
        as_user(protege).post(
            reverse("engagements:thank", args=[engagement.pk]),
            {f"goal_{goal.pk}": "met", "thank_you": "Early thanks"},
        )
        assert not Engagement.objects.filter(wrap_up__isnull=False).exists()

    def test_a_follow_on_is_a_new_draft_the_mentor_may_decline_gracefully(
        self, protege, mentor, as_user
    ):
        old = engagement_between(protege, mentor, state="completed")
        meetings.advise_next(old, by=mentor, next_area="Multi-year deals", next_mentor=None)
        client = as_user(protege)
        # Thanks first (the method), then anything longer is a new engagement.
        assert "Propose a follow-on" not in client.get(old.get_absolute_url()).content.decode()
        refused = client.post(reverse("engagements:follow_on", args=[old.pk]), follow=True)
        assert "thank your mentor first" in refused.content.decode()
        assert not Engagement.objects.filter(follows=old).exists()
        outcomes = {g.pk: "met" for g in old.goals.all()}
        meetings.thank_mentor(old, by=protege, outcomes=outcomes, thank_you="Thank you!")
        assert "Propose a follow-on" in client.get(old.get_absolute_url()).content.decode()
        response = client.post(reverse("engagements:follow_on", args=[old.pk]))
        draft = Engagement.objects.get(follows=old)
        assert response["Location"] == reverse("engagements:edit", args=[draft.pk])
        assert draft.state == Engagement.State.DRAFT and draft.mentor == mentor
        assert draft.title == "Follow-on: Negotiating agency contracts"
        assert [g.description for g in draft.goals.all()] == ["Multi-year deals"]
        assert draft.activities.count() == 2 and draft.start_date is None
        # Proposed like any other, and declined like any other.
        draft.goals.update(measure="Close one multi-year renewal")
        today = Program.default().today()
        Engagement.objects.filter(pk=draft.pk).update(
            start_date=today, end_date=today + dt.timedelta(days=10)
        )
        proposals.propose(draft, by=protege)
        as_user(mentor).post(reverse("engagements:decline", args=[draft.pk]), {"reason": "not_now"})
        draft.refresh_from_db()
        assert draft.state == Engagement.State.DECLINED
        page = as_user(protege).get(draft.get_absolute_url()).content.decode()
        assert "please do ask me again in a few months" in page
        assert "follows" in page and old.get_absolute_url() in page


class TestMyEngagements:
    def test_what_needs_me_comes_first(self, protege, mentor, peer, as_user):
        engagement_between(protege, mentor, state="proposed", title="Waiting on Daniel")
        engagement_between(protege, mentor, state="completed", title="Done with Daniel")
        engagement_between(mentor, peer, state="draft", title="Daniel's own draft")
        html = as_user(mentor).get(reverse("engagements:home")).content.decode()
        needs = html[html.index("Needs your action") : html.index("As protégé")]
        assert "Accept or decline this proposal" in needs
        assert "Suggest the next area and the next mentor" in needs
        assert "Finish and propose your draft" in needs

    def test_notifications_show_with_an_unread_count_and_can_be_read(
        self, protege, mentor, as_user
    ):
        engagement = engagement_between(protege, mentor, state="declined")
        client = as_user(protege)
        html = client.get(reverse("engagements:home")).content.decode()
        assert "Proposal declined" in html
        assert '<span class="nav-count">1<span class="visually-hidden"> unread' in html
        notification = Notification.objects.get(recipient=protege)
        url = reverse("engagements:notification", args=[notification.pk])
        response = client.get(url)  # a prefetch or an old link: opens, changes nothing
        assert response["Location"] == engagement.get_absolute_url()
        notification.refresh_from_db()
        assert notification.read_at is None
        response = client.post(url)
        assert response["Location"] == engagement.get_absolute_url()
        notification.refresh_from_db()
        assert notification.read_at is not None
        assert "nav-count" not in client.get(reverse("engagements:home")).content.decode()

    def test_someone_elses_notification_is_not_found(self, protege, mentor, as_user):
        engagement_between(protege, mentor, state="declined")
        notification = Notification.objects.get(recipient=protege)
        url = reverse("engagements:notification", args=[notification.pk])
        assert as_user(mentor).get(url).status_code == 404
        assert as_user(mentor).post(url).status_code == 404
        notification.refresh_from_db()
        assert notification.read_at is None

    def test_a_notification_of_an_engagement_no_longer_mine_says_so_instead_of_a_404(
        self, protege, mentor, peer, as_user
    ):
        """A peer who joined, heard it was accepted, then left: the feed still lists it."""
        engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
        transitions.answer_invitation(engagement, by=peer, join=True)
        transitions.accept(engagement, by=mentor)
        transitions.leave(engagement, by=peer)
        notification = Notification.objects.filter(recipient=peer).latest("pk")
        url = reverse("engagements:notification", args=[notification.pk])
        response = as_user(peer).post(url, follow=True)
        assert response.redirect_chain == [(reverse("engagements:home"), 302)]
        html = response.content.decode()
        assert "You are no longer in “Negotiating agency contracts”" in html
        notification.refresh_from_db()
        assert notification.read_at is not None

    def test_the_protege_profile_counts_micro_mentors_of_the_last_year(
        self, protege, mentor, as_user
    ):
        second = EmployeeFactory(full_name="Second Mentor")
        engagement_between(protege, mentor, state="completed")
        engagement_between(protege, second, title="Another")
        engagement_between(protege, mentor, state="declined", title="Declined one")
        html = as_user(protege).get(protege.get_absolute_url()).content.decode()
        assert "<strong>2</strong> micro-mentors met in the last 12 months" in html
        # A protégé's measure is theirs: others looking at the profile do not see it.
        assert (
            "micro-mentor" not in as_user(mentor).get(protege.get_absolute_url()).content.decode()
        )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_engagement_page_queries_do_not_grow_with_meetings_goals_and_peers(
    protege, mentor, as_user
):
    small = engagement_between(protege, mentor, goals=1)
    peers = EmployeeFactory.create_batch(2)
    big = engagement_between(protege, mentor, goals=2, peers=peers, title="Big")
    for n in range(6):
        Meeting.objects.create(
            engagement=big, held_on=programme_today(), minutes=10, logged_by=peers[n % 2]
        )
    Meeting.objects.create(
        engagement=small, held_on=programme_today(), minutes=10, logged_by=protege
    )
    client = as_user(protege)
    assert count_queries(client, big.get_absolute_url()) == count_queries(
        client, small.get_absolute_url()
    )


def test_my_engagements_queries_do_not_grow_with_engagements(protege, as_user):
    client = as_user(protege)
    mentors = EmployeeFactory.create_batch(6, mentoring_capacity=3)
    engagement_between(protege, mentors[0])
    few = count_queries(client, reverse("engagements:home"))
    for mentor in mentors[1:]:
        engagement_between(protege, mentor, goals=2, peers=[EmployeeFactory()])
        engagement_between(protege, mentor, state="declined", title="Other")
    assert count_queries(client, reverse("engagements:home")) == few


def test_a_follow_on_of_a_follow_on_is_titled_once(protege, mentor):
    old = engagement_between(protege, mentor, state="completed", title="Follow-on: Pricing")
    outcomes = {g.pk: "met" for g in old.goals.all()}
    meetings.thank_mentor(old, by=protege, outcomes=outcomes, thank_you="Thank you!")
    draft, new = proposals.start_follow_on(old, by=protege)
    assert new
    assert draft.title == "Follow-on: Pricing"


def test_asking_for_a_follow_on_twice_opens_the_same_draft(protege, mentor, as_user):
    """A second tab or a double click: one draft, as it was left."""
    old = engagement_between(protege, mentor, state="completed", title="Pricing")
    outcomes = {g.pk: "met" for g in old.goals.all()}
    meetings.thank_mentor(old, by=protege, outcomes=outcomes, thank_you="Thank you!")
    client = as_user(protege)
    url = reverse("engagements:follow_on", args=[old.pk])
    first = client.post(url, follow=True)
    assert "A follow-on draft, prefilled from the last engagement." in first.content.decode()
    again = client.post(url, follow=True)
    assert again.redirect_chain == first.redirect_chain
    assert "Your follow-on draft, as you left it." in again.content.decode()
    assert Engagement.objects.filter(follows=old).count() == 1
    # Once proposed, a new follow-on is a new draft.
    Engagement.objects.filter(follows=old).update(state="proposed")
    client.post(url)
    assert Engagement.objects.filter(follows=old).count() == 2
