"""A newcomer invited by email signs up from the invitation's link and ends up on the
engagement: `next` survives sign-in → sign-up → email confirmation, and only a same-site
`next` is ever followed."""

import re
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import EmployeeFactory, engagement_between

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long and unusual passphrase"
EMAIL = "nina.newcomer@example.com"


@pytest.fixture
def invitation(protege, mentor):
    """An engagement inviting Nina, imported from the employee list but never signed in."""
    newcomer = EmployeeFactory(full_name="Nina Newcomer", email=EMAIL)
    return engagement_between(protege, mentor, state="proposed", peers=[newcomer])


def confirmation_link(email: str = EMAIL) -> str:
    [message] = [m for m in mail.outbox if m.to == [email] and "confirm-email" in m.body]
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)


def sign_up_from_the_invitation(client: Client, engagement) -> str:
    """Follow the link, get sent to sign in, choose "Create your account", sign up."""
    path = engagement.get_absolute_url()
    login = client.get(path)
    assert login.status_code == 302
    login_page = client.get(login["Location"]).content.decode()
    signup_url = re.search(r'href="([^"]*/accounts/signup/[^"]*)"', login_page).group(1)
    assert f"next={quote(path, safe='')}" in signup_url.replace("&amp;", "&")
    form = client.get(signup_url.replace("&amp;", "&")).content.decode()
    assert f'name="next" value="{path}"' in form
    response = client.post(
        signup_url,
        {"email": EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": path},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_email_verification_sent"))
    return path


def test_a_newcomer_who_signs_up_from_an_invitation_lands_on_the_engagement(client, invitation):
    path = sign_up_from_the_invitation(client, invitation)
    link = confirmation_link()
    page = client.get(link).content.decode()
    assert f'name="next" value="{path}"' in page  # the confirm button carries it on
    response = client.post(link, {"next": path})
    assert response.status_code == 302
    assert response["Location"] == path
    page = client.get(path).content.decode()
    assert invitation.title in page and "Join as a peer" in page


def test_confirming_in_another_browser_still_leads_to_the_engagement(client, invitation):
    """The mail app opens the link in a browser without the sign-up's session: the link
    itself carries the destination, through sign-in."""
    path = sign_up_from_the_invitation(client, invitation)
    link = confirmation_link()
    assert f"next={quote(path, safe='')}" in link
    other = Client()
    response = other.post(link)
    assert response["Location"] == path
    login = other.get(path)
    assert login["Location"] == f"{reverse('account_login')}?next={path}"
    response = other.post(
        login["Location"], {"login": EMAIL, "password": NEW_PASSWORD, "next": path}
    )
    assert response["Location"] == path
    assert "Join as a peer" in other.get(path).content.decode()


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/phish", "//evil.example/phish", "http://evil.example"]
)
def test_an_external_next_is_ignored_through_sign_up_and_confirmation(client, elsewhere):
    response = client.post(
        reverse("account_signup") + f"?next={quote(elsewhere, safe='')}",
        {"email": EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": elsewhere},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    link = confirmation_link()
    assert "evil.example" not in link and "next=" not in link
    response = client.post(link + f"?next={quote(elsewhere, safe='')}", {"next": elsewhere})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert response["Location"] == reverse("home")  # signed in, on the home page
