"""The propose page's row buttons and its refusals, in a real browser, with JavaScript on
and off: "+ Add an activity" once wiped the whole section with JavaScript on and every
test still passed, because none clicked it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from engagements.models import Engagement
from tests.browser import assert_accessible
from tests.factories import programme_today
from tests.test_browser_engagements import (
    assert_page_was_not_reloaded,
    fill_goal,
    goal_rows,
    remember_this_page_load,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def activity_rows(page: Page):
    return page.locator("#activities .activity-row")


def assert_at_top_of_the_screen(page: Page, selector: str) -> None:
    """A page reloaded without JavaScript at the section whose button was pressed (at
    the top of the screen, or as near as the end of the page lets it be)."""
    top = page.locator(selector).bounding_box()["y"]
    assert -2 < top < page.viewport_size["height"] / 3, f"{selector} is {top} px down"


def choose_role_and_dates_then_propose(page: Page, *, javascript: bool) -> None:
    """The rest of a proposal (a role, three weeks from tomorrow), checked for
    accessibility with JavaScript on, proposed, and shown as proposed."""
    page.get_by_role("radio", name="Shadowing the mentor").check()
    page.get_by_label("What you will do").fill("Prepare the pricing and take notes.")
    start = programme_today() + dt.timedelta(days=1)
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + dt.timedelta(days=20)).isoformat())
    if javascript:  # axe-core runs as a script in the page
        assert_accessible(page)
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator("h1 .badge")).to_have_text("Proposed")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_plan_two_more_activities_remove_one_watch_the_total_and_propose(
    javascript, browser_as, mentor, protege
):
    page = browser_as(protege, f"/engagements/new/?mentor={mentor.pk}", javascript=javascript)
    if javascript:
        remember_this_page_load(page)
    budget = page.locator("#budget")
    expect(activity_rows(page)).to_have_count(1)
    expect(budget).to_have_text("Hours budget: 2 h")

    page.get_by_label("Title").fill("Negotiating agency contracts")
    fill_goal(page, 1, "Prepare a renewal negotiation", "The mentor approves my plan")
    page.get_by_role("button", name="+ Add an activity").click()
    expect(activity_rows(page)).to_have_count(2)
    if not javascript:  # the page comes back where its button was, not at its top
        expect(page).to_have_url(re.compile("#activities$"))
        assert_at_top_of_the_screen(page, "#activities")
    second = activity_rows(page).nth(1)
    second.get_by_label("How many").fill("1")
    second.get_by_label("Activity", exact=True).select_option("shadow")
    second.get_by_label("Minutes each").fill("180")
    page.get_by_role("button", name="+ Add an activity").click()
    expect(activity_rows(page)).to_have_count(3)
    # What was typed survives the redraw, with or without JavaScript.
    expect(activity_rows(page).nth(1).get_by_label("Minutes each")).to_have_value("180")
    if javascript:
        expect(budget).to_have_text("Hours budget: 6 h")  # 2 × 1 h + 3 h + 1 h, live

    page.get_by_role("button", name="Remove activity 3").click()
    expect(activity_rows(page)).to_have_count(2)
    if javascript:
        expect(budget).to_have_text("Hours budget: 5 h")
        assert_page_was_not_reloaded(page)
    # The goal typed before the redraws is still there.
    expect(page.get_by_label("Goal 1")).to_have_value("Prepare a renewal negotiation")

    choose_role_and_dates_then_propose(page, javascript=javascript)
    engagement = Engagement.objects.get(protege=protege)
    assert engagement.budget_minutes == 300
    assert [(a.count, a.kind, a.minutes_each) for a in engagement.activities.all()] == [
        (2, "discussion", 60),
        (1, "shadow", 180),
    ]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_refused_proposal_leads_to_each_problem(javascript, browser_as, mentor, protege):
    page = browser_as(protege, f"/engagements/new/?mentor={mentor.pk}", javascript=javascript)
    page.set_viewport_size({"width": 390, "height": 844})
    fill_goal(page, 1, "Prepare a renewal negotiation", "")
    page.get_by_role("button", name="Propose", exact=True).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Give the engagement a title.")
    expect(summary).to_contain_text("Every goal needs a measure of success.")
    expect(summary).to_be_focused()  # autofocus: it works without JavaScript too
    assert summary.bounding_box()["y"] < 844  # in the first screen, not 2 700 px down
    summary.get_by_role("link", name="Every goal needs a measure of success.").click()
    expect(page).to_have_url(re.compile("#id_goals-0-measure$"))  # the empty field itself
    measure = goal_rows(page).first.get_by_label("Measure of success")
    assert 20 < measure.bounding_box()["y"] < 844  # its label in sight above it
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Goal 1")).to_have_value("Prepare a renewal negotiation")
    if javascript:  # axe-core runs as a script in the page
        assert_accessible(page)
    assert not Engagement.objects.exists()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_find_a_mentor_and_a_peer_by_name_and_propose_with_them(
    javascript, browser_as, mentor, peer, protege
):
    """The two "Find" boxes: live as one types with JavaScript, the button without; what
    was chosen in one survives a search in the other."""
    page = browser_as(protege, "/engagements/new/", javascript=javascript)
    page.get_by_label("Title").fill("Negotiating agency contracts")
    fill_goal(page, 1, "Prepare a renewal negotiation", "The mentor approves my plan")

    def find(section: str, label: str, text: str) -> None:
        box = page.locator(section).get_by_label(label)
        if javascript:
            box.press_sequentially(text)
        else:
            box.fill(text)
            page.locator(section).get_by_role("button", name="Find").click()
            expect(page).to_have_url(re.compile(f"{section}$"))
            assert_at_top_of_the_screen(page, section)

    find("#mentor", "Find a mentor by name or skill", "okafr")
    page.locator("#mentor").get_by_role("radio", name=re.compile("Daniel Okafor")).check()
    find("#peers", "Find a colleague by name or interest", "beckr")
    page.locator("#peers").get_by_role("checkbox", name=re.compile("Tom Becker")).check()
    expect(
        page.locator("#mentor").get_by_role("radio", name=re.compile("Daniel Okafor"))
    ).to_be_checked()
    expect(page.get_by_label("Goal 1")).to_have_value("Prepare a renewal negotiation")

    choose_role_and_dates_then_propose(page, javascript=javascript)
    engagement = Engagement.objects.get(protege=protege)
    assert engagement.mentor == mentor
    assert [p.employee for p in engagement.participants.all()] == [peer]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_only_goal_offers_no_remove_and_removing_one_of_two_keeps_the_other(
    javascript, browser_as, mentor, protege
):
    page = browser_as(protege, f"/engagements/new/?mentor={mentor.pk}", javascript=javascript)
    if javascript:
        remember_this_page_load(page)
    goals = page.locator("#goals .goal-row")
    remove = page.locator("#goals").get_by_role("button", name=re.compile("^Remove"))
    fill_goal(page, 1, "Prepare a renewal negotiation", "The mentor approves my plan")
    expect(remove).to_have_count(0)  # nothing to click that would wipe the goal

    page.get_by_role("button", name="+ Add a goal").click()
    expect(goals).to_have_count(2)
    expect(remove).to_have_count(2)
    fill_goal(page, 2, "Run the renewal call", "The customer signs")
    page.get_by_role("button", name="Remove goal 1").click()

    expect(goals).to_have_count(1)
    expect(remove).to_have_count(0)
    expect(page.get_by_label("Goal 1")).to_have_value("Run the renewal call")
    expect(goals.get_by_label("Measure of success")).to_have_value("The customer signs")
    if javascript:
        assert_page_was_not_reloaded(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_search_that_finds_nobody_says_so(javascript, browser_as, mentor, protege):
    page = browser_as(protege, "/engagements/new/", javascript=javascript)
    fill_goal(page, 1, "Prepare a renewal negotiation", "The mentor approves my plan")

    for section, label, text in (
        ("#mentor", "Find a mentor by name or skill", "zzzz"),
        ("#mentor", "Find a mentor by name or skill", "Priya Patel"),  # oneself
        ("#peers", "Find a colleague by name or interest", "zzzz"),
    ):
        box = page.locator(section).get_by_label(label)
        if javascript:
            box.fill("")
            box.press_sequentially(text)
        else:
            box.fill(text)
            page.locator(section).get_by_role("button", name="Find").click()
        expect(page.locator(section)).to_contain_text(f"No one matches “{text}”")
    expect(page.locator("#mentor")).not_to_contain_text("Pick one of the suggestions above, or")
    if javascript:
        assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_declined_proposal_is_proposed_to_someone_else_without_retyping(
    javascript, browser_as, mentor, peer, protege
):
    from engagements import transitions
    from tests.factories import EmployeeFactory, engagement_between

    kenji = EmployeeFactory(full_name="Kenji Tanaka", title="Sales Director", level=4)
    old = engagement_between(protege, mentor, state="proposed", goals=2, peers=[peer])
    Engagement.objects.filter(pk=old.pk).update(note="My first renewal is in March.")
    transitions.decline(old, by=mentor, reason="not_now")

    path = f"/engagements/new/?from={old.pk}&mentor={kenji.pk}"
    page = browser_as(protege, path, javascript=javascript)
    expect(page.locator("h1")).to_have_text("Propose this to someone else")
    expect(page.locator("#asked-again")).to_contain_text("which Daniel Okafor declined")
    expect(page.get_by_label("Title")).to_have_value("Negotiating agency contracts")
    expect(page.get_by_label("Goal 2")).to_have_value("Goal 2")
    expect(
        page.locator("#goals .goal-row").nth(1).get_by_label("Measure of success")
    ).to_have_value("Measure 2")
    expect(page.get_by_role("radio", name="Shadowing the mentor")).to_be_checked()
    expect(page.get_by_role("textbox", name="Note to the mentor")).to_have_value(
        "My first renewal is in March."
    )
    expect(page.locator("#budget")).to_have_text("Hours budget: 4 h")
    expect(page.get_by_label("Start date")).to_have_value("")  # new dates to pick
    expect(page.locator("#mentor").get_by_role("radio", name=re.compile("Kenji"))).to_be_checked()
    expect(page.locator("#peers").get_by_role("checkbox", name=re.compile("Tom"))).to_be_checked()
    assert Engagement.objects.count() == 1  # nothing saved yet
    # A redraw (a whole page without JavaScript) still says what it copies.
    page.get_by_role("button", name="+ Add an activity").click()
    expect(page.locator("#activities .activity-row")).to_have_count(3)
    expect(page.locator("h1")).to_have_text("Propose this to someone else")
    expect(page.locator("#asked-again")).to_contain_text("which Daniel Okafor declined")
    page.get_by_role("button", name="Remove activity 3").click()
    expect(page.locator("#activities .activity-row")).to_have_count(2)

    start = programme_today() + dt.timedelta(days=1)
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + dt.timedelta(days=20)).isoformat())
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator("h1 .badge")).to_have_text("Proposed")

    new = Engagement.objects.exclude(pk=old.pk).get()
    assert new.mentor == kenji and new.note == "My first renewal is in March."
    assert [g.measure for g in new.goals.all()] == ["Measure 1", "Measure 2"]
    assert [p.employee for p in new.participants.all()] == [peer]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_closed_proposal_leads_to_its_copy_and_the_copy_back_to_it(
    javascript, browser_as, mentor, protege
):
    from engagements import transitions
    from tests.factories import engagement_between

    old = engagement_between(protege, mentor, state="proposed")
    transitions.withdraw(old, by=protege)
    page = browser_as(protege, old.get_absolute_url(), javascript=javascript)
    expect(page.locator(".notice-panel")).to_contain_text("You withdrew this proposal.")
    page.get_by_role("link", name="Propose this to someone else").click()
    expect(page).to_have_url(re.compile(rf"/engagements/new/\?from={old.pk}$"))
    expect(page.get_by_label("Title")).to_have_value("Negotiating agency contracts")
    notice = page.locator("#asked-again")
    expect(notice).to_contain_text("which you withdrew from Daniel Okafor")
    notice.get_by_role("link", name="“Negotiating agency contracts”").click()
    expect(page.locator("h1 .badge")).to_have_text("Withdrawn")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_half_typed_activity_never_breaks_the_page(javascript, browser_as, mentor, protege):
    """Minutes off the step, then every redraw: the total counts the whole rows only,
    the row keeps what was typed, and the proposal goes once it is fixed."""
    page = browser_as(protege, f"/engagements/new/?mentor={mentor.pk}", javascript=javascript)
    budget = page.locator("#budget")
    page.get_by_label("Title").fill("Negotiating agency contracts")
    fill_goal(page, 1, "Prepare a renewal negotiation", "The mentor approves my plan")
    page.get_by_role("button", name="+ Add an activity").click()
    expect(activity_rows(page)).to_have_count(2)
    second = activity_rows(page).nth(1)
    second.get_by_label("Minutes each").fill("50")
    if javascript:
        second.get_by_label("Minutes each").blur()
        expect(budget).to_have_text("Hours budget: 2 h")  # the first row alone
    page.get_by_role("button", name="+ Add a goal").click()
    expect(goal_rows(page)).to_have_count(2)
    expect(activity_rows(page).nth(1).get_by_label("Minutes each")).to_have_value("50")
    expect(page.get_by_label("Goal 1")).to_have_value("Prepare a renewal negotiation")
    expect(page.locator("h1")).not_to_contain_text("went wrong")

    activity_rows(page).nth(1).get_by_label("Minutes each").fill("60")
    if javascript:
        activity_rows(page).nth(1).get_by_label("Minutes each").blur()
        expect(budget).to_have_text("Hours budget: 3 h")
    page.get_by_role("button", name="Remove goal 2").click()
    expect(goal_rows(page)).to_have_count(1)
    choose_role_and_dates_then_propose(page, javascript=javascript)
    assert Engagement.objects.get(protege=protege).budget_minutes == 180
