"""The directory in a real browser: live search as you type, filters, profiles, and the
same search with JavaScript switched off."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory.models import Employee
from mentorship.demo import DEMO_PASSWORD
from tests.browser import assert_accessible, sign_in
from tests.factories import PASSWORD, SkillFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIYA = "priya.patel@example.com"  # the demo protégé


@pytest.fixture
def demo_company(transactional_db):
    call_command("seed_demo", employees=80, stdout=io.StringIO())


@pytest.fixture
def directory_page(page: Page, live_server, demo_company) -> Page:
    """Priya, signed in, looking at the directory."""
    directory = reverse("directory:index")
    sign_in(page, live_server, PRIYA, DEMO_PASSWORD, next=directory)
    expect(page).to_have_url(live_server.url + directory)
    return page


def remember_this_page_load(page: Page) -> None:
    # A full reload would wipe this; htmx swapping the results keeps it.
    page.evaluate("window.__marker = 1")


def assert_page_was_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1


def search_as_you_type(page: Page, text: str) -> None:
    """Type key by key, as a person does, so htmx's debounced input trigger fires."""
    page.locator("#id_q").press_sequentially(text)
    expect(page.locator(".results-meta")).to_contain_text(f"for “{text}”")


def test_protege_signs_in_finds_a_mentor_by_a_misspelt_skill_and_opens_the_profile(
    page: Page, live_server, demo_company
):
    page.goto(live_server.url + reverse("account_login"))
    assert_accessible(page)

    directory = reverse("directory:index")
    sign_in(page, live_server, PRIYA, DEMO_PASSWORD, next=directory)
    expect(page).to_have_url(live_server.url + directory)
    expect(page.get_by_role("heading", level=1)).to_have_text("Find the right person")
    assert_accessible(page)

    remember_this_page_load(page)
    search_as_you_type(page, "negotation")
    daniel = page.locator(".person-card").filter(has_text="Daniel Okafor")
    expect(daniel).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=negotation(&|$)"))
    assert_page_was_not_reloaded(page)
    page.screenshot(path="/tmp/browser-directory.png", full_page=True)

    daniel.get_by_role("link", name="Daniel Okafor").click()
    expect(page).to_have_url(re.compile(r"/directory/people/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Daniel Okafor")
    expertise = page.locator("#expertise + .tags")
    expect(expertise.get_by_role("link", name="Negotiation")).to_be_visible()
    assert_accessible(page)


def priya_on_the_directory(browser_as, *, javascript: bool) -> Page:
    priya = Employee.objects.get(email=PRIYA)
    directory = reverse("directory:index")
    return browser_as(priya, directory, javascript=javascript, password=DEMO_PASSWORD)


def test_directory_search_works_without_javascript(browser_as, demo_company):
    page = priya_on_the_directory(browser_as, javascript=False)
    page.locator("#id_q").fill("jon smtih")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"[?&]q=jon\+smtih(&|$)"))
    expect(page.locator(".person-card h3").first).to_have_text("John Smith")


def test_misspelt_name_in_live_search_finds_john_smith(directory_page: Page):
    remember_this_page_load(directory_page)
    search_as_you_type(directory_page, "jon smtih")
    expect(directory_page.locator(".person-card h3").first).to_have_text("John Smith")
    assert_page_was_not_reloaded(directory_page)


def test_filters_narrow_the_live_results(directory_page: Page):
    page = directory_page
    cards = page.locator(".person-card")
    # The department is on each card's meta line ("Title · Sales · London"); a skill tag
    # such as "Enterprise sales" must not count.
    in_sales = page.locator(".meta", has_text=re.compile(r"· Sales( ·|$)"))
    remember_this_page_load(page)

    page.get_by_label("Department").select_option(label="Sales")
    page.get_by_label("Available to mentor now").check()

    expect(page).to_have_url(re.compile(r"department=sales"))
    expect(page).to_have_url(re.compile(r"open=on"))
    expect(cards.filter(has_not=in_sales)).to_have_count(0)
    expect(cards.locator(".badge.unavailable")).to_have_count(0)
    expect(cards.filter(has_text="Daniel Okafor")).to_be_visible()
    assert_page_was_not_reloaded(page)


def test_my_profile_edit_saves_skills_and_interests(page: Page, live_server, protege):
    SkillFactory(name="Excel")
    SkillFactory(name="Public speaking")
    sign_in(page, live_server, protege.email, PASSWORD)
    page.goto(live_server.url + reverse("directory:profile_edit"))
    assert_accessible(page)

    page.get_by_role("group", name="Expertise").get_by_label("Excel").check()
    page.get_by_role("group", name="Learning interests").get_by_label("Public speaking").check()
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Priya Patel")
    expect(page.locator("#expertise + .tags").get_by_role("link", name="Excel")).to_be_visible()
    expect(page.locator("#interests + .tags")).to_contain_text("Public speaking")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_result_pages_go_forward_and_back_with_nobody_twice(
    browser_as, demo_company, javascript
):
    """Each page of results reads its people's ids first (directory.paging): Next and
    Previous, by htmx or by plain links, show each person once, in the same order."""
    page = priya_on_the_directory(browser_as, javascript=javascript)
    meta = page.locator(".pagination .muted")
    expect(meta).to_have_text(re.compile(r"^1–20 of \d+$"))
    first = page.locator(".person-card h3").all_inner_texts()

    page.get_by_role("link", name="Next").click()
    expect(meta).to_have_text(re.compile(r"^21–40 of \d+$"))
    expect(page).to_have_url(re.compile(r"[?&]page=2$"))
    second = page.locator(".person-card h3").all_inner_texts()
    assert len(first) == len(second) == 20 and not set(first) & set(second)
    # The new page is read from its top, not from where the Next link was.
    expect(page.locator(".person-card").first).to_be_in_viewport()

    page.get_by_role("link", name="Previous").click()
    expect(meta).to_have_text(re.compile(r"^1–20 of \d+$"))
    assert page.locator(".person-card h3").all_inner_texts() == first


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_each_found_person_shows_why_and_their_skills_and_clear_starts_over(
    browser_as, demo_company, javascript
):
    """A card's reasons and skill tags come from lists read with the page (no query per
    card); Clear drops the search and the filters, back to the whole directory."""
    page = priya_on_the_directory(browser_as, javascript=javascript)
    page.get_by_label("Department").select_option(label="Sales")
    if javascript:
        search_as_you_type(page, "negotation")
    else:
        page.locator("#id_q").fill("negotation")
        page.get_by_role("button", name="Search").click()
    daniel = page.locator(".person-card").filter(has_text="Daniel Okafor")
    expect(daniel.locator(".match-reasons")).to_contain_text("Negotiation · skill")
    expect(daniel.locator(".tag", has_text="Negotiation")).to_be_visible()
    expect(page.locator(".results-meta")).to_contain_text("for “negotation”")

    page.get_by_role("link", name="Clear").click()
    expect(page).to_have_url(re.compile(r"/directory/$"))
    expect(page.locator("#id_q")).to_have_value("")
    expect(page.get_by_label("Department")).to_have_value("")
    expect(page.locator(".results-meta")).not_to_contain_text("for “")
    expect(page.locator(".person-card .tag").first).to_be_visible()
