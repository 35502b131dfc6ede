"""Signing in safely: the admin's door, rate limits behind a proxy, the CSRF cookie."""

import ipaddress
import os
import subprocess
import sys

import pytest
from allauth.account import app_settings as account_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.test import Client
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


def test_a_colleague_who_is_not_staff_is_turned_away_from_the_admin(as_user, protege):
    client = as_user(protege)
    assert client.get(reverse("admin:login")).status_code == 403
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="site-header"' in page  # in the layout
    panel = refusal_of(page)
    # Saying why and where to go; a programme's links only to its admins.
    assert "The site administration is for the people who run this installation" in panel
    assert f"{protege.email} is not one of them" in panel
    assert 'href="/"' in page and reverse("reports:report") not in page
    assert '<a href="/engagements/">Go to My engagements</a>' in panel
    assert "You run a programme" not in panel


def refusal_of(page: str) -> str:
    """The 403 page's own panel (the layout's menu has links of its own)."""
    start = page.index("<h1>This page is not open to you</h1>")
    return page[start : page.index("</section>", start)]


def test_a_programme_admin_turned_away_from_the_admin_is_shown_their_programme(as_user, admin):
    response = as_user(admin).get("/admin/", follow=True)
    assert response.status_code == 403
    assert f'href="{reverse("reports:report")}"' in response.content.decode()
    panel = refusal_of(response.content.decode())
    assert "You run a programme: its engagements are under" in panel
    assert f'<a href="{reverse("reports:report")}">Reports</a>' in panel


def test_a_form_out_of_date_says_what_to_do_and_changes_nothing(protege):
    client = Client(enforce_csrf_checks=True)
    client.force_login(protege.user)
    client.get(reverse("engagements:home"))  # a page, and its token in the cookie
    before = protege.user.password
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "x-New-pass-9876", "password2": "x-New-pass-9876"},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form was out of date, and nothing was changed" in page
    assert "Go back: what you typed is usually still there" in page
    protege.user.refresh_from_db()
    assert protege.user.password == before


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


# Behind the TLS proxy at 10.0.0.2, every request arrives from it; the proxy appends the
# address it saw to X-Forwarded-For.
PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/24")]


def sign_in(client, email: str, password: str, *, via: str = PROXY, forwarded_for: str = ""):
    headers = {"REMOTE_ADDR": via}
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def is_locked_out(response) -> bool:
    return "Too many failed login attempts" in response.content.decode()


def test_one_persons_failures_behind_the_proxy_do_not_lock_out_a_colleague(
    client, behind_proxy, protege, peer
):
    for _ in range(per_ip_limit("login_failed")):
        sign_in(client, protege.email, "guess", forwarded_for="203.0.113.7")
    # That address is shut out now, even with a right password ...
    assert is_locked_out(sign_in(client, peer.email, PASSWORD, forwarded_for="203.0.113.7"))
    # ... but a colleague coming through the same proxy is not.
    response = sign_in(Client(), peer.email, PASSWORD, forwarded_for="198.51.100.20")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_forwarded_for_header_from_outside_our_proxies_is_ignored(
    client, behind_proxy, protege, peer
):
    for n in range(per_ip_limit("login_failed")):
        sign_in(client, protege.email, "guess", via="203.0.113.7", forwarded_for=f"192.0.2.{n}")
    response = sign_in(client, peer.email, PASSWORD, via="203.0.113.7", forwarded_for="192.0.2.99")
    assert is_locked_out(response)


def test_addresses_a_client_writes_in_front_of_the_proxys_are_ignored(
    client, behind_proxy, protege, peer
):
    for n in range(per_ip_limit("login_failed")):
        sign_in(client, protege.email, "guess", forwarded_for=f"192.0.2.{n}, 203.0.113.7")
    response = sign_in(client, peer.email, PASSWORD, forwarded_for="192.0.2.99, 203.0.113.7")
    assert is_locked_out(response)


def test_the_attacked_account_stays_locked_whichever_address_the_guesses_come_from(
    client, behind_proxy, protege
):
    for n in range(5):
        assert not is_locked_out(
            sign_in(client, protege.email, "guess", forwarded_for=f"203.0.113.{n}")
        )
    response = sign_in(Client(), protege.email, PASSWORD, forwarded_for="198.51.100.20")
    assert is_locked_out(response)


def test_a_malformed_trusted_proxies_setting_fails_loudly():
    env = {**os.environ, "TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES must list IP addresses or networks" in result.stderr


def test_the_csrf_cookie_is_out_of_reach_of_scripts(client):
    response = client.get(reverse("account_login"))
    assert response.cookies["csrftoken"]["httponly"] is True
    # htmx still gets the token, from the page itself.
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.content.decode()
