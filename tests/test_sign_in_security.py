"""Signing in safely: the admin's door, rate limits behind a proxy, the CSRF cookie."""

import pytest
from allauth.account import app_settings as account_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from tests.factories import PASSWORD, EmployeeFactory, make_login

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


@pytest.fixture
def superuser(db):
    employee = EmployeeFactory(full_name="Sam Superuser", title="IT Administrator")
    user = make_login(employee)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def totp_secret(superuser) -> str:
    secret = generate_totp_secret()
    TOTP.activate(superuser, secret)
    return secret


def admin_sign_in(client, user, password: str = PASSWORD):
    """What the Django admin's own form would post."""
    return client.post(
        reverse("admin:login"), {"username": user.username, "password": password, "next": "/admin/"}
    )


def test_the_admin_login_hands_over_to_the_sign_in_page_with_two_factor(
    client, superuser, totp_secret
):
    response = admin_sign_in(client, superuser)
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url == reverse("account_login") + "?next=%2Fadmin%2F"
    assert client.get(reverse("admin:index")).status_code == 302

    response = client.post(login_url, {"login": superuser.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(totp_secret)})
    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def per_ip_limit(action: str) -> int:
    """How many requests a minute one address gets for this allauth action."""
    rates = account_settings.RATE_LIMITS[action].split(",")
    return next(int(rate.split("/")[0]) for rate in rates if rate.endswith("/ip"))


def test_wrong_passwords_on_the_admin_path_are_rate_limited(client, superuser):
    login_url = admin_sign_in(client, superuser, "wrong password")["Location"]
    wrong = {"login": superuser.email, "password": "wrong password"}
    statuses = [client.post(login_url, wrong).status_code for _ in range(per_ip_limit("login"))]
    assert set(statuses) == {200}
    assert client.post(login_url, wrong).status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302
