"""The layout on a phone (390 × 844) and on a laptop (1280 × 800): a header of one row for
every role, whose menu reaches every link with and without JavaScript; the directory's
results in the first screen on a phone; suggestion cards and selects that show their text."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from mentorship.demo import DEMO_PASSWORD
from tests.browser import assert_accessible, sign_in
from tests.factories import PASSWORD, engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
PRIYA = "priya.patel@example.com"  # the demo protégé, with suggestions for her interests
ROLES = ["protege", "mentor", "admin"]
JAVASCRIPT = [pytest.param(True, id="js"), pytest.param(False, id="no-js")]


@pytest.fixture
def open_page(browser: Browser, live_server):
    """A fresh browser at a given size, signed in as someone, on a given page."""
    contexts = []

    def open_page(email: str, password: str, path: str, *, viewport, javascript=True) -> Page:
        context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, email, password, next=path)
        expect(page).to_have_url(live_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def person(request, protege, mentor, admin):
    """The protégé, the mentor or the programme admin; the mentor and the admin each have a
    proposal waiting and a notification unread, so their nav carries its counts."""
    engagement_between(protege, mentor, state="proposed")
    engagement_between(protege, admin, state="proposed", title="Reading the budget")
    return {"protege": protege, "mentor": mentor, "admin": admin}[request.param]


@pytest.fixture
def demo_company(transactional_db):
    call_command("seed_demo", employees=80, stdout=io.StringIO())


def header(page: Page) -> Locator:
    return page.locator("header.site-header")


def menu_button(page: Page) -> Locator:
    return page.locator("details.site-menu > summary")


def menu_items(page: Page) -> Locator:
    return page.locator(".menu-panel").locator("a:visible, button:visible")


def nav_names(person) -> list[str]:
    names = ["My engagements", "Mentor inbox", "Directory"]
    admin_names = ["Programme", "Reports", "Settings", "Import"]
    return names + admin_names if person.full_name == "Helen Park" else names


def assert_accessible_with(page: Page, javascript: bool) -> None:
    # axe runs as a script in the page, so it cannot check a page with JavaScript off; the
    # markup is the same as with it on, which it does check.
    if javascript:
        assert_accessible(page)


def assert_every_item_is_clickable(items: Locator) -> None:
    assert items.count() > 0
    for item in items.all():
        expect(item).to_be_visible()
        item.click(trial=True)  # visible, enabled and not covered by anything else


@pytest.mark.parametrize("person", ROLES, indirect=True)
@pytest.mark.parametrize("javascript", JAVASCRIPT)
def test_on_a_phone_the_header_is_one_short_row_and_its_menu_reaches_every_link(
    open_page, person, javascript
):
    page = open_page(
        person.email, PASSWORD, reverse("engagements:home"), viewport=PHONE, javascript=javascript
    )
    assert header(page).bounding_box()["height"] <= 72
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # folded away
    expect(menu_button(page)).to_have_text(re.compile(r"^\s*Menu"))
    assert_accessible_with(page, javascript)

    # Keyboard: skip link, brand, then the menu; Enter opens it, Tab walks into it.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(menu_button(page)).to_be_focused()
    page.keyboard.press("Enter")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_contain_text(nav_names(person))
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link").first).to_be_focused()

    panel = page.locator(".menu-panel")
    expect(panel).to_contain_text(f"Signed in as {person.email}")
    assert_every_item_is_clickable(menu_items(page))
    assert_accessible_with(page, javascript)

    nav.get_by_role("link", name="Directory").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("directory:index")) + "$"))
    expect(panel).to_be_hidden()  # a new page starts with the menu closed


@pytest.mark.parametrize("person", ROLES, indirect=True)
@pytest.mark.parametrize("javascript", JAVASCRIPT)
def test_on_a_laptop_the_header_is_one_row_for_every_role(open_page, person, javascript):
    page = open_page(
        person.email, PASSWORD, reverse("engagements:home"), viewport=LAPTOP, javascript=javascript
    )
    assert header(page).bounding_box()["height"] <= 72
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(links).to_contain_text(nav_names(person))
    tops = {round(link.bounding_box()["y"]) for link in links.all()}
    assert max(tops) - min(tops) <= 1, f"the nav wraps: link tops at {sorted(tops)}"
    boxes = [link.bounding_box() for link in links.all()]
    account = menu_button(page).bounding_box()
    assert boxes[-1]["x"] + boxes[-1]["width"] < account["x"]  # side by side, no overlap
    assert account["y"] < boxes[0]["y"] + boxes[0]["height"]  # and on the same row
    assert account["y"] + account["height"] > boxes[0]["y"]
    if person.full_name != "Priya Patel":
        expect(links.first).to_contain_text(re.compile(r"\d+ unread"))
        expect(links.nth(1)).to_contain_text("1 waiting")
    # The site's name whole beside every link and count (it was "Micro-mentori…").
    name = page.locator(".brand span")
    assert name.evaluate("n => n.scrollWidth <= n.clientWidth"), "the site's name is cut"
    assert_accessible_with(page, javascript)

    menu_button(page).click()
    expect(page.locator(".menu-panel")).to_contain_text(f"Signed in as {person.email}")
    items = menu_items(page)
    expect(items).to_have_text(
        ["My profile", "Email settings", "Two-factor authentication", "Password", "Sign out"]
    )
    assert_every_item_is_clickable(items)
    assert_accessible_with(page, javascript)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("account_login"))))


def test_escape_and_a_click_elsewhere_close_the_menu(open_page, protege):
    page = open_page(protege.email, PASSWORD, reverse("engagements:home"), viewport=PHONE)
    panel = page.locator(".menu-panel")
    menu_button(page).click()
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(menu_button(page)).to_be_focused()

    menu_button(page).click()
    page.mouse.click(PHONE["width"] / 2, PHONE["height"] - 40)  # below the open menu
    expect(panel).to_be_hidden()


def test_on_a_phone_live_results_show_in_the_first_screen(open_page, demo_company):
    page = open_page(PRIYA, DEMO_PASSWORD, reverse("directory:index"), viewport=PHONE)
    # Folded away until asked for: the filters and Priya's suggestions.
    expect(page.get_by_label("Department")).to_be_hidden()
    expect(page.locator(".suggested > summary")).to_contain_text("Suggested for you")
    expect(page.locator(".suggestion-card").first).to_be_hidden()

    page.locator("#id_q").press_sequentially("negotation")

    expect(page.locator(".results-meta")).to_contain_text("for “negotation”")
    first = page.locator(".person-card").first
    expect(first).to_be_visible()
    search_box = page.locator("#id_q").bounding_box()
    assert search_box["y"] >= 0 and search_box["y"] + search_box["height"] <= PHONE["height"]
    assert first.bounding_box()["y"] < 700
    page.screenshot(path="/tmp/directory-phone.png")
    assert_accessible(page)


@pytest.mark.parametrize("javascript", JAVASCRIPT)
def test_on_a_phone_the_filters_open_and_apply(open_page, demo_company, javascript):
    page = open_page(
        PRIYA, DEMO_PASSWORD, reverse("directory:index"), viewport=PHONE, javascript=javascript
    )
    page.locator(".filters > summary").click()
    page.get_by_label("Department").select_option(label="Sales")
    page.get_by_label("Available to mentor now").check()
    if not javascript:
        page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"department=sales"))
    expect(page).to_have_url(re.compile(r"open=on"))
    cards = page.locator(".person-card")
    expect(cards.filter(has_text="Daniel Okafor")).to_be_visible()
    in_sales = page.locator(".meta", has_text=re.compile(r"· Sales( ·|$)"))
    expect(cards.filter(has_not=in_sales)).to_have_count(0)
    expect(cards.locator(".badge.unavailable")).to_have_count(0)
    if not javascript:
        # The new page keeps the filters folded, and says they are on.
        expect(page.locator(".filters > summary")).to_have_text(re.compile(r"Filters\s+· on"))
        assert cards.first.bounding_box()["y"] < 700
    assert_accessible_with(page, javascript)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_suggestion_cards_give_the_reasons_room(open_page, demo_company, viewport):
    page = open_page(PRIYA, DEMO_PASSWORD, reverse("directory:index"), viewport=viewport)
    if viewport == PHONE:
        page.locator(".suggested > summary").click()
    cards = page.locator(".suggestion-card")
    expect(cards.first).to_contain_text("Daniel Okafor")
    for card in cards.all():
        text = card.locator(".reasons").locator("..")
        assert text.bounding_box()["width"] >= 250
        card.get_by_role("link", name=re.compile("^Propose")).click(trial=True)
    assert_accessible(page)


def test_the_activity_kind_select_shows_its_longest_choice_on_a_laptop(open_page, protege):
    page = open_page(protege.email, PASSWORD, reverse("engagements:new"), viewport=LAPTOP)
    kind = page.get_by_label("Activity", exact=True)
    kind.select_option(label="Structured interview")
    # The width the select needs for its longest choice, against the width it has.
    needed, has = kind.evaluate(
        """select => {
            const has = select.getBoundingClientRect().width;
            select.style.width = "max-content";
            const needed = select.getBoundingClientRect().width;
            select.style.width = "";
            return [needed, has];
        }"""
    )
    assert needed <= has, f"the select is {has}px wide, its choices need {needed}px"
    assert kind.evaluate("s => s.scrollWidth <= s.clientWidth")
    row = page.locator(".activity-row").first
    assert row.evaluate("r => r.scrollWidth <= r.clientWidth")  # nothing spills out


def test_on_a_phone_my_engagements_stack_with_their_state_in_sight(open_page, protege, mentor):
    """A row a card: the title with its state beside it, then the other person and the
    dates; nothing to scroll sideways for (the state was out of sight until scrolled)."""
    engagement_between(protege, mentor, title="Negotiating agency contracts with suppliers")
    page = open_page(protege.email, PASSWORD, reverse("engagements:home"), viewport=PHONE)
    box = page.locator(".table-scroll").first
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
    row = box.locator("tbody tr").first
    title = row.get_by_role("link", name="Negotiating agency contracts with suppliers")
    state = row.locator(".badge")
    title_box, state_box = title.bounding_box(), state.bounding_box()
    assert state_box["x"] + state_box["width"] <= PHONE["width"]
    assert state_box["y"] < title_box["y"] + title_box["height"]  # on the title's line
    dates = row.locator("td").nth(-2).bounding_box()
    assert dates["y"] >= title_box["y"] + title_box["height"] - 1  # on the line below
    expect(row).to_contain_text("Daniel Okafor")
    assert_accessible(page)


def test_on_a_phone_a_table_too_wide_says_it_scrolls(open_page, protege, mentor, admin):
    """The programme list's table is wider than a phone: its last columns are out of
    sight until scrolled. The box it scrolls in draws a shadow at each edge that has more
    (two fixed shadows, each covered by a white layer that scrolls with the table)."""
    engagement_between(protege, mentor, title="Negotiating agency contracts with suppliers")
    page = open_page(admin.email, PASSWORD, reverse("engagements:programme"), viewport=PHONE)
    box = page.locator(".table-scroll").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    style = box.evaluate(
        "e => [getComputedStyle(e).backgroundImage, getComputedStyle(e).backgroundAttachment]"
    )
    assert style[0].count("radial-gradient") == 2 and style[0].count("linear-gradient") == 2
    assert style[1] == "local, local, scroll, scroll"
    # The table lets them show through.
    assert box.locator("table").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgba(0, 0, 0, 0)"
    )
    assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_full_mentors_profile_leads_to_others_available_now(
    open_page, protege, mentor, javascript
):
    from directory.models import Employee
    from tests.factories import EmployeeFactory

    Employee.objects.filter(pk=mentor.pk).update(mentoring_load=2)  # full: 2 of 2
    EmployeeFactory(full_name="Nia Negotiator", skills=["Enterprise sales"])
    EmployeeFactory(full_name="Paul Paused", skills=["Enterprise sales"], open_to_mentoring=False)
    page = open_page(
        protege.email, PASSWORD, mentor.get_absolute_url(), viewport=PHONE, javascript=javascript
    )
    expect(page.get_by_role("link", name="Propose a micro-engagement")).to_have_count(0)
    page.get_by_role("link", name="Find another mentor for Enterprise sales").click()
    expect(page).to_have_url(re.compile(r"/directory/\?open=on&skill=enterprise-sales$"))
    results = page.locator("#results")
    expect(results).to_contain_text("Nia Negotiator")
    expect(results).not_to_contain_text("Paul Paused")
    expect(results).not_to_contain_text("Daniel Okafor")


def test_on_a_phone_the_outbox_never_scrolls_sideways(open_page, protege, mentor, admin):
    """Its emails hold long one-click links and message ids: they wrap."""
    engagement_between(protege, mentor, state="proposed")
    admin.user.is_superuser = True
    admin.user.save(update_fields=["is_superuser"])
    page = open_page(admin.email, PASSWORD, reverse("engagements:outbox"), viewport=PHONE)
    expect(page.locator(".outbox-email").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_radio_buttons_and_checkboxes_are_big_enough_to_aim_at(open_page, protege, mentor):
    """The browsers' own are 13 px: small on a phone, beside labels that are clickable."""
    page = open_page(
        protege.email, PASSWORD, f"/engagements/new/?mentor={mentor.pk}", viewport=PHONE
    )
    box = page.get_by_role("radio", name="Shadowing the mentor").bounding_box()
    assert box["width"] >= 18 and box["height"] >= 18, box
    page.goto(page.url.split("/engagements/")[0] + reverse("directory:profile_edit"))
    box = page.locator("input[type=checkbox]").first.bounding_box()
    assert box["width"] >= 18 and box["height"] >= 18, box


def test_unread_notifications_stand_out_from_read_ones(open_page, protege, mentor):
    engagement_between(protege, mentor, state="proposed", title="Pricing talk")
    engagement_between(protege, mentor, state="proposed", title="Budget review")
    mentor.notifications.filter(engagement__title="Budget review").update(read_at=timezone.now())
    page = open_page(mentor.email, PASSWORD, reverse("engagements:home"), viewport=LAPTOP)
    unread = page.locator(".notifications li", has_text="Pricing talk").locator("button")
    read = page.locator(".notifications li", has_text="Budget review").locator("button")

    def looks(button: Locator) -> list[str]:
        return button.evaluate(
            "b => [getComputedStyle(b).fontWeight, getComputedStyle(b, '::before').content]"
        )

    assert looks(unread) == ["700", '""'] and looks(read) == ["400", "none"]
