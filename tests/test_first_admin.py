"""The first programme admin of a new installation, as the README's Production section
says: `manage.py createsuperuser` (a superuser is an admin of every programme), then the
first sign-in sends a link that verifies the address, like everyone's."""

import pytest
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
