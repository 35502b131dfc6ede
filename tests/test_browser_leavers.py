"""The engagement page of someone whose mentor left the company, in a real browser with
JavaScript on and off: it says so, names them without a link to the profile they no
longer have, and the protégé cancels through the page's panel (a
reason is asked for first)."""

import pytest
from playwright.sync_api import expect

from directory.models import Employee
from engagements.models import Engagement
from tests.browser import assert_accessible
from tests.factories import engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_protege_whose_mentor_left_is_told_and_cancels(browser_as, protege, mentor, javascript):
    engagement = engagement_between(protege, mentor)
    Employee.objects.filter(pk=mentor.pk).update(is_active=False)
    page = browser_as(protege, engagement.get_absolute_url(), javascript=javascript)

    notice = page.locator("#left-directory")
    expect(notice.get_by_role("heading")).to_have_text(
        "Daniel Okafor is no longer in the company directory"
    )
    expect(notice).to_contain_text("cancel it below if it cannot go on")
    # Their profile is gone (a 404): their name is no link anywhere on the page.
    expect(page.get_by_role("link", name="Daniel Okafor")).to_have_count(0)
    left = page.get_by_text("Daniel Okafor (left the company)")
    expect(left).to_have_count(2)  # the heading, People
    expect(page.get_by_role("link", name="Priya Patel")).to_have_count(2)
    if javascript:
        assert_accessible(page)

    page.get_by_text("Cancel this engagement").click()
    reason = page.get_by_label("Why are you cancelling?")
    expect(reason).to_be_visible()
    reason.fill("Daniel has left the company.")
    page.get_by_role("button", name="Cancel engagement").click()

    expect(page.locator(".notice-panel h2")).to_have_text("Cancelled")
    expect(page.locator("#left-directory")).to_have_count(0)
    engagement.refresh_from_db()
    assert engagement.state == Engagement.State.CANCELLED
    assert engagement.cancel_reason == "Daniel has left the company."
