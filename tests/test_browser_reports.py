"""The participation report in a real browser, with JavaScript (live filters, htmx) and
without (the same form, submitted): the figures and the URL follow the filters, a figure
leads to its engagements, every control works."""

import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from reports import exports
from tests import report_data
from tests.browser import assert_accessible
from tests.report_data import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def figure(page, label: str):
    return page.locator(".headline-figure", has_text=label).locator(".headline-value")


def funnel_count(page, stage: str):
    return (
        page.locator("#report table", has_text="Still waiting")
        .get_by_role("row", name=stage)
        .locator("td")
        .first
    )


@pytest.mark.parametrize("javascript", [True, False])
def test_admin_filters_the_report_and_follows_a_figure_to_its_engagements(
    browser_as, live_server, javascript
):
    with time_machine.travel(NOW):
        company = report_data.build(admin_password=True)
        page = browser_as(company.admin, "/reports/?period=30d", javascript=javascript)
        expect(page.get_by_role("heading", name="Participation report")).to_be_visible()
        expect(figure(page, "Engagements accepted")).to_have_text("3")
        expect(funnel_count(page, "Proposed")).to_have_text("8")
        if javascript:
            page.screenshot(path="test-results/reports.png", full_page=True)

        # The department: live with htmx, by the Show button without JavaScript.
        page.get_by_label("Department", exact=True).select_option(label="Sales")
        if not javascript:
            page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(rf"department={company.sales.pk}"))
        expect(figure(page, "Engagements accepted")).to_have_text("0")
        expect(funnel_count(page, "Proposed")).to_have_text("3")
        expect(page.locator("#report-period")).to_contain_text("Sales")
        if javascript:
            assert_accessible(page)

        # Custom dates: the period's first day alone holds E8 (proposed at midnight).
        page.get_by_label("Department", exact=True).select_option(label="Every department")
        page.get_by_label("Period", exact=True).select_option(label="Custom dates")
        page.get_by_label("From", exact=True).fill("2026-06-01")
        page.get_by_label("To", exact=True).fill("2026-06-01")
        page.get_by_label("Programme", exact=True).select_option(label="Micro-mentoring")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"start=2026-06-01.*end=2026-06-01"))
        expect(funnel_count(page, "Proposed")).to_have_text("1")

        page.get_by_role("link", name="Reset").click()
        expect(page).to_have_url(live_server.url + "/reports/")
        page.wait_for_load_state()  # htmx listens from DOMContentLoaded: no change lost
        page.get_by_label("Period", exact=True).select_option(label="Last 30 days")
        if not javascript:
            page.get_by_role("button", name="Show").click()
        expect(figure(page, "Engagements accepted")).to_have_text("3")

        page.get_by_text("The figures").click()
        expect(page.get_by_role("row", name=re.compile("Jun 2026"))).to_be_visible()

        # A CSV of the table, with the filters.
        with page.expect_download() as download:
            page.locator("h3", has_text="By department").get_by_role("link", name="CSV").click()
        assert "Marketing" in Path(download.value.path()).read_text(encoding="utf-8-sig")

        # A figure leads to exactly its engagements.
        figure(page, "Engagements accepted").get_by_role("link").click()
        expect(page.get_by_role("heading", name="3 engagements")).to_be_visible()
        expect(page.locator("#active-facets")).to_have_count(0)
        page.go_back()
        page.get_by_role("row", name=re.compile("^With peers")).get_by_role("link").click()
        expect(page.get_by_role("heading", name="1 engagement")).to_be_visible()
        expect(page.locator("#active-facets")).to_contain_text("With peers: Yes")
        # The facet removed alone: the figure's period and scope stay (its 3 accepted).
        page.get_by_role("link", name="Remove the filter With peers: Yes").click()
        expect(page.locator("#active-facets")).to_have_count(0)
        expect(page).not_to_have_url(re.compile(r"peers="))
        expect(page.get_by_role("heading", name="3 engagements")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_report_says_how_old_it_is_and_recompute_now_refreshes_it(browser_as, javascript):
    with time_machine.travel(NOW):
        company = report_data.build(admin_password=True)
        page = browser_as(company.admin, "/reports/?period=30d", javascript=javascript)
        freshness = page.locator(".report-freshness")
        expect(freshness).to_contain_text(
            re.compile(r"Figures as of \d\d:\d\d \(Europe/London\) · refreshed every 5 minutes")
        )
        expect(funnel_count(page, "Proposed")).to_have_text("8")
        if javascript:
            assert_accessible(page)

        # A new proposal: the cached report does not show it until it is recomputed.
        report_data.make(company.tom, company.erin, proposed=report_data.at(29), state="proposed")
        page.reload()
        expect(funnel_count(page, "Proposed")).to_have_text("8")
        page.get_by_role("button", name="Recompute now").click()
        expect(page).to_have_url(re.compile(r"/reports/\?period=30d$"))
        expect(funnel_count(page, "Proposed")).to_have_text("9")


@pytest.mark.parametrize("javascript", [True, False])
def test_every_period_every_download_and_every_figure_link_works(
    browser_as, live_server, javascript
):
    """The controls the walk-through above does not use: the other presets, each CSV
    (a table with its header), each figure's link (the list of its engagements)."""
    with time_machine.travel(NOW):
        company = report_data.build(admin_password=True)
        page = browser_as(company.admin, "/reports/?period=30d", javascript=javascript)
        for value in ("quarter", "12m"):
            page.get_by_label("Period", exact=True).select_option(value)
            if not javascript:
                page.get_by_role("button", name="Show").click()
            expect(page).to_have_url(re.compile(rf"period={value}"))
            expect(page.locator("#report-period")).to_be_visible()

        page.get_by_text("The figures").click()  # the month table's CSV sits beside it
        downloads = page.locator("#report a[download]")
        names = downloads.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        tables = {re.search(r"/export/([\w-]+)\.csv", name).group(1) for name in names}
        assert tables == set(exports.TABLES), names  # every table the report offers
        for i in range(len(names)):
            with page.expect_download() as download:
                downloads.nth(i).click()
            header = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
            assert header.count(",") >= 1, (names[i], header)

        figure_links = page.locator("#report a[href^='/engagements/programme/']")
        count = figure_links.count()
        assert count >= 20
        for i in range(count):
            link = figure_links.nth(i)
            href = link.get_attribute("href")
            link.click()
            expect(page.locator("#list-title")).to_have_text(re.compile(r"^\d+\+? engagements?$"))
            assert page.url == live_server.url + href
            page.go_back()
