"""Deleting a logged meeting in a real browser, with JavaScript on (the Time panel is
redrawn in place) and off (a plain form and a redirect): two clicks, the minutes back."""

import pytest
from playwright.sync_api import Page, expect

from engagements import meetings
from engagements.models import Event, Meeting
from tests.browser import assert_accessible
from tests.factories import engagement_between, programme_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def remember_this_page_load(page: Page) -> None:
    page.evaluate("window.__marker = 1")  # a reload wipes it; an htmx swap keeps it


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_mistyped_meeting_is_deleted_in_two_clicks_with_and_without_javascript(
    browser_as, mentor, protege, javascript
):
    engagement = engagement_between(protege, mentor, state="active")
    today = programme_today()
    meetings.log_meeting(engagement, by=mentor, held_on=today, minutes=90, note="A typo")
    meetings.log_meeting(engagement, by=protege, held_on=today, minutes=30, note="Mine")
    page = browser_as(mentor, engagement.get_absolute_url(), javascript=javascript)
    page.wait_for_load_state()  # htmx listens from DOMContentLoaded
    if javascript:
        remember_this_page_load(page)
    time = page.locator("#time")
    bar = time.locator("progress.budget-bar")
    expect(bar).to_have_attribute("value", "120")
    # Only the mentor's own meeting offers to be deleted.
    expect(time.locator("summary", has_text="Delete…")).to_have_count(1)

    time.locator("summary", has_text="Delete…").click()  # opens, deletes nothing
    expect(time.get_by_text("This gives 1 h 30 min back to the budget.")).to_be_visible()
    assert Meeting.objects.count() == 2
    if javascript:
        assert_accessible(page)
    time.get_by_role("button", name="Delete for good").click()

    time = page.locator("#time")
    expect(time.locator("progress.budget-bar")).to_have_attribute("value", "30")
    expect(time.locator(".budget-caption")).to_contain_text("30 min used of 4 h")
    expect(page.get_by_text("Meeting deleted: 1 h 30 min back in the budget.")).to_be_visible()
    expect(time.locator("table.meetings tbody tr")).to_have_count(1)
    expect(time.locator("summary", has_text="Delete…")).to_have_count(0)
    if javascript:
        assert page.evaluate("window.__marker") == 1  # redrawn in place, not reloaded
    else:
        page.reload()  # the timeline is on the full page
        expect(page.locator(".timeline")).to_contain_text("deleted a meeting they had logged")
    assert list(Meeting.objects.values_list("minutes", flat=True)) == [30]
    assert Event.objects.filter(verb=Event.Verb.MEETING_DELETED, actor=mentor).count() == 1
