"""Programme settings in a real browser, with JavaScript on and off: a bad value refused
in place, a good one saved, an admin found and added, removed, the last admin kept, the
history paged."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from engagements import programme
from engagements.models import ProgramEvent
from tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page, javascript: bool) -> None:
    if javascript:
        assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_admin_changes_the_rules_and_the_admins(
    browser_as, admin, outsider, program, javascript, tmp_path
):
    start = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    for n in range(12):
        programme.change_rules(
            program, by=admin, rules={"max_peers": n % 2}, now=start + dt.timedelta(days=n)
        )
    url = reverse("engagements:programme_settings", args=[program.pk])
    page = browser_as(admin, url, javascript=javascript)
    expect(page.get_by_role("heading", name="Programme settings: Micro-mentoring")).to_be_visible()
    check(page, javascript)

    # A reminder after the expiry: refused in place, with what was typed kept.
    page.get_by_label("Remind the mentor of an unanswered proposal after (days)").fill("9")
    page.get_by_label("Longest engagement (days)").fill("30")
    page.get_by_role("button", name="Save the rules").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Not saved: 1 thing to fix")
    expect(summary).to_contain_text("must come before it expires: fewer than 7 days")
    expect(
        page.get_by_label("Remind the mentor of an unanswered proposal after (days)")
    ).to_have_value("9")
    expect(page.get_by_label("Longest engagement (days)")).to_have_value("30")
    program.refresh_from_db()
    assert program.max_length_days == 42 and ProgramEvent.objects.count() == 12
    check(page, javascript)

    # The summary's link leads to the field; then a good value saves.
    summary.get_by_role("link").click()
    page.get_by_label("Remind the mentor of an unanswered proposal after (days)").fill("4")
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_role("status")).to_contain_text("Saved. Changed: longest engagement")
    history = page.locator("#history")
    expect(history).to_contain_text("Longest engagement (days): 42 → 30")
    expect(history).to_contain_text("Page 1 of 2")

    # History: older, then newer (in place with JavaScript, a new page without).
    history.get_by_role("link", name="Older").click()
    expect(page.locator("#history")).to_contain_text("Page 2 of 2")
    expect(page.locator("#history li")).to_have_count(3 + 3)  # 3 records, 1 change each
    if javascript:
        assert "history=" not in page.url
    else:
        assert "history=2" in page.url
    page.locator("#history").get_by_role("link", name="Newer").click()
    expect(page.locator("#history")).to_contain_text("Page 1 of 2")

    # Find a colleague: live as one types with JavaScript, with the button without.
    page.get_by_role("searchbox", name="Find a colleague").fill("olga")
    if not javascript:
        page.get_by_role("button", name="Find").click()
    add = page.get_by_role("button", name="Add Olga Outsider as admin")
    expect(add).to_be_visible()
    check(page, javascript)
    add.click()
    expect(page.get_by_role("status")).to_contain_text("Olga Outsider is now an admin")
    admins = page.locator("#admins")
    expect(admins).to_contain_text("Olga Outsider")
    assert set(program.admins.values_list("full_name", flat=True)) == {
        "Helen Park",
        "Olga Outsider",
    }

    # Remove her again; then the last admin (oneself) is explained, not removed.
    page.get_by_role("button", name="Remove Olga Outsider as admin").click()
    expect(page.get_by_role("status")).to_contain_text("Olga Outsider is no longer an admin")
    expect(page.locator("#admins")).not_to_contain_text("Olga Outsider")
    page.get_by_role("button", name="Remove Helen Park as admin").click()
    expect(
        page.get_by_role("heading", name="Stop being an admin of Micro-mentoring?")
    ).to_be_visible()
    expect(page.get_by_text("You are the only admin of Micro-mentoring")).to_be_visible()
    check(page, javascript)
    page.get_by_role("link", name="Back to the settings").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    assert list(program.admins.values_list("full_name", flat=True)) == ["Helen Park"]
    assert list(
        ProgramEvent.objects.order_by("-created_at", "-pk").values_list("verb", flat=True)[:3]
    ) == ["admin_removed", "admin_added", "rules_changed"]
    page.screenshot(path=str(tmp_path / f"programme-settings-{javascript}.png"), full_page=True)

    # From the list of every engagement and back, through the links.
    page.get_by_role("link", name="Every engagement").click()
    expect(page.get_by_role("heading", name="Every engagement")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Programme settings").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_admin_steps_down_after_confirming_and_loses_the_page(
    browser_as, admin, outsider, program, javascript
):
    program.admins.add(outsider)
    url = reverse("engagements:programme_settings", args=[program.pk])
    page = browser_as(admin, url, javascript=javascript)
    page.get_by_role("button", name="Remove Helen Park as admin").click()
    expect(page.get_by_text("1 other admin can add you back")).to_be_visible()
    check(page, javascript)
    page.get_by_role("link", name="No, keep me as admin").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    page.get_by_role("button", name="Remove Helen Park as admin").click()
    page.get_by_role("button", name="Yes, remove me").click()
    expect(page.get_by_role("status")).to_contain_text(
        "You are no longer an admin of Micro-mentoring"
    )
    expect(page.get_by_role("link", name="Programme settings")).to_have_count(0)
    assert list(program.admins.all()) == [outsider]
    response = page.goto(page.url.split("/engagements")[0] + url)
    assert response.status == 404
