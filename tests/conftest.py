"""Shared fixtures: the people every test talks about, and the real services they need.

The suite runs against real PostgreSQL and Redis and a real (headless) Chromium; when one
is missing it stops at once and says what to start, instead of failing 100 tests.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

# pytest-django's live_server runs in a thread next to Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    # Hashing a password as production does (PBKDF2, a million rounds) takes about half a
    # second here, and most tests sign several people in: the suite hashes with MD5.
    # PBKDF2 stays available for a password that a separate production process has to
    # check (tests/test_production.py).
    from django.conf import settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    problems = []
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append(
            "DATABASE_URL must point at PostgreSQL (make test sets "
            "postgres://postgres@127.0.0.1:5432/mentorship by default)."
        )
    elif not _reachable(database_url, 5432):
        problems.append(
            f"PostgreSQL is not reachable at {urlparse(database_url).netloc}: start it "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            "or set DATABASE_URL."
        )
    if not redis_url:
        problems.append("REDIS_URL is not set (make test sets redis://127.0.0.1:6379/0).")
    elif not _reachable(redis_url, 6379):
        problems.append(
            f"Redis is not reachable at {urlparse(redis_url).netloc}: start it "
            '(redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "") '
            "or set REDIS_URL."
        )
    if not shutil.which(CHROMIUM):
        problems.append(
            f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium "
            "(or set CHROMIUM_PATH). The browser tests need it."
        )
    if problems:
        pytest.exit("Cannot run the suite:\n  - " + "\n  - ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate-limit counters live in the (real, Redis) cache: every test starts fresh. So do
    # the drawings each process keeps ({% cache %}).
    from django.core.cache import cache, caches

    cache.clear()
    caches["template_fragments"].clear()
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_as(browser, live_server):
    """Open a browser of one's own, signed in, on a page: `browser_as(mentor, path)`
    (`password=DEMO_PASSWORD` for the seeded demo company's people).
    Each person gets a separate context (own cookies), as two people on two laptops.
    Any Content-Security-Policy violation in any of them fails the test (at teardown);
    `browser_as.csp_violations` lists them as they happen."""
    contexts = []
    violations: list[str] = []

    def open_as(person, path: str, *, javascript: bool = True, password: str = PASSWORD):
        context = browser.new_context(java_script_enabled=javascript)
        watch_csp(context, violations)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, person.email, password, next=path)
        expect(page).to_have_url(live_server.url + path)
        return page

    open_as.csp_violations = violations
    yield open_as
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


from tests.browser import sign_in, watch_csp  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.personas import *  # noqa: E402, F403
