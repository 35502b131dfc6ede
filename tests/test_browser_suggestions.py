"""Mentor and peer suggestions on the propose page, in a real browser: typing a goal brings
up mentors with their reasons, one click picks a mentor or invites a peer, and the same
suggestions come back on a full round trip with JavaScript switched off."""

import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from directory.models import Employee
from engagements.models import Engagement, Program
from mentorship.demo import DEMO_PASSWORD
from tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIYA = "priya.patel@example.com"  # the demo protégé; Kenji recommended Daniel to her
NEGOTIATION_GOAL = "Get better at negotiation with agencies"
ENGAGEMENT_PAGE = re.compile(r"/engagements/\d+/$")


@pytest.fixture
def demo_company(transactional_db):
    call_command("seed_demo", employees=300, stdout=io.StringIO())


@pytest.fixture
def priya_proposes(browser: Browser, live_server, demo_company):
    """Priya, signed in on her own laptop, on a blank proposal (no mentor chosen yet)."""
    contexts = []

    def open_page(*, javascript: bool = True) -> Page:
        context = browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        new = reverse("engagements:new")
        sign_in(page, live_server, PRIYA, DEMO_PASSWORD, next=new)
        expect(page).to_have_url(live_server.url + new)
        return page

    yield open_page
    for context in contexts:
        context.close()


def remember_this_page_load(page: Page) -> None:
    # A full reload would wipe this; an htmx swap keeps it.
    page.evaluate("window.__marker = 1")


def assert_page_was_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1


def mentor_suggestions(page: Page) -> Locator:
    return page.locator("#suggestions .choice-card")


def peer_suggestions(page: Page) -> Locator:
    return page.locator("#peers .suggestion-card")


def daniel() -> Employee:
    return Employee.objects.get(email="daniel.okafor@example.com")


def fill_the_rest(page: Page) -> None:
    """Everything but the goal and the mentor, with dates the programme accepts."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(Program.default().time_zone))
    start = today + dt.timedelta(days=1)
    page.get_by_label("Title").fill("Negotiating with agencies")
    first_goal = page.locator("#goals .goal-row").first
    first_goal.get_by_label("Measure of success").fill("I renegotiate one agency contract")
    page.get_by_role("radio", name="Shadowing the mentor").check()
    page.get_by_label("What you will do").fill("Prepare the pricing and take notes on the call.")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + dt.timedelta(days=20)).isoformat())


def test_typing_negotiation_into_a_goal_shows_mentors_with_reasons_and_picking_one_fills_the_mentor(  # noqa: E501
    priya_proposes,
):
    page = priya_proposes()
    remember_this_page_load(page)

    page.get_by_label("Goal 1").press_sequentially(NEGOTIATION_GOAL)

    suggestions = mentor_suggestions(page)
    expect(page.locator("#suggestions")).to_contain_text("For Negotiation")
    expect(suggestions.first).to_contain_text("Daniel Okafor")
    expect(suggestions.first.locator(".reasons")).to_contain_text("recommended by Kenji Tanaka")
    assert suggestions.count() >= 3
    for card in suggestions.all():
        reasons = card.locator(".reasons")
        expect(reasons).to_contain_text("Expert in Negotiation")
        expect(reasons).to_contain_text("level")
        expect(reasons).to_contain_text("slot")
    assert_page_was_not_reloaded(page)
    assert_accessible(page)

    suggestions.filter(has_text="Daniel Okafor").click()

    expect(page.locator(f"input[name=mentor][value='{daniel().pk}']")).to_be_checked()
    assert_page_was_not_reloaded(page)
    # A viewport shot: in a full-page one the sticky Propose bar lands on the first card.
    page.locator("#suggestions").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/suggestions.png")

    fill_the_rest(page)
    page.get_by_role("button", name="Propose", exact=True).click()

    expect(page).to_have_url(ENGAGEMENT_PAGE)
    expect(page.get_by_role("status")).to_contain_text("Proposed to Daniel Okafor")
    engagement = Engagement.objects.latest("pk")
    assert engagement.mentor == daniel()
    assert engagement.protege.email == PRIYA
    assert engagement.state == Engagement.State.PROPOSED
    assert engagement.goals.get().description == NEGOTIATION_GOAL


def test_a_suggested_peer_is_invited_with_one_click(priya_proposes):
    page = priya_proposes()
    page.get_by_label("Goal 1").press_sequentially(NEGOTIATION_GOAL)
    mentor_suggestions(page).filter(has_text="Daniel Okafor").click()

    # Typing the goal also redraws the peers section with colleagues who want to learn it.
    peers = page.locator("#peers")
    expect(peers).to_contain_text("Colleagues who want to learn this too")
    expect(page.locator(f"input[name=mentor][value='{daniel().pk}']:checked")).to_have_count(1)
    suggested = peer_suggestions(page)
    expect(suggested.first).to_be_visible()
    for card in suggested.all():
        expect(card.locator(".reasons")).to_contain_text("Also wants to learn Negotiation")
    colleague = suggested.first.locator("strong").inner_text()
    remember_this_page_load(page)

    peers.get_by_role("button", name=f"Invite {colleague}").click()

    expect(peers.get_by_role("checkbox", name=re.compile(colleague))).to_be_checked()
    expect(peer_suggestions(page).filter(has_text=colleague)).to_have_count(0)
    assert_page_was_not_reloaded(page)
    assert_accessible(page)

    fill_the_rest(page)
    page.get_by_role("button", name="Propose", exact=True).click()

    expect(page).to_have_url(ENGAGEMENT_PAGE)
    engagement = Engagement.objects.latest("pk")
    assert engagement.mentor == daniel()
    assert [p.employee.full_name for p in engagement.participants.all()] == [colleague]


def test_suggestions_work_without_javascript(priya_proposes):
    page = priya_proposes(javascript=False)
    page.get_by_label("Goal 1").fill("negotiation")

    # Without htmx the button posts the whole form and the page comes back, suggestions too.
    page.get_by_role("button", name="+ Add a goal").click()

    expect(page.get_by_label("Goal 1")).to_have_value("negotiation")
    suggestions = mentor_suggestions(page)
    expect(suggestions.first).to_contain_text("Daniel Okafor")
    expect(suggestions.first.locator(".reasons")).to_contain_text("Expert in Negotiation")
    expect(suggestions.first.locator(".reasons")).to_contain_text("recommended by Kenji Tanaka")

    suggestions.filter(has_text="Daniel Okafor").get_by_role("radio").check()
    fill_the_rest(page)  # the empty Goal 2 row is simply left out
    page.get_by_role("button", name="Propose", exact=True).click()

    expect(page).to_have_url(ENGAGEMENT_PAGE)
    expect(page.locator("h1 .badge")).to_have_text("Proposed")
    engagement = Engagement.objects.latest("pk")
    assert engagement.mentor == daniel()
    assert engagement.state == Engagement.State.PROPOSED


def ana() -> Employee:
    return Employee.objects.get(full_name="Ana Taylor")


def the_choice_is_kept(
    page: Page, name: str, *, ranks: bool, unranked: str = "Not suggested for this goal"
) -> None:
    """Under "Who can help", `name`'s radio is checked (the only mentor radio checked on
    the page) and the section says so; the suggestions lead with them as the choice,
    saying `unranked` when they do not rank."""
    expect(page.locator("#mentor").get_by_role("radio", name=re.compile(name))).to_be_checked()
    expect(page.locator("input[name=mentor]:checked")).to_have_count(1)
    expect(page.locator("#mentor")).to_contain_text(f"Your mentor: {name}")
    first = page.locator("#suggestions .suggestion").first
    expect(first).to_contain_text(name)
    expect(first.locator(".badge")).to_have_text("Your choice")
    if not ranks:
        expect(first).to_contain_text(unranked)


def test_a_mentor_picked_among_the_suggestions_stays_chosen_as_the_goal_changes(
    priya_proposes,
):
    page = priya_proposes()
    remember_this_page_load(page)
    goal = page.get_by_label("Goal 1")
    goal.press_sequentially("negotiation")
    summary = page.locator("#mentor")  # "Who can help"
    expect(summary).to_contain_text(
        "Pick one of the suggestions above, or search the directory for someone else."
    )

    mentor_suggestions(page).filter(has_text="Ana Taylor").click()
    expect(summary).to_contain_text("Your mentor: Ana Taylor")  # at once, before any redraw

    goal.fill("")
    goal.press_sequentially("Python scripting")
    expect(page.locator("#suggestions")).to_contain_text("For Python")
    the_choice_is_kept(page, "Ana Taylor", ranks=False)
    expect(mentor_suggestions(page).filter(has_text="Chidi Jensen")).to_have_count(1)
    assert_page_was_not_reloaded(page)
    assert_accessible(page)
    page.locator("#suggestions").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/suggestions-choice-kept.png")

    goal.fill("")  # a cleared goal suggests nobody, and still keeps the choice
    expect(page.locator("#suggestions")).not_to_contain_text("For Python")
    the_choice_is_kept(
        page, "Ana Taylor", ranks=False, unranked="Describe a goal above to see who else"
    )

    goal.press_sequentially("negotiation")  # she ranks again: first, with her reasons
    expect(page.locator("#suggestions")).to_contain_text("For Negotiation")
    the_choice_is_kept(page, "Ana Taylor", ranks=True)
    expect(page.locator("#suggestions .suggestion").first).to_contain_text("Expert in Negotiation")

    # Another pick unmarks her at once; picking her again under "Who can help" marks her.
    mentor_suggestions(page).filter(has_text="Daniel Okafor").click()
    expect(summary).to_contain_text("Your mentor: Daniel Okafor")
    expect(page.locator("#suggestions [data-chosen-mentor]")).to_be_hidden()
    page.locator("#mentor").get_by_role("radio", name=re.compile("Ana Taylor")).check()
    expect(summary).to_contain_text("Your mentor: Ana Taylor")
    expect(page.locator("#suggestions [data-chosen-mentor]")).to_be_visible()
    assert_page_was_not_reloaded(page)

    fill_the_rest(page)
    page.get_by_role("button", name="Propose", exact=True).click()

    expect(page).to_have_url(ENGAGEMENT_PAGE)
    expect(page.get_by_role("status")).to_contain_text("Proposed to Ana Taylor")
    assert Engagement.objects.latest("pk").mentor == ana()


def test_without_javascript_a_mentor_picked_among_the_suggestions_survives_every_redraw(
    priya_proposes,
):
    page = priya_proposes(javascript=False)
    goal = page.get_by_label("Goal 1")
    goal.fill("negotiation")
    page.get_by_role("button", name="+ Add a goal").click()
    mentor_suggestions(page).filter(has_text="Ana Taylor").get_by_role("radio").check()

    goal.fill("Python scripting")
    page.get_by_role("button", name="Remove goal 2").click()
    the_choice_is_kept(page, "Ana Taylor", ranks=False)

    page.get_by_role("button", name="Propose", exact=True).click()  # refused: no title
    expect(page.locator("#error-summary")).to_be_visible()
    the_choice_is_kept(page, "Ana Taylor", ranks=False)

    page.get_by_label("Title").fill("Python for reports")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(ENGAGEMENT_PAGE)
    assert Engagement.objects.latest("pk").mentor == ana()
    page.get_by_role("link", name="Edit draft").click()
    the_choice_is_kept(page, "Ana Taylor", ranks=False)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_mentor_section_says_what_to_do_when_nothing_is_suggested(
    javascript, priya_proposes, live_server
):
    page = priya_proposes(javascript=javascript)
    summary = page.locator("#mentor")  # "Who can help"
    pick_above = "Pick one of the suggestions above"
    goal = page.get_by_label("Goal 1")

    def type_goal(text: str) -> None:
        goal.fill("")
        if javascript:
            goal.press_sequentially(text)
        else:  # a whole-page redraw: the mentor search's button
            goal.fill(text)
            page.locator("#mentor").get_by_role("button", name="Find").click()

    describe = "Describe a goal above to see who could help, or search the directory."
    expect(summary).to_contain_text(describe)
    expect(summary).not_to_contain_text(pick_above)
    page.get_by_role("button", name="Propose", exact=True).click()  # refused: empty
    expect(page.locator("#error-summary")).to_be_visible()
    expect(summary).to_contain_text(describe)
    expect(summary).not_to_contain_text(pick_above)

    type_goal("Get better at things")  # names no skill
    expect(summary).to_contain_text(
        "No suggestions for this goal: find someone below, or search the directory."
    )
    expect(summary).not_to_contain_text(pick_above)
    type_goal("negotiation")
    expect(summary).to_contain_text(
        "Pick one of the suggestions above, or search the directory for someone else."
    )
    type_goal("Get better at things")
    expect(summary).to_contain_text("No suggestions for this goal")
    expect(summary).not_to_contain_text(pick_above)
    if javascript:
        assert_accessible(page)

    summary.get_by_role("link", name="search the directory").click()
    expect(page).to_have_url(live_server.url + reverse("directory:index"))
