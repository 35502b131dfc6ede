"""The programme list's filters in a real browser, with JavaScript and without (a plain
GET form either way): a filter that is not valid is named and left out, and the list
applies every other one, as the form still shows them."""

import pytest
import time_machine
from playwright.sync_api import expect

from tests import report_data
from tests.browser import assert_accessible
from tests.report_data import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False])
def test_dates_in_the_wrong_order_are_left_out_and_the_other_filters_apply(browser_as, javascript):
    with time_machine.travel(NOW):
        company = report_data.build(admin_password=True)
        page = browser_as(company.admin, "/engagements/programme/", javascript=javascript)
        expect(page.get_by_role("heading", name="9 engagements")).to_be_visible()
        page.get_by_label("State", exact=True).select_option(label="Completed")
        page.get_by_label("Department", exact=True).select_option(label="Marketing")
        page.get_by_label("Proposed from").fill("2026-12-01")
        page.get_by_label("Proposed until").fill("2026-11-01")
        page.get_by_role("button", name="Filter").click()

        # Priya's completed engagement (E1): the state and the department apply.
        expect(page.get_by_role("heading", name="1 engagement")).to_be_visible()
        left_out = page.locator("#not-applied")
        expect(left_out).to_contain_text("These filters were not applied")
        expect(left_out).to_contain_text("Proposed from")
        expect(left_out).to_contain_text("Proposed until: The end comes before the start.")
        expect(page.get_by_label("State", exact=True)).to_have_value("completed")
        expect(page.get_by_label("Department", exact=True)).to_have_value(str(company.marketing.pk))
        expect(page.get_by_label("Proposed until")).to_have_value("2026-11-01")
        if javascript:
            assert_accessible(page)
        # Clear starts over: every engagement, no filter and nothing said left out.
        page.get_by_role("link", name="Clear").click()
        expect(page.get_by_role("heading", name="9 engagements")).to_be_visible()
        expect(page.locator("#not-applied")).to_have_count(0)
        expect(page.get_by_label("Proposed until")).to_have_value("")
