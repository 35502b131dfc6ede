"""The account pages and emails speak as the product, plainly, and say honestly when an
email was held back."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long and unusual passphrase"
HELD_BACK = "We already sent you an email a moment ago; check your inbox or try again"
# allauth's own wording, which none of our pages should show.
ALLAUTH_DEFAULTS = [
    "Sign Up",
    "Sign In",
    "Email:",
    "Verify Your Email Address",
    "Password Reset",
    "Change Password",
    "Make Primary",
    "Re-send Verification",
    "Two-Factor Authentication",
    "Authenticator App",
    "Activate",
    "third-party",
]


def page_text(response) -> str:
    return response.content.decode()


def sign_up(client, email: str):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )


def test_the_sign_up_page_uses_the_products_name(client):
    text = page_text(client.get(reverse("account_signup")))
    assert f"<h1>Join {settings.SITE_NAME}</h1>" in text
    assert '<label for="id_email">Work email</label>' in text
    assert not [phrase for phrase in ALLAUTH_DEFAULTS if phrase in text]


def test_the_verification_email_names_the_product_not_the_host_or_the_username(client):
    sign_up(client, "tom.becker@example.com")
    [message] = mail.outbox
    assert message.subject == f"{settings.SITE_NAME}: Confirm your email address"
    assert f"Welcome to {settings.SITE_NAME}!" in message.body
    assert "/accounts/confirm-email/" in message.body
    for leak in ["[testserver", "[127.0.0.1", "tom.becker has given", "user tom.becker"]:
        assert leak not in message.subject + message.body


def test_sign_up_says_the_email_was_sent(client):
    response = sign_up(client, "tom.becker@example.com")
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "We&#x27;ve sent an email to tom.becker@example.com." in page_text(response)


def test_a_verification_email_held_back_by_the_cooldown_is_owned_up_to(client):
    sign_up(client, "tom.becker@example.com")
    signing_in = {"login": "tom.becker@example.com", "password": NEW_PASSWORD}

    response = client.post(reverse("account_login"), signing_in, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert HELD_BACK in page_text(response)
    assert "We&#x27;ve sent" not in page_text(response)
    assert len(mail.outbox) == 1

    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        response = client.post(reverse("account_login"), signing_in, follow=True)
    assert "We&#x27;ve sent an email to tom.becker@example.com." in page_text(response)
    assert HELD_BACK not in page_text(response)
    assert len(mail.outbox) == 2


def test_a_second_password_reset_email_within_minutes_is_held_back_and_we_say_so(client, protege):
    response = client.post(reverse("account_reset_password"), {"email": protege.email})
    assert response["Location"] == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.subject == f"{settings.SITE_NAME}: Reset your password"

    response = client.post(reverse("account_reset_password"), {"email": protege.email})
    assert response.status_code == 429
    assert HELD_BACK in page_text(response)
    assert len(mail.outbox) == 1


def test_the_password_reset_email_is_plain_and_names_the_product(client, protege):
    client.post(reverse("account_reset_password"), {"email": protege.email})
    body = mail.outbox[0].body
    assert body.startswith("Hi,\n\nSomeone (we hope you) asked to reset the password for your")
    assert re.search(r"https?://\S+/accounts/password/reset/key/\S+", body)
    assert body.rstrip().endswith(f"— {settings.SITE_NAME}")


@pytest.mark.parametrize(
    "url",
    [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_email_verification_sent"),
        reverse("account_confirm_email", args=["no-such-key"]),
        reverse("account_reset_password_from_key", kwargs={"uidb36": "x", "key": "y"}),
    ],
)
def test_every_page_on_the_way_in_is_in_our_words(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    text = page_text(response)
    assert settings.SITE_NAME in text
    assert not [phrase for phrase in ALLAUTH_DEFAULTS if phrase in text]


@pytest.mark.parametrize(
    "url",
    [
        reverse("account_change_password"),
        reverse("account_email"),
        reverse("account_logout"),
        reverse("account_reauthenticate"),
        reverse("mfa_index"),
    ],
)
def test_every_account_page_is_in_our_words(as_user, protege, url):
    response = as_user(protege).get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert settings.SITE_NAME in text
    assert "<h1>" in text
    assert not [phrase for phrase in ALLAUTH_DEFAULTS if phrase in text]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_sign_up_and_password_reset_are_accessible_and_worded_plainly(
    page: Page, live_server, protege
):
    page.goto(live_server.url + reverse("account_login"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sign in to {settings.SITE_NAME}")
    assert_accessible(page)

    page.get_by_role("link", name="Create your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Join {settings.SITE_NAME}")
    expect(page.get_by_label("Work email")).to_be_visible()
    expect(page.get_by_label("Choose a password")).to_be_visible()
    expect(page.get_by_role("button", name="Create my account")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + reverse("account_reset_password"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    page.get_by_label("Work email").fill(protege.email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    sign_in(page, live_server, protege.email, PASSWORD, next=reverse("mfa_index"))
    expect(page.get_by_role("heading", name="Authenticator app")).to_be_visible()
    assert_accessible(page)


@pytest.fixture
def company_sign_in(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "company",
                    "name": "Acme sign-in",
                    "client_id": "mentoring",
                    "secret": "not-a-secret",
                    "settings": {"server_url": "https://sso.example.com"},
                }
            ]
        }
    }


def test_company_single_sign_on_is_offered_in_our_words(client, company_sign_in):
    text = page_text(client.get(reverse("account_login")))
    assert "Or use your company sign-in" in text
    start = reverse("openid_connect_login", kwargs={"provider_id": "company"})
    assert f'href="{start}?process=login">Acme sign-in</a>' in text

    text = page_text(client.get(start))
    assert "<h1>Sign in with Acme sign-in</h1>" in text
    assert not [phrase for phrase in ALLAUTH_DEFAULTS if phrase in text]
