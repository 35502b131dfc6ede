"""The links this release added, clicked in a real browser with JavaScript on and off:
the directory's hint for someone with no suggestions, the decline page's Back (to the
inbox it came from), and the switched-off account's way back to sign-in."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from directory.models import Employee
from tests.browser import assert_accessible
from tests.factories import PASSWORD, EmployeeFactory, engagement_between, make_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@JAVASCRIPT
def test_the_directory_hint_leads_to_the_interests(browser_as, javascript):
    nora = EmployeeFactory(full_name="Nora Newcomer", level=3)
    make_login(nora)
    page = browser_as(nora, reverse("directory:index"), javascript=javascript)
    hint = page.locator("#no-suggestions")
    expect(hint).to_contain_text("Mentors are suggested here for the learning interests")
    if javascript:
        assert_accessible(page)
    hint.get_by_role("link", name="Add or change your interests").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("directory:profile_edit")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")


@JAVASCRIPT
def test_the_decline_pages_back_goes_where_the_mentor_came_from(
    browser_as, protege, mentor, javascript
):
    engagement = engagement_between(protege, mentor, state="proposed")
    inbox = reverse("engagements:inbox")
    # Opened from the engagement page (its Decline… link): Back returns there.
    page = browser_as(mentor, engagement.get_absolute_url(), javascript=javascript)
    page.get_by_role("link", name="Decline…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decline gracefully")
    page.get_by_role("link", name="Back").click()
    expect(page).to_have_url(re.compile(re.escape(engagement.get_absolute_url()) + "$"))
    # Sent back from the inbox's card with errors (a plain form: no message typed for
    # "Another reason"): Back returns to the inbox, with the proposal still waiting.
    page.goto(page.url.replace(engagement.get_absolute_url(), inbox))
    card = page.locator(f"#proposal-{engagement.pk}")
    card.locator("summary", has_text="Decline…").click()
    card.get_by_text("Another reason", exact=True).click()
    card.get_by_role("button", name="Decline with this message").click()
    if javascript:  # htmx: the card itself says what is missing; nothing leaves the inbox
        expect(card.get_by_text("Write a short message")).to_be_visible()
        return
    expect(page.get_by_role("heading", level=1)).to_have_text("Decline gracefully")
    page.get_by_role("link", name="Back").click()
    expect(page).to_have_url(re.compile(re.escape(inbox) + "$"))
    expect(card).to_be_visible()


@JAVASCRIPT
def test_someone_who_left_finds_the_way_back_to_sign_in(browser, live_server, mentor, javascript):
    Employee.objects.filter(pk=mentor.pk).update(is_active=False)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(mentor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This account is switched off")
    expect(page.locator("main")).to_contain_text("the company directory no longer lists you")
    if javascript:
        assert_accessible(page)
    page.get_by_role("link", name="Back to sign-in").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("account_login"))))
    context.close()
