"""Single sign-on with OpenID Connect, against a real provider: oidc-provider-mock runs as
its own process on 127.0.0.1, the browser signs in on the provider's page and comes back
to the app. Accounts are matched to imported employees by the address the provider
verified; anyone else is refused."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from directory.models import Employee
from tests import services
from tests.browser import assert_accessible, watch_csp
from tests.factories import EmployeeFactory, make_login

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent

# The people the company's provider knows, and what it says about them.
PEOPLE = {
    "ada": {"email": "ada.lovelace@example.com", "email_verified": True, "name": "Ada Lovelace"},
    "priya": {"email": "priya.patel@example.com", "email_verified": True},
    "mallory": {"email": "mallory@elsewhere.org", "email_verified": True},
    "newcomer": {"email": "new.colleague@example.com", "email_verified": True},
    "unverified": {"email": "grace.hopper@example.com", "email_verified": False},
}


@pytest.fixture(scope="module")
def provider():
    """oidc-provider-mock on a free port, stopped by its pid."""
    port = services.free_port()
    command = [str(Path(sys.executable).with_name("oidc-provider-mock")), "--port", str(port)]
    for sub, claims in PEOPLE.items():
        command += ["--user-claims", json.dumps({"sub": sub, **claims})]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ}
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                with urlopen(url + "/.well-known/openid-configuration", timeout=2) as answer:
                    return answer.status == 200
            except OSError:
                return False

        assert services.wait_for(up, timeout=30), "oidc-provider-mock did not start"
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def company_provider(server_url: str) -> dict:
    """SOCIALACCOUNT_PROVIDERS as OIDC_SERVER_URL and friends make it (checked below)."""
    app = {
        "provider_id": "company",
        "name": "Acme sign-in",
        "client_id": "mentoring",
        "secret": "mentoring-secret",
        "settings": {"server_url": server_url},
    }
    return {"openid_connect": {"APPS": [app]}}


@pytest.fixture
def company_sso(provider, settings):
    """The settings OIDC_SERVER_URL and friends produce, for this provider."""
    settings.SOCIALACCOUNT_PROVIDERS = company_provider(provider)
    policy = django_settings.CONTENT_SECURITY_POLICY
    directives = policy["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        **policy,
        "DIRECTIVES": {**directives, "form-action": [*directives["form-action"], provider]},
    }
    return provider


@pytest.fixture
def sso_browser(browser, live_server, company_sso):
    """A fresh browser that signs in through the company's provider as one of PEOPLE.
    Any CSP violation on our pages fails the test, as in every browser test."""
    contexts, violations = [], []

    def sign_in_as(sub: str, *, javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript)
        watch_csp(context, violations)
        # The provider's page links a stylesheet from a CDN; nothing leaves this machine.
        context.route(lambda url: url.startswith("https://"), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + reverse("account_login"))
        page.get_by_role("link", name="Acme sign-in").click()
        page.get_by_role("button", name="Continue to Acme sign-in").click()
        expect(page).to_have_url(re.compile("^" + re.escape(company_sso)))  # the provider
        page.get_by_role("button", name=sub, exact=True).click()
        page.wait_for_load_state()
        return page

    yield sign_in_as
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.mark.browser
def test_an_imported_employee_signs_in_through_the_company_provider(sso_browser, live_server):
    ada = EmployeeFactory(full_name="Ada Lovelace", title="Analyst")
    assert ada.user is None  # imported, never signed in
    page = sso_browser("ada")
    expect(page).to_have_url(live_server.url + reverse("engagements:home"))
    expect(page.locator(".menu-who")).to_contain_text(ada.email, use_inner_text=False)
    assert_accessible(page)
    ada.refresh_from_db()
    assert ada.user is not None and ada.user.email == ada.email
    assert SocialAccount.objects.get(user=ada.user, provider="company").uid == "ada"
    assert get_user_model().objects.count() == 1


@pytest.mark.browser
def test_an_employee_with_a_password_login_lands_in_that_same_account(
    sso_browser, live_server, protege
):
    page = sso_browser("priya", javascript=False)
    expect(page).to_have_url(live_server.url + reverse("engagements:home"))
    assert get_user_model().objects.filter(email__iexact=protege.email).count() == 1
    assert SocialAccount.objects.get(provider="company", uid="priya").user == protege.user


@pytest.mark.browser
@pytest.mark.parametrize(
    "sub",
    [
        "mallory",  # verified, but not the company's and not in the directory
        "newcomer",  # a company address, but not an imported employee
        "unverified",  # an imported employee's address the provider does not vouch for
    ],
)
def test_sign_up_from_any_other_address_is_refused(sso_browser, live_server, sub):
    EmployeeFactory(full_name="Grace Hopper")  # "unverified" claims her address
    page = sso_browser(sub)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-up is for employees")
    assert get_user_model().objects.count() == 0
    assert SocialAccount.objects.count() == 0
    assert not Employee.objects.filter(user__isnull=False).exists()


@pytest.mark.browser
def test_an_unverified_address_never_signs_in_to_the_existing_account(sso_browser, live_server):
    grace = EmployeeFactory(full_name="Grace Hopper")
    make_login(grace)
    page = sso_browser("unverified")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-up is for employees")
    assert SocialAccount.objects.count() == 0
    grace.user.refresh_from_db()
    assert grace.user.has_usable_password()


def test_single_sign_on_is_configured_from_the_environment():
    env = {
        **os.environ,
        "OIDC_SERVER_URL": "https://sso.acme.example/realms/staff/",
        "OIDC_CLIENT_ID": "mentoring",
        "OIDC_CLIENT_SECRET": "s3cret",
        "OIDC_NAME": "Acme sign-in",
    }
    script = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SOCIALACCOUNT_PROVIDERS, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    providers, form_action = json.loads(result.stdout.strip().splitlines()[-1])
    [app] = providers["openid_connect"]["APPS"]
    assert app == {
        "provider_id": "company",
        "name": "Acme sign-in",
        "client_id": "mentoring",
        "secret": "s3cret",
        "settings": {"server_url": "https://sso.acme.example/realms/staff"},
    }
    # The sign-in form's POST is redirected to the provider: form-action allows its origin.
    assert form_action == ["'self'", "https://sso.acme.example"]


def test_a_provider_that_does_not_answer_is_a_page_offering_the_password(client, settings):
    """OIDC_SERVER_URL pointing where nothing listens (a provider down, a typo)."""
    nobody_there = f"http://127.0.0.1:{services.free_port()}/"
    settings.SOCIALACCOUNT_PROVIDERS = company_provider(nobody_there)
    url = reverse("openid_connect_login", kwargs={"provider_id": "company"})
    response = client.post(url)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Company sign-in is not answering right now" in html
    assert f'href="{reverse("account_login")}"' in html
