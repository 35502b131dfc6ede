""" "Propose this to someone else": a proposal that went nowhere (declined, expired,
withdrawn) opens the propose page prefilled from it, and nothing is saved until the
protégé saves or proposes."""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements import transitions
from engagements.matching import Suggestion
from engagements.models import Engagement
from tests.factories import EmployeeFactory, engagement_between, programme_today

pytestmark = pytest.mark.django_db
NEW = reverse("engagements:new")


def went_nowhere(protege, mentor, state="declined", *, goals=2, peers=(), said_no=()):
    """A proposal with two goals, a note and peers (those in `said_no` declined the
    invitation), then declined, expired or withdrawn."""
    engagement = engagement_between(
        protege, mentor, state="proposed", goals=goals, peers=[*peers, *said_no]
    )
    Engagement.objects.filter(pk=engagement.pk).update(note="I have a renewal in March.")
    for person in said_no:
        transitions.answer_invitation(engagement, by=person, join=False)
    {
        "declined": lambda: transitions.decline(engagement, by=mentor, reason="not_now"),
        "expired": lambda: transitions.expire(engagement),
        "withdrawn": lambda: transitions.withdraw(engagement, by=protege),
    }[state]()
    engagement.refresh_from_db()
    return engagement


def again(engagement, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"from": engagement.pk, **params}.items())
    return f"{NEW}?{query}"


@pytest.mark.parametrize("state", ["declined", "expired", "withdrawn"])
def test_a_proposal_that_went_nowhere_prefills_a_new_one_for_someone_else(
    state, protege, mentor, peer, as_user
):
    kenji = EmployeeFactory(full_name="Kenji Tanaka", skills=["Negotiation"])
    old = went_nowhere(protege, mentor, state, peers=[peer])
    response = as_user(protege).get(again(old, mentor=kenji.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Propose this to someone else" in html and old.get_absolute_url() in html
    assert 'value="Negotiating agency contracts"' in html
    for n in (1, 2):
        assert f'value="Goal {n}"' in html and f'value="Measure {n}"' in html
    assert 'value="shadowing" checked' in html.replace(' id="id_role_0"', "")
    assert "Prepare the pricing and take notes on the call." in html
    assert "I have a renewal in March." in html
    assert 'name="activities-1-minutes_each" value="120"' in html
    assert "Hours budget: <strong>4 h</strong>" in html
    # New dates to pick; the mentor asked now; the peer invited afresh.
    assert 'name="start_date" value=""' in html and 'name="end_date" value=""' in html
    assert f'value="{kenji.pk}" checked' in html
    assert f'name="peers" value="{peer.pk}" checked' in html
    # Only a page: nothing saved until the protégé saves or proposes.
    assert Engagement.objects.count() == 1


def test_the_copy_is_proposed_as_a_new_engagement_and_the_old_one_stays(
    protege, mentor, peer, as_user
):
    kenji = EmployeeFactory(full_name="Kenji Tanaka", skills=["Negotiation"])
    old = went_nowhere(protege, mentor, peers=[peer])
    client = as_user(protege)
    page = client.get(again(old, mentor=kenji.pk)).context["page"]
    # What the page holds, posted back as the browser does, with new dates.
    data = page.raw.copy()
    start = programme_today() + dt.timedelta(days=2)
    data.update(
        {
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=13)).isoformat(),
            "action": "propose",
        }
    )
    response = client.post(NEW, data)

    new = Engagement.objects.exclude(pk=old.pk).get()
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert new.state == Engagement.State.PROPOSED and new.mentor == kenji
    assert new.title == old.title and new.note == "I have a renewal in March."
    assert [(g.description, g.measure) for g in new.goals.all()] == [
        ("Goal 1", "Measure 1"),
        ("Goal 2", "Measure 2"),
    ]
    assert new.budget_minutes == old.budget_minutes and new.follows is None
    assert [p.employee for p in new.participants.all()] == [peer]
    old.refresh_from_db()
    assert old.state == Engagement.State.DECLINED and old.mentor == mentor


def test_peers_who_said_no_are_not_invited_again_nor_the_new_mentor_as_a_peer(
    protege, mentor, peer, as_user
):
    said_no = EmployeeFactory(full_name="Sam Said-No")
    old = went_nowhere(protege, mentor, peers=[peer], said_no=[said_no])
    client = as_user(protege)

    html = client.get(again(old)).content.decode()
    assert f'name="peers" value="{peer.pk}" checked' in html
    assert f'value="{said_no.pk}" checked' not in html
    # No mentor picked yet: the protégé chooses whom to ask.
    assert (
        "checked"
        not in html[
            html.index('id="mentor"') : html.index("</fieldset>", html.index('id="mentor"'))
        ]
    )
    as_mentor = client.get(again(old, mentor=peer.pk)).content.decode()
    assert f'name="peers" value="{peer.pk}" checked' not in as_mentor


@pytest.mark.parametrize("state", ["draft", "proposed", "active", "completed", "cancelled"])
def test_only_a_proposal_that_went_nowhere_can_be_asked_again(state, protege, mentor, as_user):
    engagement = engagement_between(protege, mentor, state=state)
    assert as_user(protege).get(again(engagement)).status_code == 404


def test_nobody_else_asks_again_from_someone_elses_proposal(
    protege, mentor, peer, outsider, admin, as_user
):
    old = went_nowhere(protege, mentor, peers=[peer])
    for person in (mentor, peer, outsider, admin):
        assert as_user(person).get(again(old)).status_code == 404, person
    assert as_user(protege).get(f"{NEW}?from={old.pk + 1000}").status_code == 404


@pytest.mark.parametrize("garbage", ["abc", "-1", "0", "1.5", "9" * 30, "", "1%00"])
def test_garbage_in_from_is_ignored(garbage, protege, mentor, as_user):
    response = as_user(protege).get(f"{NEW}?from={garbage}&mentor={mentor.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Propose a micro-engagement" in html and 'id="asked-again"' not in html
    assert f'value="{mentor.pk}" checked' in html  # a good mentor is kept
    assert Engagement.objects.count() == 0


def test_asking_again_makes_the_same_number_of_queries_for_small_and_big_proposals(
    protege, mentor, peer, as_user
):
    # With a peer each (no peers at all is a query fewer: nothing to look up).
    small = went_nowhere(protege, mentor, goals=1, peers=[peer])
    big = went_nowhere(protege, mentor, goals=2, peers=[peer, EmployeeFactory()])
    client = as_user(protege)

    def queries(engagement) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(again(engagement, mentor=mentor.pk)).status_code == 200
        return len(captured)

    assert queries(small) == queries(big)


def test_the_others_who_could_help_links_carry_the_proposal_to_copy(mentor):
    """The declined and expired pages list others who could help with the suggestions
    template; given `ask_again`, each Propose link copies that proposal."""
    suggestions = [Suggestion(mentor, ["Expert in Negotiation"])]
    context = {"suggestions": suggestions, "pick": False, "text": ""}
    copying = render_to_string("engagements/_suggestions.html", {**context, "ask_again": 42})
    assert f'href="{NEW}?from=42&amp;mentor={mentor.pk}"' in copying
    plain = render_to_string("engagements/_suggestions.html", context)
    assert f'href="{NEW}?mentor={mentor.pk}"' in plain
