"""In a real browser, with JavaScript on and off: a newcomer follows the invitation email's
link, signs up instead of signing in, confirms the address and lands on the engagement."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, expect

from engagements import emails
from engagements.models import Notification
from tests.browser import assert_accessible, watch_csp
from tests.factories import EmployeeFactory, engagement_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EMAIL = "nina.newcomer@example.com"
NEW_PASSWORD = "a long and unusual passphrase"


def link_in_mail(pattern: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [EMAIL] and (found := re.search(pattern, message.body)):
            return found.group(0)
    raise AssertionError(f"no email to {EMAIL} with {pattern}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_newcomer_signs_up_from_the_invitation_and_lands_on_the_engagement(
    browser: Browser, live_server, protege, mentor, settings, javascript
):
    settings.SITE_URL = live_server.url  # the invitation's link points at this server
    newcomer = EmployeeFactory(full_name="Nina Newcomer", email=EMAIL)
    engagement = engagement_between(protege, mentor, state="proposed", peers=[newcomer])
    invitation = emails.for_notification(
        Notification.objects.get(kind=Notification.Kind.PEER_INVITED, recipient=newcomer)
    )
    join = re.search(r"Join or decline here:\n(\S+)", invitation.body).group(1)

    context = browser.new_context(java_script_enabled=javascript)
    violations: list[str] = []
    watch_csp(context, violations)
    page = context.new_page()
    page.goto(join)
    expect(page.get_by_role("heading", name="Sign in to")).to_be_visible()
    page.get_by_role("link", name="Create your account").click()
    page.get_by_label("Work email").fill(EMAIL)
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(link_in_mail(r"https?://\S+/accounts/confirm-email/\S+"))
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Yes, confirm it").click()
    expect(page).to_have_url(join)
    expect(page.get_by_role("heading", name=engagement.title)).to_be_visible()
    expect(page.get_by_role("button", name="Join as a peer")).to_be_visible()
    context.close()
    assert not violations, "\n".join(violations)
