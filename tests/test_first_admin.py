"""The first programme admin of a new installation, as the README's Production section
says: `manage.py createsuperuser` (a superuser is an admin of every programme), then the
first sign-in sends a link that verifies the address, like everyone's."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from directory.models import Employee
from engagements.models import Program
from tests.test_accounts import confirm_from_mail, sign_in

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase"


def test_the_first_admin_is_a_superuser_who_verifies_their_address(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", interactive=False, username="ada", email="ada@example.com", verbosity=0
    )

    # Not in yet: the address is unverified, and the first sign-in emails a link.
    response = sign_in(client, "ada@example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert client.get(reverse("engagements:programme_settings_pick")).status_code == 302

    confirm_from_mail(client)
    assert sign_in(client, "ada@example.com", PASSWORD).status_code == 302
    # An admin of the default programme (everyone else gets a 404 there), with a
    # directory entry made at sign-in.
    program = Program.objects.get(is_default=True)
    page = client.get(reverse("engagements:programme_settings", args=[program.pk]))
    assert page.status_code == 200
    assert Employee.objects.get(user__username="ada").email == "ada@example.com"


def test_an_address_typed_with_capitals_signs_in_and_resets_in_any_case(client, monkeypatch):
    """Outlook writes First.Last@Company.com; allauth looks logins up in lower case."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser",
        interactive=False,
        username="ada",
        email="Ada.Lovelace@Example.com",
        verbosity=0,
    )
    assert get_user_model().objects.get(username="ada").email == "ada.lovelace@example.com"
    sign_in(client, "Ada.Lovelace@Example.com", PASSWORD)
    confirm_from_mail(client)
    response = sign_in(client, "ada.lovelace@example.com", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("engagements:home")).status_code == 200  # signed in

    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": "ADA.LOVELACE@example.com"})
    [reset] = mail.outbox
    assert "No account with this address" not in reset.subject + reset.body


def test_logins_with_capitals_from_before_are_put_in_lower_case():
    user = get_user_model().objects.create_user("bo", "bo@example.com", PASSWORD)
    get_user_model().objects.filter(pk=user.pk).update(email="Bo.Old@Example.com")
    upgrade = importlib.import_module("directory.migrations.0017_login_addresses_lower_case")
    upgrade.lower_case(apps, None)
    user.refresh_from_db()
    assert user.email == "bo.old@example.com"
