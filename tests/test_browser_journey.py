"""The end of the journey on `make run`'s demo data, in a real browser: wrap up, thank,
advise, propose a follow-on, and see it declined gracefully."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from engagements.models import Engagement
from mentorship.demo import DEMO_PASSWORD
from tests.browser import assert_accessible, sign_in
from tests.factories import programme_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PRIYA, DANIEL = "priya.patel@example.com", "daniel.okafor@example.com"


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", employees=120, stdout=io.StringIO())


@pytest.fixture
def open_as(browser: Browser, live_server, demo):
    contexts = []

    def open_page(email: str) -> Page:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, email, DEMO_PASSWORD, next="/engagements/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_wrap_up_thanks_advice_and_a_follow_on_declined_gracefully(open_as):
    priya = open_as(PRIYA)
    priya.get_by_role("link", name="Mark your goals and thank your mentor").click()
    expect(priya.get_by_role("heading", name="Opening a negotiation")).to_be_visible()
    priya.get_by_role("group", name="Open a negotiation with a clear anchor").get_by_label(
        "Met", exact=True
    ).check()
    priya.get_by_role("group", name="Prepare my walk-away point").get_by_label("Partly met").check()
    priya.get_by_label("Thank-you note to your mentor").fill(
        "Thank you Daniel, my first anchor held!"
    )
    assert_accessible(priya)
    priya.get_by_role("button", name="Send thanks").click()
    expect(priya.get_by_role("status")).to_contain_text("Thank you sent")
    expect(priya.locator(".note").first).to_contain_text("my first anchor held")

    daniel = open_as(DANIEL)
    daniel.get_by_role("link", name="Suggest the next area and the next mentor").click()
    daniel.get_by_label("Next area to develop").fill("Multi-year renewals")
    daniel.get_by_label("Who could mentor that next (optional)").fill("kenji.tanaka@example.com")
    daniel.get_by_role("button", name="Send advice").click()
    expect(daniel.get_by_role("status")).to_contain_text("Your advice is with the protégé")

    priya.reload()
    expect(priya.get_by_text("Multi-year renewals")).to_be_visible()
    priya.get_by_role("button", name="Propose a follow-on").click()
    expect(priya.get_by_label("Title")).to_have_value("Follow-on: Opening a negotiation")
    expect(priya.get_by_label("Goal 1")).to_have_value("Multi-year renewals")
    priya.get_by_label("Measure of success").first.fill("I draft one multi-year offer")
    tomorrow = programme_today() + dt.timedelta(days=1)
    priya.get_by_label("Start date").fill(tomorrow.isoformat())
    priya.get_by_label("End date").fill((tomorrow + dt.timedelta(days=14)).isoformat())
    priya.get_by_role("button", name="Propose", exact=True).click()
    expect(priya.get_by_role("status")).to_contain_text("Proposed to Daniel Okafor")
    follow_on = Engagement.objects.get(title="Follow-on: Opening a negotiation")
    assert follow_on.state == "proposed" and follow_on.follows.title == "Opening a negotiation"

    daniel.goto(daniel.url.split("/engagements/")[0] + "/engagements/inbox/")
    card = daniel.locator(f"#proposal-{follow_on.pk}")
    card.get_by_text("Decline…").click()
    card.get_by_label("Not the right time for me").check()
    card.get_by_role("button", name="Decline with this message").click()
    expect(daniel.locator(f"#proposal-{follow_on.pk}")).to_contain_text("You declined")

    priya.goto(priya.url.split("/engagements/")[0] + follow_on.get_absolute_url())
    declined = priya.get_by_role("region", name="Daniel declined")
    expect(declined).to_contain_text("please do ask me again in a few months")
    expect(priya.get_by_role("link", name="Opening a negotiation")).to_be_visible()
    assert_accessible(priya)
