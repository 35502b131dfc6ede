"""My profile's mentoring availability in a real browser, with JavaScript on and off: a
pause that ends in the past is refused, a capacity below the running load is said out loud."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from directory.models import Employee
from tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_past_pause_is_refused_and_a_low_capacity_is_explained(browser_as, mentor, javascript):
    Employee.objects.filter(pk=mentor.pk).update(mentoring_capacity=3, mentoring_load=3)
    page = browser_as(mentor, reverse("directory:profile_edit"), javascript=javascript)
    page.get_by_label("Not taking requests until").fill("2020-01-01")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved yet")
    expect(page.get_by_text("1 January 2020 has passed")).to_be_visible()
    if javascript:
        assert_accessible(page)

    page.get_by_label("Not taking requests until").fill("")
    page.get_by_label("Mentoring capacity").fill("1")
    page.get_by_role("button", name="Save profile").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Your profile is saved.")
    expect(status).to_contain_text("no new proposals until 3 of them have ended")
    mentor.refresh_from_db()
    assert (mentor.mentoring_capacity, mentor.snoozed_until) == (1, None)
