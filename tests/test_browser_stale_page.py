"""A page left open while its session changed in another tab, in a real browser with
JavaScript: its htmx actions neither draw the sign-in page inside a panel nor fail
without a word."""

import pytest
from playwright.sync_api import expect

from tests.browser import sign_in
from tests.factories import PASSWORD, engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out_in_another_tab(page, live_server) -> None:
    other = page.context.new_page()
    other.goto(live_server.url + "/accounts/logout/")
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    return other


def test_signed_out_in_another_tab_an_action_goes_to_sign_in_and_back(
    browser_as, live_server, protege, mentor
):
    engagement = engagement_between(protege, mentor)
    page = browser_as(mentor, engagement.get_absolute_url())
    sign_out_in_another_tab(page, live_server)
    page.get_by_role("button", name="Log meeting").click()
    # The whole page goes to sign in, then back to the engagement.
    expect(page).to_have_url(
        live_server.url + f"/accounts/login/?next=/engagements/{engagement.pk}/"
    )
    expect(page.locator("main")).to_have_count(1)
    sign_in(page, live_server, mentor.email, PASSWORD, next=engagement.get_absolute_url())
    expect(page).to_have_url(live_server.url + engagement.get_absolute_url())


def test_signed_in_again_in_another_tab_an_action_says_the_page_is_out_of_date(
    browser_as, live_server, protege, mentor
):
    engagement = engagement_between(protege, mentor)
    page = browser_as(mentor, engagement.get_absolute_url())
    page.get_by_label("Private note").fill("Walked through the renewal plan.")
    other = sign_out_in_another_tab(page, live_server)
    sign_in(other, live_server, mentor.email, PASSWORD)  # a new CSRF token
    page.get_by_role("button", name="Log meeting").click()
    message = page.locator("#main > .messages .message-error")
    expect(message).to_contain_text("This page was opened before you last signed in or out")
    expect(page.get_by_label("Private note")).to_have_value("Walked through the renewal plan.")
    assert not engagement.meetings.exists()
