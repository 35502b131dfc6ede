"""The mentor decides with one click: from the inbox, the engagement page or an email link."""

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import Employee
from engagements import transitions
from engagements.models import Engagement, Event, Notification, Program
from engagements.tokens import make_token
from engagements.views.decisions import DECLINE_FIELDS, decline_form
from tests.factories import PASSWORD, EmployeeFactory, engagement_between, programme_today

pytestmark = pytest.mark.django_db
INBOX = reverse("engagements:inbox")


def test_the_inbox_shows_each_proposal_as_a_card(protege, mentor, peer, as_user):
    engagement = engagement_between(protege, mentor, state="proposed", goals=2, peers=[peer])
    Engagement.objects.filter(pk=engagement.pk).update(note="My first renewal is in March.")
    html = as_user(mentor).get(INBOX).content.decode()
    for text in [
        "Negotiating agency contracts",
        "Goal 1",
        "Measure 2",
        "Shadowing the mentor",
        "4 h",
        "Tom Becker",
        "My first renewal is in March.",
        "Priya Patel",
        ">Accept</button>",
        "Not the right time for me",
    ]:
        assert text in html, text


def test_each_card_has_its_own_decline_fields(protege, mentor, as_user):
    # The inbox renders the blank fields once and gives each card its ids: the same
    # HTML as drawing the form for each card, and no id twice on the page.
    first, second = (engagement_between(protege, mentor, state="proposed") for _ in range(2))
    html = as_user(mentor).get(INBOX).content.decode()
    for engagement in (first, second):
        fields = render_to_string(DECLINE_FIELDS, {"form": decline_form(engagement.pk)})
        assert f'id="decline-{engagement.pk}-message"' in fields
        assert fields in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "decline-0-" not in html


def test_a_refused_decline_redraws_its_card_with_what_was_typed(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]),
        {"reason": "other", "message": "", "suggested_mentor": "kenji@example.com"},
        headers={"HX-Request": "true"},
    )
    card = response.content.decode()
    assert "Write a short message" in card
    assert f'id="decline-{engagement.pk}-suggested_mentor"' in card
    assert 'value="kenji@example.com"' in card
    assert '<details class="decline-box" open>' in card  # the message to fix is in sight
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.PROPOSED


def test_the_mentor_accepts_with_one_click_and_the_card_is_swapped(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    url = reverse("engagements:accept", args=[engagement.pk])
    response = as_user(mentor).post(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(
        f'<article class="panel proposal-card" id="proposal-{engagement.pk}"'
    )
    assert "You accepted" in html
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.ACTIVE and engagement.decided_at
    assert Event.objects.filter(engagement=engagement, verb="accept", actor=mentor).count() == 1
    assert Notification.objects.filter(recipient=protege, kind="accepted").exists()


def test_accepting_works_without_javascript_too(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:accept", args=[engagement.pk]), {"next": INBOX}
    )
    assert response.status_code == 302 and response["Location"] == INBOX
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.ACTIVE


def test_a_double_click_accepts_once_and_the_second_is_told(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    client = as_user(mentor)
    url = reverse("engagements:accept", args=[engagement.pk])
    client.post(url, HTTP_HX_REQUEST="true")
    second = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "This proposal was already accepted." in second
    assert Event.objects.filter(verb="accept").count() == 1
    assert Notification.objects.filter(kind="accepted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_connections_accepting_at_once_make_one_transition(protege, mentor):
    """The race on real PostgreSQL: both threads try at the same moment."""
    from engagements import transitions
    from engagements.models import TransitionError

    engagement = engagement_between(protege, mentor, state="proposed")
    barrier = threading.Barrier(2)
    outcomes = []

    def accept():
        try:
            barrier.wait()
            transitions.accept(Engagement.objects.get(pk=engagement.pk), by=mentor)
            outcomes.append("accepted")
        except TransitionError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["This proposal was already accepted.", "accepted"]
    assert Event.objects.filter(engagement=engagement, verb="accept").count() == 1
    assert Notification.objects.filter(engagement=engagement, kind="accepted").count() == 1


def test_only_the_mentor_can_accept_or_decline(protege, mentor, peer, as_user):
    engagement = engagement_between(protege, mentor, state="proposed", peers=[peer])
    for person in (protege, peer):
        client = as_user(person)
        client.post(reverse("engagements:accept", args=[engagement.pk]))
        client.post(reverse("engagements:decline", args=[engagement.pk]), {"reason": "not_now"})
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.PROPOSED


def test_the_mentor_declines_gracefully_with_a_preset_and_a_suggestion(protege, mentor, as_user):
    other = EmployeeFactory(full_name="Kenji Tanaka", skills=["Negotiation"])
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]),
        {"reason": "capacity", "message": "", "suggested_mentor": other.email},
        HTTP_HX_REQUEST="true",
    )
    assert "You declined" in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.DECLINED
    assert engagement.decline_message.startswith("Thank you for asking — I'm at capacity")
    assert engagement.suggested_mentor == other
    page = as_user(protege).get(engagement.get_absolute_url()).content.decode()
    assert "I&#x27;m at capacity with mentoring right now" in page
    assert "Kenji Tanaka" in page and f"mentor={other.pk}" in page
    assert Notification.objects.filter(recipient=protege, kind="declined").exists()


def test_the_mentor_reads_the_message_a_reason_sends_before_sending_it(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    engagement_between(protege, mentor, state="proposed", title="Pricing")  # two cards
    client = as_user(mentor)
    for url in (reverse("engagements:inbox"), reverse("engagements:decline", args=[engagement.pk])):
        html = client.get(url).content.decode().replace("&#x27;", "'")
        assert html.count('<details class="presets small') == 1  # once a page, not a card
        presets = html[html.index('<details class="presets small') :]
        presets = presets[: presets.index("</details>")]
        assert "The message each reason sends" in presets
        for reason in ("Not the right time for me", "Outside my expertise"):
            assert f"<dt>{reason}</dt>" in presets
        assert "I'm at capacity with mentoring right now. Please try someone else" in presets


def test_declining_with_another_reason_needs_a_message(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]), {"reason": "other", "message": ""}
    )
    assert "Write a short message" in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.PROPOSED


def test_an_unknown_suggested_mentor_is_explained(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]),
        {"reason": "not_now", "suggested_mentor": "ghost@example.com"},
    )
    assert "Nobody in the directory has that email address." in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.PROPOSED


SELF_SUGGESTED = "Suggest someone other than yourself or the protégé."
TYPED = "Kenji knows agencies far better."


def typed_decline(suggested: str) -> dict:
    return {"reason": "other", "message": TYPED, "suggested_mentor": suggested}


def field_around(html: str, field_id: str) -> str:
    """The field's own box (templates/directory/field.html): its label, input, help and
    errors."""
    label = f'<label for="{field_id}">'
    return re.search(rf'<div class="field[^"]*">\s*{label}.*?</div>', html, re.S).group(0)


def assert_refused_as_typed(html: str, field_id: str, suggested: str) -> None:
    """The refusal beside the suggested mentor (once: not also at the top), and every
    answer as typed."""
    assert SELF_SUGGESTED in field_around(html, field_id)
    assert html.count(SELF_SUGGESTED) == 1
    assert re.search(r'<input type="radio" name="reason" value="other"[^>]* checked', html)
    assert re.search(rf">\s*{TYPED}</textarea>", html)
    assert f'value="{suggested}"' in field_around(html, field_id)


def assert_still_waiting(engagement: Engagement) -> None:
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.PROPOSED
    assert (engagement.decline_reason, engagement.decline_message) == ("", "")
    assert engagement.suggested_mentor is None
    assert not Event.objects.filter(engagement=engagement, verb="decline").exists()
    assert not Notification.objects.filter(engagement=engagement, kind="declined").exists()


def test_suggesting_oneself_is_refused_on_the_card_with_what_was_typed(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]),
        {**typed_decline(mentor.email), "next": INBOX},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200  # htmx swaps a 2xx answer only
    card = response.content.decode()
    assert card.strip().startswith(
        f'<article class="panel proposal-card" id="proposal-{engagement.pk}"'
    )
    assert '<details class="decline-box" open>' in card
    assert_refused_as_typed(card, f"decline-{engagement.pk}-suggested_mentor", mentor.email)
    assert_still_waiting(engagement)


def test_suggesting_the_protege_without_javascript_comes_back_as_typed(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]),
        {**typed_decline(protege.email), "next": INBOX},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Decline gracefully" in page
    assert_refused_as_typed(page, f"decline-{engagement.pk}-suggested_mentor", protege.email)
    assert_still_waiting(engagement)
    # Fixed and sent again, the mentor is back where they started: the inbox.
    assert f'<input type="hidden" name="next" value="{INBOX}">' in page
    assert f'class="button secondary" href="{INBOX}">Back</a>' in page
    fixed = as_user(mentor).post(
        reverse("engagements:decline", args=[engagement.pk]),
        {**typed_decline(""), "next": INBOX},
    )
    assert fixed.status_code == 302 and fixed["Location"] == INBOX


def test_a_decline_after_someone_else_answered_is_told_on_the_card(protege, mentor, as_user):
    # Refused because the proposal moved on, not for what was typed: the card says so.
    engagement = engagement_between(protege, mentor, state="proposed")
    client = as_user(mentor)
    client.post(reverse("engagements:accept", args=[engagement.pk]), headers={"HX-Request": "true"})
    response = client.post(
        reverse("engagements:decline", args=[engagement.pk]),
        {"reason": "not_now"},
        headers={"HX-Request": "true"},
    )
    card = response.content.decode()
    assert '<p class="message message-warning" role="alert">' in card
    assert "This proposal was already accepted." in card and "decline-box" not in card
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.ACTIVE


@time_machine.travel(dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC), tick=False)
def test_the_mentor_sees_by_when_to_answer_on_the_programmes_clock(
    protege, mentor, program, as_user
):
    engagement = engagement_between(protege, mentor, state="proposed")
    # 03:00 on Wednesday in UTC is still Tuesday evening on the programme's clock.
    Program.objects.filter(pk=program.pk).update(time_zone="America/Los_Angeles")
    expires_at = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
    Engagement.objects.filter(pk=engagement.pk).update(expires_at=expires_at)
    answer_by = f'<time datetime="{expires_at.isoformat()}">Tue 1 Dec, 19:00</time>'
    client = as_user(mentor)
    for url in [
        INBOX,
        engagement.get_absolute_url(),
        reverse("engagements:decline", args=[engagement.pk]),
        reverse("engagements:decide", args=[make_token(engagement, "accept")]),
        reverse("engagements:decide", args=[make_token(engagement, "decline")]),
    ]:
        html = client.get(url).content.decode()
        assert "Answer by" in html and answer_by in html, url
    page = as_user(protege).get(engagement.get_absolute_url()).content.decode()
    assert "Expires if unanswered" in page and answer_by in page
    assert "Answer by" not in page

    transitions.accept(engagement, by=mentor)
    page = as_user(mentor).get(engagement.get_absolute_url()).content.decode()
    assert "Answer by" not in page and "Tue 1 Dec" not in page


class TestEmailLinks:
    def url(self, engagement, action="accept"):
        return reverse("engagements:decide", args=[make_token(engagement, action)])

    def test_opening_the_link_changes_nothing(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        response = as_user(mentor).get(self.url(engagement))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Accept this engagement" in html and "Goal 1" in html
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.PROPOSED

    def test_the_button_acts_once_and_the_link_then_explains_itself(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        client = as_user(mentor)
        url = self.url(engagement)
        response = client.post(url)
        assert response.status_code == 302
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.ACTIVE
        replay = client.post(url)
        assert "Already answered" in replay.content.decode()
        assert Event.objects.filter(verb="accept").count() == 1

    def test_a_link_to_a_proposal_withdrawn_before_the_answer_says_so(
        self, protege, mentor, as_user
    ):
        engagement = engagement_between(protege, mentor, state="proposed")
        transitions.withdraw(engagement, by=protege)
        html = as_user(mentor).get(self.url(engagement)).content.decode()
        assert "No longer waiting for you" in html and "was withdrawn before you answered" in html
        assert "Already answered" not in html and "done its job" not in html

    def test_decline_from_email_uses_the_preset_message(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        client = as_user(mentor)
        page = client.get(self.url(engagement, "decline")).content.decode()
        assert "Not the right time for me" in page
        client.post(self.url(engagement, "decline"), {"reason": "expertise"})
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.DECLINED
        assert "I don't think I'm the best person" in engagement.decline_message

    def test_a_refused_decline_from_email_comes_back_as_typed(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        response = as_user(mentor).post(
            self.url(engagement, "decline"), typed_decline(mentor.email)
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Decline with this message" in page
        assert_refused_as_typed(page, "id_suggested_mentor", mentor.email)
        assert_still_waiting(engagement)

    def test_a_mentor_not_signed_in_signs_in_and_lands_back_on_the_link(
        self, client, protege, mentor
    ):
        engagement = engagement_between(protege, mentor, state="proposed")
        url = self.url(engagement)
        response = client.get(url)
        assert response.status_code == 302
        login = response["Location"]
        assert login.startswith(reverse("account_login"))
        response = client.post(login, {"login": mentor.email, "password": PASSWORD})
        assert response["Location"] == url
        assert "Accept this engagement" in client.get(url).content.decode()
        client.post(url)
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.ACTIVE

    def test_someone_else_signed_in_cannot_use_the_mentors_link(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        for person in (protege, EmployeeFactory(full_name="Nosy Colleague")):
            if person.user is None:
                from tests.factories import make_login

                make_login(person)
            for method in ("get", "post"):
                response = getattr(as_user(person), method)(self.url(engagement))
                # Answered as the access helper answers outsiders: not found, no name.
                assert response.status_code == 404
                assert mentor.full_name not in response.content.decode()
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.PROPOSED

    def test_an_expired_link_explains_itself(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        url = self.url(engagement)
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=9)):
            response = as_user(mentor).post(url)
        assert response.status_code == 400
        assert "This link has expired" in response.content.decode()
        assert INBOX in response.content.decode()
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.PROPOSED

    def test_a_tampered_link_explains_itself(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        token = make_token(engagement, "accept")
        for bad in [token[:-2] + "xx", token.replace(":", "x", 1), "nonsense"]:
            response = as_user(mentor).post(reverse("engagements:decide", args=[bad]))
            assert response.status_code == 400
            assert "This link does not work" in response.content.decode()
        engagement.refresh_from_db()
        assert engagement.state == Engagement.State.PROPOSED

    def test_a_link_for_a_reassigned_mentor_does_not_work(self, protege, mentor, as_user):
        engagement = engagement_between(protege, mentor, state="proposed")
        url = self.url(engagement)
        other = EmployeeFactory(full_name="New Mentor")
        Engagement.objects.filter(pk=engagement.pk).update(mentor=other)
        response = as_user(mentor).post(url)
        assert response.status_code == 400


def test_the_inbox_makes_the_same_number_of_queries_for_1_and_8_proposals(mentor, as_user):
    client = as_user(mentor)

    def queries() -> int:
        client.get(INBOX)  # the colleagues' datalist is drawn now and kept a few minutes
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured)

    def propose(n: int):
        for i in range(n):
            protege = EmployeeFactory(full_name=f"Keen Learner{i}{n}")
            peer = EmployeeFactory(full_name=f"Keen Peer{i}{n}")
            engagement_between(protege, mentor, state="proposed", goals=2, peers=[peer])

    mentor.mentoring_capacity = 10
    mentor.save()
    propose(1)
    one = queries()
    propose(7)
    assert queries() == one


def test_the_inbox_reads_the_mentors_own_row_once_not_with_every_card(
    protege, peer, mentor, as_user
):
    engagement_between(protege, mentor, state="proposed", title="First")
    engagement_between(peer, mentor, state="proposed", title="Second")
    with CaptureQueriesContext(connection) as captured:
        page = as_user(mentor).get(INBOX).content.decode()
    cards = [
        q["sql"] for q in captured if 'ORDER BY "engagements_engagement"."proposed_at"' in q["sql"]
    ]
    assert len(cards) == 1
    assert not re.search(
        r'JOIN "directory_employee"( T\d+)? ON \("engagements_engagement"\."mentor_id"', cards[0]
    )
    assert "First" in page and "Second" in page
    # Each card is still the mentor's, in memory: nothing reads it again per card.
    assert page.count(f'href="{protege.get_absolute_url()}"') >= 1


def test_a_decision_never_redirects_to_another_site(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    response = as_user(mentor).post(
        reverse("engagements:accept", args=[engagement.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == engagement.get_absolute_url()


def test_the_colleagues_datalist_is_drawn_once_per_mentor_for_a_few_minutes(
    protege, mentor, as_user, monkeypatch
):
    """The colleagues offered when declining (engagements.views.decisions.MentorOptions)
    are a hint, kept MENTOR_OPTIONS_SECONDS: a second visit neither reads nor draws
    them; a colleague who starts mentoring is offered once the drawing expires."""
    import time

    from django.core.cache import caches
    from django.core.cache.utils import make_template_fragment_key

    from engagements.views import decisions

    drawings = caches["template_fragments"]  # each process's own

    assert decisions.MENTOR_OPTIONS_SECONDS == 300
    engagement_between(protege, mentor, state="proposed")
    EmployeeFactory(full_name="Kenji Sato", skills=["Negotiation"], email="kenji@example.com")
    client = as_user(mentor)

    def visit() -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            html = client.get(INBOX).content.decode()
        datalist = re.search(r'<datalist id="mentor-options">.*?</datalist>', html).group(0)
        return datalist, [q["sql"] for q in captured]

    first, cold = visit()
    second, warm = visit()
    assert 'value="kenji@example.com"' in first and second == first
    assert len(warm) == len(cold) - 2  # the colleagues and the programme's date they are read on
    assert not any("directory_employee_skills" in sql for sql in warm)
    assert drawings.get(make_template_fragment_key("mentor-options", [mentor.pk])) == first
    # Another mentor's page draws their own colleagues, not this one's.
    assert drawings.get(make_template_fragment_key("mentor-options", [protege.pk])) is None

    drawings.clear()
    monkeypatch.setattr(decisions, "MENTOR_OPTIONS_SECONDS", 1)
    visit()
    EmployeeFactory(full_name="Ana Lima", skills=["Negotiation"], email="ana@example.com")
    assert 'value="ana@example.com"' not in visit()[0]  # minutes old
    time.sleep(1.2)  # the drawing's expiry is real time
    assert 'value="ana@example.com"' in visit()[0]


def test_the_colleagues_offered_are_the_most_alike_who_have_room_not_the_first_by_name(
    protege, mentor
):
    from engagements.views.decisions import mentor_options

    # Daniel knows Negotiation and Enterprise sales.
    EmployeeFactory(full_name="Aaron Alone", skills=["Negotiation"])
    EmployeeFactory(full_name="Zara Both", skills=["Negotiation", "Enterprise sales"])
    EmployeeFactory(full_name="Yusuf Roomy", skills=["Negotiation"], mentoring_capacity=5)
    EmployeeFactory(full_name="Abby Able", skills=["Negotiation", "Enterprise sales"])
    full = EmployeeFactory(full_name="Adam Full", skills=["Negotiation", "Enterprise sales"])
    type(full).objects.filter(pk=full.pk).update(mentoring_load=2, mentoring_capacity=2)
    EmployeeFactory(full_name="Bea Unrelated", skills=["Python"])
    EmployeeFactory(
        full_name="Aida Away",
        skills=["Negotiation", "Enterprise sales"],
        snoozed_until=programme_today() + dt.timedelta(days=30),
    )
    names = [e.full_name for e in mentor_options(mentor).people]
    # Both skills first, then the most room, then by name; nobody full, away or unrelated.
    assert names == ["Abby Able", "Zara Both", "Yusuf Roomy", "Aaron Alone"]


def test_recently_answered_lists_what_the_mentor_answered_not_what_went_away(
    protege, mentor, as_user
):
    for title, state in [("Answered yes", "active"), ("Answered no", "declined")]:
        engagement_between(protege, mentor, state=state, title=title)
    gone = engagement_between(protege, mentor, state="proposed", title="Withdrawn one")
    transitions.withdraw(gone, by=protege)
    html = as_user(mentor).get(INBOX).content.decode()
    recent = html[html.index('id="recent"') :]
    assert "Answered yes" in recent and "Answered no" in recent
    assert "Withdrawn one" not in recent


def test_an_expired_proposal_tells_only_the_protege_to_try_someone_else(protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state="proposed")
    transitions.expire(engagement)
    try_else = "Try someone else"
    assert try_else in as_user(protege).get(engagement.get_absolute_url()).content.decode()
    assert try_else not in as_user(mentor).get(engagement.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"snoozed_until": dt.date(2099, 1, 5)}, "Not taking requests until 5 January 2099"),
        ({"open_to_mentoring": False}, "Not mentoring now"),
        ({"mentoring_capacity": 0}, "Not mentoring now"),
        ({}, None),
    ],
)
def test_the_inbox_says_why_the_directory_offers_no_proposal_to_me(change, said, mentor, as_user):
    Employee.objects.filter(pk=mentor.pk).update(**change)
    html = as_user(mentor).get(INBOX).content.decode()
    load = html[html.index('id="mentor-load"') : html.index("</p>", html.index('id="mentor-load"'))]
    if said:
        assert f"the directory says “{said}”" in load and "change</a>" in load
    else:
        assert "the directory says" not in load
