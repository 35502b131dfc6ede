"""Typed dates make a custom period, in a real browser with JavaScript (live filters,
htmx) and without (the Show button): the report, the Period select, a download and a
figure's list all cover the typed dates."""

import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from tests import report_data
from tests.browser import assert_accessible
from tests.report_data import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False])
def test_dates_typed_beside_a_preset_are_the_reports_period(browser_as, javascript):
    with time_machine.travel(NOW):
        company = report_data.build(admin_password=True)
        page = browser_as(company.admin, "/reports/?period=12m", javascript=javascript)
        period = page.get_by_label("Period", exact=True)
        expect(period).to_have_value("12m")
        # 1 June alone: E8, proposed at midnight.
        page.get_by_label("From", exact=True).fill("2026-06-01")
        page.get_by_label("To", exact=True).fill("2026-06-01")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"start=2026-06-01.*end=2026-06-01"))
        expect(page.locator("#report-period")).to_contain_text("1 Jun 2026 – 1 Jun 2026")
        expect(period).to_have_value("custom")
        expect(page.get_by_label("From", exact=True)).to_have_value("2026-06-01")
        proposed = page.locator("#report table", has_text="Still waiting").get_by_role(
            "row", name="Proposed"
        )
        expect(proposed.locator("td").first).to_have_text("1")
        if javascript:
            assert_accessible(page)

        with page.expect_download() as download:
            page.locator("h2", has_text="Funnel").get_by_role("link", name="CSV").click()
        assert download.value.suggested_filename == "funnel-2026-06-01-2026-06-01.csv"
        rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
        assert rows[1] == "Proposed,1,100"

        page.get_by_role("link", name="List these engagements").click()
        expect(page.get_by_role("heading", name="1 engagement")).to_be_visible()
        expect(page.get_by_label("Proposed from")).to_have_value("2026-06-01")


def test_a_preset_picked_after_typed_dates_clears_them(browser_as):
    """With JavaScript the filters apply as they change: picking a preset after typing
    dates clears the dates, which would otherwise keep the period custom."""
    with time_machine.travel(NOW):
        company = report_data.build(admin_password=True)
        page = browser_as(company.admin, "/reports/?start=2026-06-01&end=2026-06-01")
        period = page.get_by_label("Period", exact=True)
        expect(period).to_have_value("custom")
        expect(page.locator("#report-period")).to_contain_text("1 Jun 2026 – 1 Jun 2026")
        period.select_option("30d")
        expect(page).to_have_url(re.compile(r"period=30d"))
        expect(page.get_by_label("From", exact=True)).to_have_value("")
        expect(page.get_by_label("To", exact=True)).to_have_value("")
        expect(period).to_have_value("30d")
        expect(page.locator("#report-period")).not_to_contain_text("1 Jun 2026 – 1 Jun 2026")
        assert "start=2026" not in page.url


def test_custom_dates_wait_for_both_dates_before_asking(browser_as):
    """With JavaScript, "Custom dates" or one typed date sends nothing yet (the answer
    would be that a custom period needs both dates): the focus goes to the missing date,
    and the second date typed brings the report for the two."""
    with time_machine.travel(NOW):
        company = report_data.build(admin_password=True)
        page = browser_as(company.admin, "/reports/?period=30d")
        page.wait_for_load_state()  # htmx listens from DOMContentLoaded
        shown = page.locator("#report-period")
        expect(shown).to_contain_text("(30 days)")
        asked = []  # the report's requests htmx sends from here on
        page.on("request", lambda r: asked.append(r.url) if "/reports/?" in r.url else None)
        page.get_by_label("Period", exact=True).select_option("custom")
        expect(page.get_by_label("From", exact=True)).to_be_focused()
        page.get_by_label("From", exact=True).fill("2026-06-01")
        page.wait_for_timeout(500)  # htmx sends on the change itself: it had its chance
        assert asked == []
        expect(page.get_by_role("alert")).to_have_count(0)
        expect(shown).to_contain_text("(30 days)")
        expect(page).to_have_url(re.compile(r"period=30d$"))
        page.get_by_label("To", exact=True).fill("2026-06-01")
        expect(shown).to_contain_text("1 Jun 2026 – 1 Jun 2026")
        expect(page).to_have_url(re.compile(r"start=2026-06-01.*end=2026-06-01"))
