"""Signing in: who may sign up, verification, rate limits, two-factor, who sees what."""

import datetime as dt
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.urls import reverse

from directory.models import Employee
from tests.factories import PASSWORD, EmployeeFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long and unusual passphrase"


def sign_up(client, email: str):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def confirm_from_mail(client) -> None:
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    client.post(link.group(1))


@pytest.mark.parametrize(
    "url",
    [
        reverse("directory:index"),
        reverse("directory:employee", args=[1]),
        reverse("directory:profile_edit"),
        reverse("directory:import"),
        reverse("mfa_index"),
    ],
)
def test_every_page_asks_an_anonymous_visitor_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize(
    "url", [reverse("account_login"), reverse("account_signup"), reverse("account_reset_password")]
)
def test_sign_in_sign_up_and_password_reset_are_open(client, url):
    assert client.get(url).status_code == 200


def test_a_stranger_cannot_sign_up(client):
    response = sign_up(client, "someone@gmail.com")
    assert "use your work email address" in response.content.decode()
    assert not Employee.objects.filter(email="someone@gmail.com").exists()
    assert len(mail.outbox) == 0


def test_an_imported_employee_at_another_domain_can_sign_up(client):
    EmployeeFactory(full_name="Carla Contractor", email="carla@partner.org")
    response = sign_up(client, "Carla@Partner.org")
    assert response.status_code == 302
    assert len(mail.outbox) == 1


def test_a_new_colleague_signs_up_verifies_and_is_linked_to_the_directory(client):
    employee = EmployeeFactory(full_name="Nina Newcomer", email="nina.newcomer@example.com")
    sign_up(client, "nina.newcomer@example.com")
    # Not in until the address is verified.
    assert client.get(reverse("directory:index")).status_code == 302
    assert "confirm-email" in mail.outbox[0].body
    confirm_from_mail(client)
    response = sign_in(client, "nina.newcomer@example.com", NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("directory:index")).status_code == 200
    employee.refresh_from_db()
    assert employee.user.email == "nina.newcomer@example.com"


def test_a_company_address_not_yet_imported_gets_a_directory_entry_on_first_sign_in(client):
    sign_up(client, "fresh.face@example.com")
    confirm_from_mail(client)
    sign_in(client, "fresh.face@example.com", NEW_PASSWORD)
    response = client.get(reverse("directory:profile_edit"))
    assert response.status_code == 200
    assert Employee.objects.get(email="fresh.face@example.com").full_name == "Fresh Face"


def test_sign_in_links_the_login_to_the_employee_by_email(client, protege):
    user = protege.user
    protege.user = None
    protege.save()
    sign_in(client, protege.email)
    protege.refresh_from_db()
    assert protege.user == user


def test_repeated_failed_sign_ins_are_rate_limited(client, protege):
    for _ in range(5):
        response = sign_in(client, protege.email, "wrong password")
        assert "Too many failed" not in response.content.decode()
    response = sign_in(client, protege.email, PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("directory:index")).status_code == 302


def test_password_reset_mails_a_link(client, protege):
    client.post(reverse("account_reset_password"), {"email": protege.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2]  # now, whatever the tolerance
    return format_hotp_value(hotp_value(secret, counter))


def test_anyone_can_turn_on_two_factor_and_then_needs_the_code(client, protege):
    sign_in(client, protege.email)
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:  # sensitive: confirm the password first
        assert page["Location"].startswith(reverse("account_reauthenticate"))
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=protege.user, type="totp").exists()

    client.post(reverse("account_logout"))
    response = sign_in(client, protege.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("directory:index")).status_code == 302
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.get(reverse("directory:index")).status_code == 200


def test_a_code_from_the_half_minute_before_still_works_and_an_older_one_does_not(client, protege):
    """A phone's clock drifts, and a code typed as its window closes arrives in the next
    one: one 30-second step either way is accepted (MFA_TOTP_TOLERANCE), never more."""
    start = dt.datetime(2026, 11, 26, 12, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, protege.email)
        page = client.get(reverse("mfa_activate_totp"))
        if page.status_code == 302:  # sensitive: confirm the password first
            client.post(page["Location"], {"password": PASSWORD})
        assert client.get(reverse("mfa_activate_totp")).status_code == 200
        secret = client.session[SECRET_SESSION_KEY]
        code = current_code(secret)
        clock.shift(60)  # two windows later: refused
        client.post(reverse("mfa_activate_totp"), {"code": code})
        assert not Authenticator.objects.filter(user=protege.user, type="totp").exists()
        clock.shift(-30)  # the next window: still accepted
        client.post(reverse("mfa_activate_totp"), {"code": code})
        assert Authenticator.objects.filter(user=protege.user, type="totp").exists()


def test_the_health_check_needs_no_login(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200 and response.content == b"ok"


def test_pages_forbid_inline_scripts_and_framing(client):
    response = client.get(reverse("account_login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()
