"""The controls of issue 11 in a real browser, JavaScript on and off: "See your history"
on My engagements and its pages, and the programme list's Older / Newer pages."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible
from tests.factories import engagement_between, programme_today
from tests.test_scale import add_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_mentor_opens_their_history_and_pages_through_it(
    browser_as, protege, mentor, javascript, tmp_path
):
    add_history(mentor, 30)
    engagement_between(protege, mentor, state="proposed", title="Pricing talks")
    page = browser_as(mentor, "/engagements/", javascript=javascript)
    expect(page.get_by_role("link", name="Pricing talks")).to_be_visible()
    expect(page.get_by_role("link", name="Engagement of long ago 0000")).to_have_count(0)
    if javascript:
        assert_accessible(page)
        page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.get_by_role("link", name="See your history").click()
    expect(page.get_by_role("heading", name="My history")).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(page.get_by_role("link", name="Pricing talks")).to_be_visible()
    if javascript:
        assert_accessible(page)
        page.screenshot(path=str(tmp_path / "history.png"), full_page=True)

    page.get_by_role("link", name="Older").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page.get_by_role("link", name="Engagement of long ago 0000")).to_be_visible()
    page.get_by_role("link", name="Newer").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("link", name="My engagements").first.click()
    expect(page.get_by_role("heading", name="My engagements")).to_be_visible()
    # The other history link, in the page's introduction.
    page.get_by_role("link", name="Your history", exact=True).click()
    expect(page.get_by_role("heading", name="My history")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_admin_pages_through_every_engagement_older_then_newer(
    browser_as, admin, mentor, program, javascript, tmp_path
):
    add_history(mentor, 45)
    page = browser_as(admin, "/engagements/programme/", javascript=javascript)
    expect(page.get_by_role("heading", name="45 engagements")).to_be_visible()
    expect(page.get_by_role("link", name="Engagement of long ago 0044")).to_be_visible()
    expect(page.get_by_role("link", name="Newer")).to_have_count(0)
    if javascript:
        assert_accessible(page)
        page.screenshot(path=str(tmp_path / "programme.png"), full_page=True)

    page.get_by_role("link", name="Older").click()
    expect(page.get_by_role("link", name="Engagement of long ago 0000")).to_be_visible()
    expect(page.get_by_role("link", name="Engagement of long ago 0044")).to_have_count(0)
    expect(page.get_by_role("link", name="Older")).to_have_count(0)
    if javascript:
        assert_accessible(page)

    page.get_by_role("link", name="Newer").click()
    expect(page.get_by_role("link", name="Engagement of long ago 0044")).to_be_visible()
    expect(page.get_by_role("link", name="Newer")).to_have_count(0)

    # The filter form keeps its search across pages.
    page.get_by_label("Person or title").fill("long ago")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Older").click()
    expect(page.get_by_label("Person or title")).to_have_value("long ago")
    expect(page.get_by_role("link", name="Engagement of long ago 0000")).to_be_visible()
    page.get_by_role("link", name="Clear").click()
    expect(page.get_by_label("Person or title")).to_have_value("")

    # The period, department and programme fields (the report's links fill them in).
    before_any = programme_today() - dt.timedelta(days=500)
    page.get_by_label("Proposed until").fill(before_any.isoformat())
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="0 engagements")).to_be_visible()
    page.get_by_label("Proposed until").fill("")
    page.get_by_label("Proposed from").fill(before_any.isoformat())
    page.get_by_label("Department").select_option(label=mentor.department.name)
    page.get_by_label("Programme", exact=True).select_option(label=program.name)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="45 engagements")).to_be_visible()
    expect(page.get_by_label("Department")).to_have_value(str(mentor.department.pk))
    page.get_by_role("main").get_by_role("link", name="Programme settings").click()
    expect(page.get_by_role("heading", name=f"Programme settings: {program.name}")).to_be_visible()
