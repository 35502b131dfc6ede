"""Redis down: the cache is a miss (mentorship/cache.py), never a 500. People sign in,
pages answer, readiness stays green (a broker outage only delays mail: the outbox is in
PostgreSQL and the sweep sends it). Against real sockets: a port nobody listens on, and
one that accepts and never answers."""

import logging
import socket
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests import services
from tests.test_accounts import sign_in

pytestmark = pytest.mark.django_db


def caches_at(url: str) -> dict:
    """The settings' caches, their Redis moved to `url`: the backend and its options are
    production's."""
    return settings.CACHES | {"default": settings.CACHES["default"] | {"LOCATION": url}}


@pytest.fixture
def redis_down():
    """REDIS_URL at a port on this machine that nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with override_settings(CACHES=caches_at(f"redis://127.0.0.1:{port}/0")):
        yield


@pytest.fixture
def redis_silent():
    """REDIS_URL at a server that accepts connections and never answers (a hung Redis)."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    with override_settings(CACHES=caches_at(f"redis://127.0.0.1:{server.getsockname()[1]}/0")):
        yield
    server.close()
    for connection in held:
        connection.close()


def test_with_redis_down_people_sign_in_and_pages_answer(client, protege, admin, redis_down):
    response = sign_in(client, protege.email)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.get(reverse("home"), follow=True).status_code == 200
    assert client.get(reverse("directory:index")).status_code == 200
    assert client.get(reverse("readyz")).status_code == 200

    client.logout()
    assert sign_in(client, admin.email).status_code == 302
    response = client.get(reverse("reports:report"))
    assert response.status_code == 200
    assert response.context["funnel"]  # computed afresh: nothing to read from the cache


def test_with_redis_down_a_wrong_password_is_still_refused(client, protege, redis_down):
    response = sign_in(client, protege.email, password="not the password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_unreachable_cache_is_a_miss_and_says_so_once(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="mentorship.cache"):
        assert cache.get("figures", "absent") == "absent"
        assert cache.add("lock", True) is True  # "go ahead": the rate limits fail open
        cache.set("figures", 1)
        assert cache.get_or_set("figures", lambda: "computed") == "computed"
        assert cache.get_many(["a", "b"]) == {}
        with pytest.raises(ValueError):
            cache.incr("counter")
        assert cache.delete("figures") is False
    # One line for the outage, not one per call (the process waits before asking again).
    [line] = [r for r in caplog.records if "cache_unreachable" in r.getMessage()]
    assert line.levelno == logging.WARNING
    assert "Connection refused" in line.getMessage()


def test_a_hung_redis_costs_one_socket_timeout_then_nothing(redis_silent):
    started = time.monotonic()
    assert cache.get("figures") is None
    first = time.monotonic() - started
    assert first < 3, f"the first read waited {first:.1f}s"
    started = time.monotonic()
    for _ in range(10):  # a sign-in makes about this many calls
        cache.get("figures")
    assert time.monotonic() - started < 0.1


def test_the_cache_is_back_when_redis_is(monkeypatch):
    monkeypatch.setattr("mentorship.cache.RETRY_AFTER_SECONDS", 0)
    redis = services.RedisServer()
    redis.start()
    try:
        with override_settings(CACHES=caches_at(redis.url)):
            cache.set("figures", 42)
            redis.stop()
            assert cache.get("figures") is None
            redis.start()  # empty: nothing was saved
            cache.set("figures", 43)
            assert cache.get("figures") == 43
    finally:
        redis.stop()
