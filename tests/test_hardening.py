"""Production hardening: the CSP (django-csp) and its report endpoint, health and readiness,
structured request logs, sessions, two-factor for programme admins, the secret key."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys

import pytest
from allauth.account import app_settings as account_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from celery import current_app
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import ConnectionHandler
from django.test import Client, override_settings
from django.urls import reverse

from mentorship import views
from tests.factories import PASSWORD, engagement_between
from tests.test_accounts import current_code, sign_in

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long and unusual passphrase"
ROOT = settings.BASE_DIR


# --- Content-Security-Policy ---------------------------------------------------------


def test_every_page_carries_a_strict_policy(client, protege, as_user):
    for response in [client.get(reverse("account_login")), as_user(protege).get("/engagements/")]:
        policy = dict(
            part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
        )
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert policy["report-uri"] == reverse("csp_report")
        assert "unsafe" not in response["Content-Security-Policy"]


def test_htmx_is_configured_never_to_evaluate_strings(client):
    page = client.get(reverse("account_login")).content.decode()
    config = json.loads(page.split('name="htmx-config" content=\'')[1].split("'")[0])
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]
    templates = list((ROOT / "templates").rglob("*.html"))
    # hx-on:click="..." / hx-on--click / hx-on::after-request: strings htmx would eval.
    handlers = re.compile(r"hx-on(:|-)")
    assert [str(t) for t in templates if handlers.search(t.read_text())] == []


def test_a_violation_report_is_logged(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://mentoring.example.com/engagements/",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "line-number": 12,
        }
    }
    with caplog.at_level(logging.WARNING):
        response = client.post(
            reverse("csp_report"), json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    [record] = [r for r in caplog.records if isinstance(r.msg, dict)]
    assert record.msg["event"] == "csp_violation"
    assert record.msg["blocked_uri"] == "inline"
    assert record.msg["violated_directive"] == "script-src-elem"
    assert record.msg["line_number"] == 12


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"csp-report": "x"}', b'{"csp-report": {"line-number": "twelve"}}'],
)
def test_what_is_not_a_report_is_refused_and_not_logged(client, caplog, body):
    response = client.post(reverse("csp_report"), body, content_type="application/csp-report")
    assert response.status_code == 400
    assert not [r for r in caplog.records if "csp_violation" in str(r.msg)]


def test_an_oversized_report_is_refused(client):
    body = json.dumps({"csp-report": {"blocked-uri": "x" * 20_000}})
    response = client.post(reverse("csp_report"), body, content_type="application/csp-report")
    assert response.status_code == 413


def test_a_flood_of_reports_from_one_address_is_dropped_unlogged(client, caplog):
    # Anyone may send reports and each writes a log line: one address gets a budget.
    body = json.dumps({"csp-report": {"blocked-uri": "inline"}})
    budget = int(account_settings.RATE_LIMITS["csp_report"].split("/")[0])

    def send(address: str) -> int:
        return client.post(
            reverse("csp_report"), body, content_type="application/csp-report", REMOTE_ADDR=address
        ).status_code

    assert {send("198.51.100.7") for _ in range(budget)} == {204}
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert send("198.51.100.7") == 429
    assert not [r for r in caplog.records if "csp_violation" in str(r.msg)]
    assert send("198.51.100.8") == 204  # another address still reports


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_browser_tests_catch_any_policy_violation(browser_as, protege, live_server, javascript):
    page = browser_as(protege, "/engagements/", javascript=javascript)
    assert browser_as.csp_violations == []

    # The real page with its real policy, as if a template had slipped in an inline style.
    def slipped(route):
        response = route.fetch()
        body = response.text().replace("<main ", '<main style="color: red" ', 1)
        route.fulfill(response=response, body=body)

    page.route(live_server.url + "/engagements/", slipped)
    report = reverse("csp_report")
    with (
        page.expect_console_message(lambda message: "style-src" in message.text),
        page.expect_response(lambda response: response.url.endswith(report)) as sent,
    ):
        page.reload()
    assert sent.value.status == 204  # the browser's own report, accepted and logged
    assert any("style-src" in v for v in browser_as.csp_violations), browser_as.csp_violations
    browser_as.csp_violations.clear()  # seen: the fixture must not fail this test for it


# --- Health and readiness ------------------------------------------------------------


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.content == b"ok"


def test_readyz_is_ready_when_database_and_migrations_are(client, monkeypatch):
    monkeypatch.setattr(views, "_all_migrated", False)
    response = client.get(reverse("readyz"))
    assert response.status_code == 200, response.content
    assert views._all_migrated is True


def test_readyz_says_so_when_a_migration_is_not_applied(client, monkeypatch):
    monkeypatch.setattr(views, "_all_migrated", False)
    MigrationRecorder.Migration.objects.filter(app="engagements").order_by("-id")[0].delete()
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.content == b"migrations: 1 not applied (run manage.py migrate)"


def test_readyz_says_the_database_is_down_without_naming_where_it_is(client, caplog, monkeypatch):
    """Anyone may ask /readyz: the driver's message (host, port, database) goes to the
    log only. A real connection attempt, to a database that does not exist."""
    elsewhere = ConnectionHandler(
        {"default": {**settings.DATABASES["default"], "NAME": "mentorship_does_not_exist"}}
    )["default"]
    monkeypatch.setattr(views, "connection", elsewhere)
    try:
        response = client.get(reverse("readyz"))
    finally:
        elsewhere.close()
    assert response.status_code == 503
    assert response.content == b"database: unavailable (the log says why)"
    [logged] = [r.msg for r in caplog.records if "database_unavailable" in str(r.msg)]
    assert "mentorship_does_not_exist" in logged["error"]


def test_a_wrong_host_is_a_400_not_an_error_with_a_traceback(client, caplog):
    response = client.get(reverse("healthz"), HTTP_HOST="evil.example.net")
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.name == "django.security.DisallowedHost"]


def test_readyz_stays_ready_when_redis_is_unreachable(client, monkeypatch):
    # A web process serves every page without Redis (tests/test_redis_down.py) and leaves
    # what it could not enqueue to the sweep: a Redis blip must not take every web
    # process out of the load balancer.
    monkeypatch.setattr(views, "_all_migrated", True)
    conf = current_app.conf
    saved = conf.broker_url
    closed_port = "redis://127.0.0.1:9/0"  # discard: nothing listens there
    conf.broker_url = closed_port
    caches = settings.CACHES | {"default": settings.CACHES["default"] | {"LOCATION": closed_port}}
    try:
        with override_settings(CACHES=caches):
            response = client.get(reverse("readyz"))
    finally:
        conf.broker_url = saved
    assert response.status_code == 200, response.content
    assert response.content == b"ok"


# --- Structured logs -----------------------------------------------------------------


def test_each_request_logs_one_line_with_its_pattern_status_duration_and_user(
    protege, mentor, as_user, caplog
):
    engagement = engagement_between(protege, mentor, state="proposed")
    client = as_user(protege)
    with caplog.at_level(logging.INFO):
        assert client.get(f"/engagements/{engagement.pk}/?q=Secret").status_code == 200
    lines = [r.msg for r in caplog.records if r.name == "django_structlog.middlewares.request"]
    assert len(lines) == 1
    [line] = lines
    assert line["event"] == "request_finished"
    assert line["method"] == "GET"
    assert line["route"] == "/engagements/<int:pk>/"  # the pattern, never the path
    assert line["status"] == 200
    assert line["duration_ms"] > 0
    assert line["user_id"] == protege.user.pk
    said = json.dumps(line)
    assert f"/engagements/{engagement.pk}/" not in said and "Secret" not in said


def test_a_failing_request_logs_its_pattern_never_its_path(protege, as_user, caplog, monkeypatch):
    def broken(form):
        raise RuntimeError("boom")

    monkeypatch.setattr("engagements.views.home.PageForm.number", broken)
    client = as_user(protege)
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        response = client.get("/engagements/history/?page=2&q=Secret")
    assert response.status_code == 500
    [line] = [r.msg for r in caplog.records if r.name == "django_structlog.middlewares.request"]
    assert line["event"] == "request_failed"
    assert line["route"] == "/engagements/history/"
    assert line["status"] == 500
    said = "\n".join(str(r.msg) + str(r.getMessage()) for r in caplog.records)
    assert "Secret" not in said and "history/?page" not in said
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_a_library_error_logs_its_traceback_as_text_in_one_json_line():
    # A plain standard-library logger, as Celery's and Django's are, in a process of
    # `make serve` (honcho names each one): its own settings, its own logging set-up.
    code = (
        "import logging\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('celery.app.trace').exception('Task failed')\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=production_env(
            SECRET_KEY=secrets.token_urlsafe(50), LOG_FORMAT="json", HONCHO_PROCESS_NAME="worker.1"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [line] = [json.loads(text) for text in result.stderr.splitlines() if "Task failed" in text]
    assert line["event"] == "Task failed" and line["level"] == "error"
    assert line["logger"] == "celery.app.trace" and line["process"] == "worker.1"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ZeroDivisionError: division by zero")
    assert "exc_info" not in line and "<traceback object" not in result.stderr


# --- Sessions and two-factor ---------------------------------------------------------


def test_signing_in_rotates_the_session(client, protege):
    before = client.session
    before["seen"] = True
    before.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key
    assert sign_in(client, protege.email).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before.session_key
    assert not SessionStore().exists(before.session_key)


def test_changing_the_password_signs_out_every_session(protege):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        sign_in(device, protege.email)
        assert device.get("/engagements/").status_code == 200
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    for device in (laptop, phone):
        page = device.get("/engagements/")
        assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))
    assert sign_in(phone, protege.email, NEW_PASSWORD).status_code == 302


def test_programme_admins_can_be_required_to_set_up_two_factor(client, admin, protege, settings):
    settings.MFA_REQUIRED_FOR_PROGRAMME_ADMINS = True
    colleague = Client()
    colleague.force_login(protege.user)
    assert colleague.get("/engagements/").status_code == 200  # not an admin: not asked

    sign_in(client, admin.email)
    response = client.get("/engagements/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert client.get("/directory/").status_code == 302

    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:  # sensitive: confirm the password first
        client.post(page["Location"], {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert Authenticator.objects.filter(user=admin.user, type="totp").exists()
    assert client.get("/engagements/").status_code == 200


def test_without_the_setting_admins_are_not_held_back(admin, as_user, settings):
    settings.MFA_REQUIRED_FOR_PROGRAMME_ADMINS = False
    assert as_user(admin).get("/engagements/").status_code == 200


# --- The secret key ------------------------------------------------------------------


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DEBUG="false", ALLOWED_HOSTS="mentoring.example.com", **overrides)
    return env


@pytest.mark.parametrize(
    "missing, message",
    [
        ("SECRET_KEY", "SECRET_KEY is not set, and DEBUG is off"),
        ("DATABASE_URL", "make serve: set DATABASE_URL"),
        ("REDIS_URL", "make serve: set REDIS_URL"),
    ],
)
def test_make_serve_refuses_to_start_and_names_what_is_missing(missing, message):
    env = production_env(SECRET_KEY=secrets.token_urlsafe(50))
    del env[missing]
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "a1b2c3" * 10, "ab" * 40])
def test_production_refuses_a_weak_secret_key(key):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(SECRET_KEY=key),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize("length", ["abc", "-5", "1e9"])
def test_a_report_with_a_nonsense_length_is_refused(client, length):
    response = client.post(
        reverse("csp_report"), b"{}", content_type="application/csp-report", CONTENT_LENGTH=length
    )
    assert response.status_code == 400


def test_health_says_the_database_is_down_and_readiness_says_it_once(client, monkeypatch):
    monkeypatch.setattr(views, "_database", lambda: "database: down")
    assert client.get(reverse("health")).status_code == 503
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.content.decode().count("database: down") == 1
    assert "migrations" not in response.content.decode()
