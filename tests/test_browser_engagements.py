"""The engagement journey in a real browser: a protégé proposes, the mentor answers from the
inbox with one click, meetings fill the budget bar, a declined protégé reads the mentor's
message, and the proposal form works with JavaScript switched off."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from engagements.models import Engagement
from tests.browser import assert_accessible
from tests.factories import EmployeeFactory, engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGAGEMENT_PAGE = re.compile(r"/engagements/\d+/$")


def programme_today(program) -> dt.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(program.time_zone))


def remember_this_page_load(page: Page) -> None:
    # A full reload would wipe this; an htmx swap keeps it.
    page.evaluate("window.__marker = 1")


def assert_page_was_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1


def goal_rows(page: Page) -> Locator:
    return page.locator("#goals .goal-row")


def fill_goal(page: Page, number: int, goal: str, measure: str) -> None:
    row = goal_rows(page).nth(number - 1)
    row.get_by_label(f"Goal {number}").fill(goal)
    row.get_by_label("Measure of success").fill(measure)


def mentor_choice(page: Page, name: str) -> Locator:
    # The "Who can help" fieldset; mentor suggestions elsewhere on the page may name them too.
    return page.locator("#mentor").get_by_role("radio", name=re.compile(name))


def card_of(page: Page, engagement: Engagement) -> Locator:
    return page.locator(f"#proposal-{engagement.pk}")


def test_protege_proposes_with_two_goals_and_a_third_is_refused(
    browser_as, mentor, protege, program
):
    page = browser_as(protege, mentor.get_absolute_url())
    page.get_by_role("link", name="Propose a micro-engagement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a micro-engagement")
    expect(mentor_choice(page, "Daniel Okafor")).to_be_checked()
    page.wait_for_load_state()  # htmx listens from DOMContentLoaded
    remember_this_page_load(page)

    page.get_by_label("Title").fill("Negotiating agency contracts")
    fill_goal(page, 1, "Prepare a renewal negotiation", "The mentor approves my plan")
    page.get_by_role("button", name="+ Add a goal").click()
    expect(goal_rows(page)).to_have_count(2)
    expect(goal_rows(page).first.get_by_label("Goal 1")).to_have_value(
        "Prepare a renewal negotiation"
    )
    fill_goal(page, 2, "Lead the March renewal call", "I run the call and we sign")

    page.get_by_role("button", name="+ Add a goal").click()
    expect(page.locator("#goals").get_by_role("alert")).to_contain_text("At most 2 goals")
    expect(goal_rows(page)).to_have_count(2)
    expect(goal_rows(page).nth(1).get_by_label("Goal 2")).to_have_value(
        "Lead the March renewal call"
    )
    assert_page_was_not_reloaded(page)

    page.get_by_role("radio", name="Shadowing the mentor").check()
    page.get_by_label("What you will do").fill("Prepare the pricing and take notes on the call.")
    budget = page.locator("#budget")
    expect(budget).to_have_text("Hours budget: 2 h")
    first_activity = page.locator("#activities .activity-row").first
    first_activity.get_by_label("Minutes each").fill("60")
    first_activity.get_by_label("How many").fill("3")
    expect(budget).to_have_text("Hours budget: 3 h")
    assert_page_was_not_reloaded(page)

    start = programme_today(program) + dt.timedelta(days=1)
    end = start + dt.timedelta(days=20)
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill(end.isoformat())
    assert_accessible(page)
    page.screenshot(path="/tmp/propose.png", full_page=True)

    page.get_by_role("button", name="Propose", exact=True).click()

    expect(page).to_have_url(ENGAGEMENT_PAGE)
    expect(page.get_by_role("status")).to_contain_text("Proposed to Daniel Okafor")
    expect(page.locator("h1 .badge")).to_have_text("Proposed")
    goals = page.locator(".summary .goals > li")
    expect(goals).to_have_count(2)
    expect(goals.nth(0)).to_contain_text("Prepare a renewal negotiation")
    expect(goals.nth(0)).to_contain_text("Success: The mentor approves my plan")
    expect(goals.nth(1)).to_contain_text("Lead the March renewal call")
    expect(page.locator(".summary .facts")).to_contain_text("3 h")
    assert_accessible(page)

    engagement = Engagement.objects.get(protege=protege)
    assert engagement.state == Engagement.State.PROPOSED
    assert engagement.budget_minutes == 180
    assert (engagement.start_date, engagement.end_date) == (start, end)


def test_mentor_accepts_from_the_inbox_with_one_click(browser_as, mentor, protege):
    engagement = engagement_between(protege, mentor, state="proposed")
    page = browser_as(mentor, reverse("engagements:home"))

    inbox_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Mentor inbox")
    )
    expect(inbox_link.locator(".nav-count")).to_have_text("1 waiting")
    inbox_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentor inbox")
    page.wait_for_load_state()
    card = card_of(page, engagement)
    expect(card).to_contain_text("Negotiating agency contracts")
    expect(card).to_contain_text("From Priya Patel")
    assert_accessible(page)
    page.screenshot(path="/tmp/inbox.png", full_page=True)
    remember_this_page_load(page)

    card.get_by_role("button", name="Accept").click()

    expect(card).to_contain_text("You accepted. Priya has been told")
    expect(card.locator(".badge")).to_have_text("Active")
    expect(card.get_by_role("button", name="Accept")).to_have_count(0)
    # The counts change with the swap, not at the next reload.
    nav = page.get_by_role("navigation", name="Main")
    expect(
        nav.get_by_role("link", name=re.compile("Mentor inbox")).locator(".nav-count")
    ).to_have_count(0)
    expect(page.locator("#mentor-load")).to_contain_text("You mentor 1 of 2 at a time")
    assert_page_was_not_reloaded(page)
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.ACTIVE
    assert engagement.decided_at is not None


def test_a_logged_meeting_moves_the_budget_bar(browser_as, mentor, protege, program):
    engagement = engagement_between(protege, mentor, state="active")
    assert engagement.budget_minutes == 240
    page = browser_as(protege, engagement.get_absolute_url())
    page.wait_for_load_state()
    bar = page.locator("progress.budget-bar")
    caption = page.locator(".budget-caption")
    expect(bar).to_have_attribute("value", "0")
    expect(bar).to_have_attribute("max", "240")
    expect(caption).to_contain_text("0 h used of 4 h")
    remember_this_page_load(page)

    form = page.locator("form.meeting-form")
    expect(form.get_by_label("Date")).to_have_value(programme_today(program).isoformat())
    form.get_by_label("Minutes").fill("90")
    form.get_by_label("Private note").fill("Walked through the pricing sheet.")
    form.get_by_role("button", name="Log meeting").click()

    expect(bar).to_have_attribute("value", "90")
    expect(caption).to_contain_text("1 h 30 min used of 4 h")
    expect(page.locator("table.meetings tbody tr")).to_have_count(1)
    expect(page.locator("table.meetings")).to_contain_text("Walked through the pricing sheet.")
    assert_page_was_not_reloaded(page)
    page.screenshot(path="/tmp/engagement.png", full_page=True)
    assert_accessible(page)

    form.get_by_label("Minutes").fill("200")
    form.get_by_role("button", name="Log meeting").click()

    refusal = page.locator("#time").get_by_role("alert")
    expect(refusal).to_contain_text("over the agreed budget")
    expect(refusal).to_contain_text("2 h 30 min left of 4 h")
    expect(bar).to_have_attribute("value", "90")
    expect(caption).to_contain_text("1 h 30 min used of 4 h")
    assert_page_was_not_reloaded(page)
    assert list(engagement.meetings.values_list("minutes", flat=True)) == [90]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_add_to_calendar_downloads_the_entry_and_stays_on_the_page(
    javascript, browser_as, mentor, protege
):
    engagement = engagement_between(protege, mentor, state="active")
    page = browser_as(mentor, engagement.get_absolute_url(), javascript=javascript)
    if javascript:
        remember_this_page_load(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar").click()
    assert download.value.suggested_filename == f"engagement-{engagement.pk}.ics"
    assert b"BEGIN:VEVENT" in Path(download.value.path()).read_bytes()
    expect(page).to_have_url(re.compile(re.escape(engagement.get_absolute_url()) + "$"))
    if javascript:
        assert_page_was_not_reloaded(page)


def test_a_declined_proposal_shows_the_mentors_preset_message_to_the_protege(
    browser_as, mentor, protege
):
    engagement = engagement_between(protege, mentor, state="proposed")
    inbox = browser_as(mentor, reverse("engagements:inbox"))
    inbox.wait_for_load_state()
    remember_this_page_load(inbox)
    card = card_of(inbox, engagement)

    card.locator("summary", has_text="Decline…").click()
    card.get_by_role("radio", name="I'm at capacity — try someone else").check()
    assert_accessible(inbox)
    inbox.screenshot(path="/tmp/inbox-decline.png", full_page=True)
    card.get_by_role("button", name="Decline with this message").click()

    expect(card).to_contain_text("You declined, with:")
    expect(card).to_contain_text("I'm at capacity with mentoring right now")
    expect(card.locator(".badge")).to_have_text("Declined")
    assert_page_was_not_reloaded(inbox)
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.DECLINED
    assert engagement.decline_reason == Engagement.DeclineReason.CAPACITY

    page = browser_as(protege, engagement.get_absolute_url())
    expect(page.locator("h1 .badge")).to_have_text("Declined")
    declined = page.get_by_role("region", name="Daniel declined")
    expect(declined).to_contain_text("I'm at capacity with mentoring right now")
    assert_accessible(page)

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name=re.compile("My engagements")).click()
    expect(page).to_have_url(re.compile(r"/engagements/$"))
    expect(nav.get_by_role("link", name=re.compile("My engagements"))).to_contain_text("1 unread")
    notifications = page.locator(".notifications li")
    expect(notifications).to_have_count(1)
    expect(notifications.first).to_contain_text("Proposal declined")
    expect(notifications.first).to_contain_text("Daniel Okafor")


def test_the_proposal_form_works_without_javascript(browser_as, mentor, protege, program):
    start = programme_today(program) + dt.timedelta(days=1)
    end = start + dt.timedelta(days=20)
    page = browser_as(protege, f"{reverse('engagements:new')}?mentor={mentor.pk}", javascript=False)
    expect(mentor_choice(page, "Daniel Okafor")).to_be_checked()

    page.get_by_label("Title").fill("Negotiating agency contracts")
    fill_goal(page, 1, "Prepare a renewal negotiation", "The mentor approves my plan")
    page.get_by_role("radio", name="Shadowing the mentor").check()
    page.get_by_label("What you will do").fill("Prepare the pricing and take notes on the call.")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill(end.isoformat())

    # Without htmx the button posts the whole form and the page comes back with a new row.
    page.get_by_role("button", name="+ Add a goal").click()

    expect(goal_rows(page)).to_have_count(2)
    expect(page.get_by_label("Title")).to_have_value("Negotiating agency contracts")
    expect(page.get_by_label("Goal 1")).to_have_value("Prepare a renewal negotiation")
    expect(goal_rows(page).first.get_by_label("Measure of success")).to_have_value(
        "The mentor approves my plan"
    )
    expect(page.get_by_role("radio", name="Shadowing the mentor")).to_be_checked()
    expect(page.get_by_label("What you will do")).to_have_value(
        "Prepare the pricing and take notes on the call."
    )
    expect(page.get_by_label("Start date")).to_have_value(start.isoformat())
    expect(page.get_by_label("End date")).to_have_value(end.isoformat())
    expect(mentor_choice(page, "Daniel Okafor")).to_be_checked()

    fill_goal(page, 2, "Lead the March renewal call", "I run the call and we sign")
    page.get_by_role("button", name="Propose", exact=True).click()

    expect(page).to_have_url(ENGAGEMENT_PAGE)
    expect(page.locator("h1 .badge")).to_have_text("Proposed")
    expect(page.locator(".summary .goals > li")).to_have_count(2)
    engagement = Engagement.objects.get(protege=protege)
    assert engagement.state == Engagement.State.PROPOSED
    assert [g.description for g in engagement.goals.order_by("position")] == [
        "Prepare a renewal negotiation",
        "Lead the March renewal call",
    ]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_every_control_of_the_inbox_cards_with_and_without_javascript(
    browser_as, mentor, protege, javascript
):
    """Two cards, each with its own decline fields (drawn once, their ids given per card):
    a label checks its own card's reason; a decline without the message it needs is sent
    back with what was chosen; then it declines; the other card accepts."""
    first = engagement_between(protege, mentor, state="proposed", title="Pricing talks")
    second = engagement_between(protege, mentor, state="proposed", title="Agency contracts")
    colleague = EmployeeFactory(
        email="kenji.tanaka@example.com", full_name="Kenji Tanaka", skills=["Negotiation"]
    )
    inbox = reverse("engagements:inbox")
    page = browser_as(mentor, inbox, javascript=javascript)
    page.wait_for_load_state()  # htmx listens from DOMContentLoaded
    # The colleagues offered as the suggestion (a datalist, drawn once per mentor).
    offered = f'#mentor-options option[value="{colleague.email}"]'
    expect(page.locator(offered)).to_have_count(1)
    suggestion = page.locator(f"#decline-{second.pk}-suggested_mentor")
    expect(suggestion).to_have_attribute("list", "mentor-options")
    # The message each reason sends, once above the cards: folded, then read.
    capacity_words = page.get_by_text("I'm at capacity with mentoring right now")
    expect(capacity_words).to_be_hidden()
    page.get_by_text("The message each reason sends", exact=True).click()
    expect(capacity_words).to_be_visible()

    card = card_of(page, second)
    card.locator("summary", has_text="Decline…").click()
    card.get_by_text("Another reason", exact=True).click()  # the label, by its `for`
    expect(card.get_by_role("radio", name="Another reason")).to_be_checked()
    # The other card's (closed, hidden) reason is untouched: its ids are its own.
    expect(card_of(page, first).locator("input[type=radio][value=other]")).not_to_be_checked()
    if javascript:
        assert_accessible(page)
    card.get_by_role("button", name="Decline with this message").click()

    # Refused, and nothing chosen is lost: on the card (htmx) or the decline page.
    where = card if javascript else page
    expect(where.get_by_text("Write a short message")).to_be_visible()
    if not javascript:
        expect(page.get_by_role("heading", level=1)).to_have_text("Decline gracefully")
    expect(where.get_by_role("radio", name="Another reason")).to_be_checked()
    message = where.get_by_label("Message to the protégé")
    message.fill("Kenji knows agencies far better.")
    expect(page.locator(offered)).to_have_count(1)  # on the decline page too, without JS
    suggested = where.get_by_label("Suggest another mentor (optional)")

    # Suggesting oneself is refused by the workflow's rule: beside the field, with the
    # box still open and everything typed still there.
    suggested.fill(mentor.email)
    where.get_by_role("button", name="Decline with this message").click()
    refusal = where.locator(".field-error", has=page.get_by_label("Suggest another mentor"))
    expect(refusal).to_contain_text("Suggest someone other than yourself or the protégé.")
    if javascript:
        expect(card.locator("details.decline-box")).to_have_attribute("open", "")
        expect(card.get_by_role("alert")).to_have_count(0)  # not repeated atop the card
        page.screenshot(path="/tmp/inbox-refused-decline.png", full_page=True)
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text("Decline gracefully")
    expect(where.get_by_role("radio", name="Another reason")).to_be_checked()
    expect(message).to_have_value("Kenji knows agencies far better.")
    expect(suggested).to_have_value(mentor.email)
    second.refresh_from_db()
    assert second.state == Engagement.State.PROPOSED

    suggested.fill(colleague.email)
    where.get_by_role("button", name="Decline with this message").click()
    if javascript:
        expect(card).to_contain_text("You declined, with: “Kenji knows agencies far better.”")
    else:
        # Back where the mentor started, the inbox, with the other card still to answer.
        expect(page).to_have_url(re.compile(re.escape(inbox) + "$"))
        expect(page.get_by_role("status")).to_contain_text("Declined, kindly.")
        expect(card_of(page, second)).to_have_count(0)

    card_of(page, first).get_by_role("button", name="Accept").click()
    if javascript:
        expect(card_of(page, first)).to_contain_text("You accepted.")
    else:
        expect(page.get_by_role("status")).to_contain_text("Accepted. Priya is told.")
        expect(card_of(page, first)).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").first).not_to_contain_text("waiting")
    expect(page.locator(offered)).to_have_count(1)  # the kept drawing, after a reload too

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Engagement.State.ACTIVE, Engagement.State.DECLINED)
    assert second.decline_message == "Kenji knows agencies far better."
    assert second.suggested_mentor == colleague


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_others_who_could_help_and_the_directorys_suggestions_lead_to_a_proposal(
    browser_as, mentor, protege, javascript
):
    """After a decline the protégé sees who else could help, with why, never the mentor
    who declined; Propose opens the form with that mentor chosen. The directory's
    "Suggested for you" (from Priya's interest in Negotiation) leads there the same way."""
    EmployeeFactory(
        full_name="Nia Negotiator", title="Account Executive", level=3, skills=["Negotiation"]
    )
    engagement = engagement_between(protege, mentor, state="declined")
    page = browser_as(protege, engagement.get_absolute_url(), javascript=javascript)
    declined = page.get_by_role("region", name="Daniel declined")
    others = declined.locator(".suggestion")
    expect(others).to_have_count(1)
    expect(others.first).to_contain_text(
        "Nia Negotiator Account Executive Expert in Negotiation · 1 level above you · "
        "2 of 2 slots free"
    )
    if javascript:  # axe-core runs as a script in the page
        assert_accessible(page)
    declined.get_by_role("link", name="Propose to Nia Negotiator").click()
    # The declined proposal's plan comes along: nothing to retype.
    expect(page).to_have_url(re.compile(rf"/engagements/new/\?from={engagement.pk}&mentor=\d+$"))
    expect(mentor_choice(page, "Nia Negotiator")).to_be_checked()
    expect(page.get_by_label("Title")).to_have_value(engagement.title)

    page.goto(page.url.split("/engagements/")[0] + reverse("directory:index"))
    panel = page.locator(".suggested")  # shown open on a wide screen, with or without JS
    suggested = panel.locator(".suggestion")
    expect(suggested).to_have_count(2)  # the directory does not know about the decline
    expect(suggested.nth(0)).to_contain_text("Nia Negotiator")
    expect(suggested.nth(1)).to_contain_text("Daniel Okafor")
    panel.get_by_role("link", name="Propose to Daniel Okafor").click()
    expect(mentor_choice(page, "Daniel Okafor")).to_be_checked()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_every_control_of_a_drafts_page_with_and_without_javascript(
    browser_as, mentor, protege, javascript
):
    """A saved draft's page: Propose to the mentor, Edit draft, and Delete draft, which
    asks once more before deleting (two clicks, without JavaScript too). At midday: a
    draft starting today is proposed the same day."""
    with time_machine.travel(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)):
        drafts_page_controls(browser_as, mentor, protege, javascript)


def drafts_page_controls(browser_as, mentor, protege, javascript):
    draft = engagement_between(protege, mentor, state="draft")
    page = browser_as(protege, draft.get_absolute_url(), javascript=javascript)
    if javascript:  # axe-core is a script
        assert_accessible(page)
    page.get_by_role("link", name="Edit draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit")
    page.goto(page.url.replace("/edit/", "/"))
    page.get_by_role("button", name="Propose to Daniel").click()
    expect(page).to_have_url(re.compile(rf"/engagements/{draft.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Proposed to Daniel Okafor")
    draft.refresh_from_db()
    assert draft.state == Engagement.State.PROPOSED

    other = engagement_between(protege, mentor, state="draft", title="Reading the budget")
    page.goto(page.url.replace(f"/{draft.pk}/", f"/{other.pk}/"))
    page.get_by_text("Delete draft…").click()  # opens the confirmation, deletes nothing
    assert Engagement.objects.filter(pk=other.pk).exists()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_role("status")).to_contain_text("Draft deleted.")
    assert not Engagement.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_withdrawing_a_proposal_asks_once_more_with_and_without_javascript(
    browser_as, mentor, protege, javascript
):
    """Withdraw cannot be undone, so it asks first, as Delete draft does: the first click
    opens the confirmation and changes nothing, the second withdraws."""
    proposal = engagement_between(protege, mentor, state="proposed")
    page = browser_as(protege, proposal.get_absolute_url(), javascript=javascript)
    page.get_by_text("Withdraw proposal…").click()
    expect(page.get_by_text("Daniel and any invited peers are told.")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.state == Engagement.State.PROPOSED
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Withdraw for good").click()
    expect(page.get_by_role("status")).to_contain_text("Proposal withdrawn.")
    expect(page.get_by_role("heading", name="Withdrawn", exact=True)).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.state == Engagement.State.WITHDRAWN
