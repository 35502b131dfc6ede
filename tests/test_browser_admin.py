"""The programme admin's pages in a real browser: every engagement, and the import."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible, sign_in
from tests.factories import PASSWORD, engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sees_every_engagement_and_imports_a_file_with_a_bad_row(
    page: Page, live_server, admin, protege, mentor, tmp_path
):
    engagement_between(protege, mentor, title="Negotiating agency contracts")
    sign_in(page, live_server, admin.email, PASSWORD, next="/engagements/programme/")
    expect(page.get_by_role("heading", name="Every engagement")).to_be_visible()
    expect(page.get_by_role("link", name="Negotiating agency contracts")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Import employees").click()
    bad = tmp_path / "people.csv"
    bad.write_text("email,full_name,manager_email\nana@example.com,Ana Lima,ghost@example.com\n")
    page.get_by_label("Employee list (CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    report = page.get_by_role("alert")
    expect(report).to_contain_text("1 problem found — nothing was imported")
    expect(report).to_contain_text("manager ghost@example.com not found")
    assert_accessible(page)

    bad.write_text("email,full_name\nana@example.com,Ana Lima\n")
    page.get_by_label("Employee list (CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("Imported: 1 new, 0 updated")


def test_sign_up_password_reset_and_two_factor_pages_are_accessible(
    page: Page, live_server, protege
):
    for path in ["/accounts/signup/", "/accounts/password/reset/"]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("button").first).to_be_visible()
        assert_accessible(page)
    sign_in(page, live_server, protege.email, PASSWORD, next="/accounts/2fa/")
    expect(page.get_by_role("heading", name="Authenticator App")).to_be_visible()
    assert_accessible(page)
