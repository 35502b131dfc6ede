"""People get the app's own 404 and 500 pages, also in the embedded default (`make run`),
which runs with DEBUG on: never Django's technical pages, which list the URL patterns
and show tracebacks (and whose inline styles the CSP blocks anyway)."""

import logging

import pytest
from django.test import Client
from django.urls import include, path, reverse

from tests.factories import engagement_between

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("the database fell over")


# This module is also the URLconf of the 500 tests: the app's URLs plus one that fails.
urlpatterns = [path("boom/", boom), path("", include("mentorship.urls"))]


@pytest.fixture(params=[True, False], ids=["debug on", "debug off"])
def debug(request, settings):
    # The embedded default runs with DEBUG on; production with DEBUG off.
    settings.DEBUG = request.param
    return request.param


def assert_our_page(response, template: str, status: int) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert template in [t.name for t in response.templates]
    assert "URLconf" not in html and "Traceback" not in html
    assert "<style" not in html and " style=" not in html  # nothing the CSP would block
    assert "/static/css/app.css" in html
    return html


def test_unknown_address_shows_our_404_page(debug, as_user, protege):
    response = as_user(protege).get("/no-such-page/")
    html = assert_our_page(response, "404.html", 404)
    assert 'class="site-header"' in html and "Not found" in html
    assert reverse("directory:index") in html  # a way back into the app
    assert "or it is not open to you." in html and "you are not part of" not in html


def test_outsider_following_a_link_to_an_engagement_gets_our_404_page(
    debug, as_user, protege, mentor, outsider
):
    engagement = engagement_between(protege, mentor)
    response = as_user(outsider).get(engagement.get_absolute_url())
    html = assert_our_page(response, "404.html", 404)
    assert engagement.title not in html
    assert "it belongs to an engagement you are not part of" in html


def test_unknown_address_still_gains_its_missing_slash(debug, as_user, protege):
    response = as_user(protege).get("/directory")
    assert response.status_code == 301
    assert response["Location"] == "/directory/"


@pytest.mark.urls(__name__)
def test_server_error_shows_our_500_page_and_logs_the_traceback(debug, protege, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(protege.user)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    html = assert_our_page(response, "500.html", 500)
    assert "Something went wrong" in html and "the database fell over" not in html
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info and "the database fell over" in str(record.exc_info[1])


def test_an_exception_another_middleware_answers_is_not_a_500(debug, as_user, protege):
    """Turning on two-factor first asks for the password again: allauth raises an
    exception that its middleware turns into that redirect. With DEBUG on, the error
    pages once answered it first, with a 500, so nobody could turn two-factor on in the
    embedded default."""
    response = as_user(protege).get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
