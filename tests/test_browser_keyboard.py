"""Keyboard only, in a real browser: after a control redraws part of the page the focus
stays in that part (it used to fall to the page's start, so the next Tab began at the
top); Escape closes a two-click confirmation; Enter in the propose page's mentor search
searches; on a phone the propose page's sticky buttons never hide the focused field; Back
after a live report filter shows the form as chosen."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import EmployeeFactory, engagement_between
from tests.test_browser_engagements import (
    assert_page_was_not_reloaded,
    card_of,
    goal_rows,
    remember_this_page_load,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page: Page) -> dict:
    """What has the focus: its tag, name or id, and the id of the redrawn part around it."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const part = el.closest("[id^=proposal-], #goals, #activities, #mentor, #time");
            return {tag: el.tagName.toLowerCase(), name: el.name || "", id: el.id || "",
                    text: (el.textContent || "").trim().slice(0, 60),
                    part: part ? part.id : ""};
        }"""
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_row_added_with_the_keyboard_takes_the_focus(javascript, browser_as, protege, mentor):
    """With JavaScript the new row's first field has the focus; without, the page comes
    back at the section (a page address's #goals outranks autofocus), where the next Tab
    starts."""
    page = browser_as(protege, f"/engagements/new/?mentor={mentor.pk}", javascript=javascript)
    page.get_by_role("button", name="+ Add a goal").focus()
    page.keyboard.press("Enter")
    expect(goal_rows(page)).to_have_count(2)
    if javascript:
        expect(page.get_by_label("Goal 2")).to_be_focused()
    else:
        page.keyboard.press("Tab")
        assert focused(page)["part"] == "goals"
    page.get_by_label("Goal 2").fill("Run the renewal call")

    page.get_by_role("button", name="+ Add an activity").focus()
    page.keyboard.press("Enter")
    rows = page.locator("#activities .activity-row")
    expect(rows).to_have_count(2)
    if javascript:
        expect(rows.nth(1).get_by_label("How many")).to_be_focused()
    else:
        page.keyboard.press("Tab")
        assert focused(page)["part"] == "activities"
    expect(page.get_by_label("Goal 2")).to_have_value("Run the renewal call")

    if javascript:  # a removed row's button is gone: the focus stays in its section
        page.get_by_role("button", name="Remove goal 2").focus()
        page.keyboard.press("Enter")
        expect(goal_rows(page)).to_have_count(1)
        assert focused(page)["part"] == "goals"
        page.get_by_role("button", name="Remove activity 2").focus()
        page.keyboard.press("Enter")
        expect(rows).to_have_count(1)
        assert focused(page)["part"] == "activities"


def test_a_card_answered_with_the_keyboard_keeps_the_focus_in_it(browser_as, protege, mentor):
    accepted = engagement_between(protege, mentor, state="proposed")
    declined = engagement_between(protege, mentor, state="proposed")
    page = browser_as(mentor, reverse("engagements:inbox"))
    remember_this_page_load(page)

    card_of(page, accepted).get_by_role("button", name="Accept").focus()
    page.keyboard.press("Enter")
    expect(card_of(page, accepted)).to_contain_text("You accepted.")
    status = card_of(page, accepted).get_by_role("status")
    expect(status).to_be_focused()

    # A decline with a problem: the focus goes to what needs fixing, in that card.
    card = card_of(page, declined)
    card.locator("summary", has_text="Decline…").click()
    card.get_by_text("Another reason", exact=True).click()
    card.get_by_role("button", name="Decline with this message").focus()
    page.keyboard.press("Enter")
    expect(card.get_by_text("Write a short message")).to_be_visible()
    expect(card_of(page, declined).get_by_label("Message to the protégé")).to_be_focused()
    assert_page_was_not_reloaded(page)


def test_escape_closes_a_two_click_confirmation_and_returns_to_its_button(
    browser_as, protege, mentor
):
    proposal = engagement_between(protege, mentor, state="proposed")
    page = browser_as(protege, proposal.get_absolute_url())
    opener = page.get_by_text("Withdraw proposal…")
    opener.focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Withdraw for good")
    expect(confirm).to_be_visible()
    page.keyboard.press("Tab")
    expect(confirm).to_be_focused()
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(opener).to_be_focused()
    proposal.refresh_from_db()
    assert proposal.state == "proposed"


def test_enter_in_the_mentor_search_searches_without_reloading(browser_as, protege, mentor):
    EmployeeFactory(full_name="Olga Okonkwo", skills=["Negotiation"])
    page = browser_as(protege, "/engagements/new/")
    remember_this_page_load(page)
    page.get_by_label("Title").fill("Kept while searching")
    search = page.get_by_placeholder("Find a mentor by name or skill")
    search.fill("okafor")
    search.press("Enter")
    expect(
        page.locator("#mentor").get_by_role("radio", name=re.compile("Daniel Okafor"))
    ).to_be_visible()
    expect(page.locator("#mentor").get_by_role("radio", name=re.compile("Olga"))).to_have_count(0)
    assert_page_was_not_reloaded(page)
    expect(page.get_by_label("Title")).to_have_value("Kept while searching")


def test_on_a_phone_the_sticky_buttons_never_hide_the_focused_field(browser_as, protege, mentor):
    draft = engagement_between(protege, mentor, state="draft")
    page = browser_as(protege, reverse("engagements:edit", args=[draft.pk]))
    page.set_viewport_size({"width": 375, "height": 740})
    bar = page.locator(".sticky-actions")
    for label in ("id_activities-0-count", "id_note", "id_role_detail"):
        field = page.locator(f"#{label}")
        page.evaluate("window.scrollTo(0, 0)")
        field.focus()  # as a Tab lands on it: scrolled into view if it was not
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        expect(field).to_be_focused()
        box, covering = field.bounding_box(), bar.bounding_box()
        assert box["y"] + box["height"] <= covering["y"] + 1, (label, box, covering)
    assert covering["height"] < 80, covering  # one line of buttons


def test_back_after_a_live_report_filter_shows_the_form_as_chosen(browser_as, admin):
    page = browser_as(admin, "/reports/")
    department = page.get_by_label("Department", exact=True)
    choice = department.locator("option").nth(1)
    name, value = choice.inner_text(), choice.get_attribute("value")
    department.select_option(value)
    expect(page).to_have_url(re.compile(rf"department={value}"))
    page.get_by_label("Period", exact=True).select_option("30d")
    expect(page).to_have_url(re.compile(r"period=30d"))
    page.go_back()
    expect(page).to_have_url(re.compile(rf"period=12m.*department={value}|department={value}"))
    expect(page.locator("#report-period")).to_contain_text(name)
    expect(department).to_have_value(value)
    expect(page.get_by_label("Period", exact=True)).not_to_have_value("30d")
