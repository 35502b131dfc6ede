"""allauth's emails go out during the request: with the mail server down, signing up and
asking for a password link are not a 500. The account is saved, the page says the email
did not go and what to do, and the next visit to the page is the usual one."""

import socket

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import EmployeeFactory, make_login

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-Long-new-pass-4821"


@pytest.fixture
def mail_server_down():
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=2,
    ):
        yield


def test_a_password_link_asked_for_while_mail_is_down_says_it_did_not_go(mail_server_down):
    person = EmployeeFactory(full_name="Rosa Mendes", email="rosa@example.com")
    make_login(person)
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": person.email})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The email could not be sent" in page
    assert "Ask for the password link again in a few minutes." in page
    again = client.get(response["Location"]).content.decode()  # told once
    assert "The email could not be sent" not in again and "Check your email" in again


def test_a_sign_up_while_mail_is_down_is_saved_and_says_what_to_do(mail_server_down):
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": "new.person@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The email could not be sent" in page
    assert "Your account is saved. In a few minutes, sign in" in page
    assert "We have sent" not in page and "Check your email" not in page
    assert get_user_model().objects.filter(email="new.person@example.com").exists()
