"""Production mode, for real: `make serve` starts gunicorn, a Celery worker and one beat as
separate processes (honcho, from the Procfile) on PostgreSQL and a private Redis, with
SMTP pointed at a local sink. People talk to it over HTTP as browsers behind the company's
TLS proxy do: real session cookies, real CSRF tokens. Started once for the module."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.hashers import make_password
from django.db import connection

from engagements.models import Engagement
from tests import services
from tests.factories import PASSWORD, engagement_between
from tests.test_compose import image_health_check

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def teardown_wins_deadlocks():
    """Each test ends by truncating every table, while the servers' worker may still be
    reading some (the sweep runs every two seconds; deliveries follow each decision):
    two backends each holding a lock the other waits for. PostgreSQL breaks such a
    deadlock by failing whichever backend checks first, after its `deadlock_timeout`
    (1 s). This connection checks last, so a background task fails and runs again,
    never the teardown (a CI run failed on it once)."""
    with connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '60s'")


class Production:
    """`make serve` in its own process group; its log, parsed; stopped by its ids."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "-o", ".venv/.installed", "serve"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make serve exited:\n{self.log.read_text()}"
            if self.ready() and "celery@" in self.text() and " ready." in self.text():
                return
            time.sleep(0.3)
        raise AssertionError(f"not ready within {START_TIMEOUT} s:\n{self.log.read_text()}")

    def ready(self) -> bool:
        try:
            return HttpSession(self.port).get("/readyz").status == 200
        except OSError:
            return False

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> dict[str, int]:
        """honcho's processes by name ("web.1", "worker.1", "beat.1") and pid."""
        return {
            name: int(pid)
            for name, pid in re.findall(r"^(\w+\.\d+) started \(pid=(\d+)\)$", self.text(), re.M)
        }

    def lines(self, process: str) -> list[dict]:
        """The structured log lines one process wrote: each line a whole JSON document
        (honcho adds no prefix), naming its process."""
        found = [json.loads(line) for line in self.text().splitlines() if line.startswith("{")]
        return [line for line in found if line["process"] == process]

    def succeeded(self, task: str) -> list[str]:
        """The ids of this task's runs that the worker logged as started and succeeded."""
        lines = self.lines("worker.1")
        started = {line["task_id"] for line in lines if line.get("task") == task}
        return [
            line["task_id"]
            for line in lines
            if line["event"] == "task_succeeded" and line.get("task_id") in started
        ]

    def stop(self) -> None:
        if self.process is None:
            return
        children = self.children()
        if self.process.poll() is None:
            # honcho stops its children when it gets SIGTERM (make and honcho share a group).
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for pid in children.values():  # each in its own session: gone, or now they are
            if still_ours(pid):
                os.killpg(pid, signal.SIGKILL)


def still_ours(pid: int) -> bool:
    """The process is alive and still one of ours (not a later process given its pid)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"gunicorn" in command or b"celery" in command


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, text: str):
        self.status, self.headers, self.text = status, headers, text

    @property
    def location(self) -> str:
        return self.headers["Location"]

    def csrf_token(self) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text).group(1)


class HttpSession:
    """One person's browser, without the browser: it keeps cookies (Secure ones too: the
    TLS proxy in front says the request came over HTTPS) and sends forms with the page's
    CSRF token and its own origin."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], page: Response) -> Response:
        return self.request("POST", path, {**form, "csrfmiddlewaretoken": page.csrf_token()})

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Response(response.status, response.headers, text)

    def sign_in(self, email: str, next: str = "") -> Response:
        path = "/accounts/login/" + ("?" + urlencode({"next": next}) if next else "")
        page = self.get(path)
        assert page.status == 200, page.status
        response = self.post(path, {"login": email, "password": PASSWORD}, page)
        assert response.status == 302, response.text[:2000]
        return response


@pytest.fixture(scope="module")
def smtp_sink():
    sink = services.Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=services.free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture(scope="module")
def production(django_db_setup, django_db_blocker, smtp_sink, tmp_path_factory):
    redis = services.RedisServer()
    redis.start()
    tmp = tmp_path_factory.mktemp("production")
    port = services.free_port()
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    env = services.service_env(
        database_name=database, broker_url=redis.url, smtp_port=smtp_sink.port
    )
    env = {k: v for k, v in env.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        STATIC_ROOT=str(tmp / "static"),
        VAR_DIR=str(tmp / "var"),
        SWEEP_EVERY_SECONDS="2",  # beat proves itself within the test
        LOG_FORMAT="json",
    )
    server = Production(env, port, tmp / "serve.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        redis.stop()


def mail_text(message: Message) -> str:
    """The plain-text part (the first of the multipart/alternative)."""
    return message.get_payload()[0].get_payload(decode=True).decode()


def test_production_serves_health_readiness_static_files_and_the_strict_policy(production):
    browser = HttpSession(production.port)
    assert browser.get("/healthz").text == "ok"
    assert browser.get("/readyz").text == "ok"
    assert browser.get("/health/").text == "ok"  # the benchmarks' baseline
    page = browser.get("/accounts/login/")
    assert page.status == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    # whitenoise serves the manifest's hashed names, cacheable forever.
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.text).group(1)
    css = browser.get(stylesheet)
    assert css.status == 200 and "immutable" in css.headers["Cache-Control"]
    # Plain HTTP without the proxy's word is sent to HTTPS.
    plain = http.client.HTTPConnection("127.0.0.1", production.port, timeout=10)
    plain.request("GET", "/accounts/login/", headers={"Host": f"127.0.0.1:{production.port}"})
    assert plain.getresponse().status == 301
    plain.close()
    # The image's health check (the Dockerfile's, compose's) passes, over plain HTTP.
    check = [sys.executable, *image_health_check()[1:]]
    result = subprocess.run(check, env=production.env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_a_proposal_reaches_the_mentor_through_the_worker_and_the_link_accepts_it(
    production, smtp_sink, protege, mentor
):
    draft = engagement_between(protege, mentor, state="draft")
    # The server checks passwords with production's hashers, not the suite's fast one.
    for person in (protege, mentor):
        person.user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        person.user.save(update_fields=["password"])

    priya = HttpSession(production.port)
    priya.sign_in(protege.email)
    session_cookie = next(h for h in priya.set_cookie_headers if h.startswith("sessionid="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    page = priya.get(f"/engagements/{draft.pk}/")
    assert page.status == 200
    refused = priya.request("POST", f"/engagements/{draft.pk}/propose/", {})
    assert refused.status == 403  # no CSRF token, no proposal
    proposed = priya.post(f"/engagements/{draft.pk}/propose/", {}, page)
    assert proposed.status == 302, proposed.text[:2000]
    draft.refresh_from_db()
    assert draft.state == Engagement.State.PROPOSED

    assert services.wait_for(lambda: smtp_sink.to(mentor.email), timeout=60), production.text()
    [message] = smtp_sink.to(mentor.email)
    link = next(w for w in mail_text(message).split() if "/engagements/decide/" in w)
    assert link.startswith(f"https://127.0.0.1:{production.port}/")
    path = urlsplit(link).path

    # Daniel opens the link signed out: signs in, lands on it, presses its one button.
    daniel = HttpSession(production.port)
    opened = daniel.get(path)
    assert opened.status == 302 and opened.location.startswith("/accounts/login/")
    assert daniel.sign_in(mentor.email, next=path).location == path
    decide = daniel.get(path)
    assert decide.status == 200
    draft.refresh_from_db()
    assert draft.state == Engagement.State.PROPOSED  # opening the link changed nothing
    accepted = daniel.post(path, {}, decide)
    assert accepted.status == 302
    draft.refresh_from_db()
    assert draft.state == Engagement.State.ACTIVE

    # One structured line per request, with the URL pattern and who asked.
    [line] = [
        line
        for line in production.lines("web.1")
        if line.get("route") == "/engagements/<int:pk>/propose/" and line["status"] == 302
    ]
    assert line["method"] == "POST" and line["user_id"] == protege.user.pk
    assert line["duration_ms"] > 0 and line["event"] == "request_finished"
    # The worker's task lines carry their task id.
    assert production.succeeded("engagements.tasks.deliver_engagement"), production.text()
    # Priya hears of the acceptance by email too (and the worker is done with it).
    assert services.wait_for(lambda: smtp_sink.to(protege.email), timeout=60), production.text()


def test_exactly_one_beat_schedules_the_sweep_and_the_worker_runs_it(production):
    assert sorted(production.children()) == ["beat.1", "web.1", "worker.1"]

    sent = lambda: [line for line in production.lines("beat.1") if "sweep" in line["event"]]  # noqa: E731
    assert services.wait_for(sent, timeout=30), production.text()
    assert services.wait_for(lambda: production.succeeded("engagements.tasks.sweep"), timeout=30), (
        production.text()
    )
