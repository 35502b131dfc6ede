"""SMTP from the environment: a mail server that never answers fails the send within
EMAIL_TIMEOUT (it hung a password reset until gunicorn killed the worker), and port 465
(implicit TLS, EMAIL_USE_SSL) works. Through `manage.py sendtestemail`, with the settings
as production reads them, against a real socket that accepts and says nothing."""

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings

from tests.services import wait_for

ROOT = settings.BASE_DIR
# Long enough for a process to start and give up after EMAIL_TIMEOUT=1, short enough
# that a send with no timeout (the defect) fails the test instead of hanging the suite.
PATIENCE = 20


class SilentServer:
    """Accepts connections on 127.0.0.1 and never sends a byte; keeps what clients send."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.received: list[bytes] = []
        self.connections: list[socket.socket] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed: the test is over
                return
            self.connections.append(connection)
            connection.settimeout(PATIENCE)
            try:
                self.received.append(connection.recv(1024))
            except OSError:
                self.received.append(b"")

    def close(self) -> None:
        self.socket.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def smtp_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update(EMAIL_HOST="127.0.0.1", **overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )


def test_a_mail_server_that_never_answers_fails_the_send_within_the_timeout(silent_server):
    env = smtp_env(EMAIL_PORT=str(silent_server.port), EMAIL_USE_TLS="false", EMAIL_TIMEOUT="1")
    started = time.monotonic()
    result = manage("sendtestemail", "priya@example.com", env=env)
    took = time.monotonic() - started
    assert result.returncode != 0
    assert "timed out" in result.stderr
    assert took < 10, f"the send waited {took:.1f}s"
    assert wait_for(lambda: silent_server.received, timeout=5)
    assert silent_server.received == [b""]  # SMTP waits for the server's greeting


def test_port_465_speaks_tls_from_the_first_byte(silent_server):
    env = smtp_env(EMAIL_PORT=str(silent_server.port), EMAIL_USE_SSL="true", EMAIL_TIMEOUT="1")
    result = manage("sendtestemail", "priya@example.com", env=env)
    assert result.returncode != 0
    assert "timed out" in result.stderr
    # A TLS handshake record (0x16) opens the connection, where SMTP would wait to be greeted.
    assert wait_for(lambda: silent_server.received, timeout=5)
    [first] = silent_server.received
    assert first[:1] == b"\x16"


SHOW = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)"
)


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "587 True False 10"),
        ({"EMAIL_USE_SSL": "true"}, "465 False True 10"),
        ({"EMAIL_USE_SSL": "true", "EMAIL_PORT": "2465"}, "2465 False True 10"),
        ({"EMAIL_USE_TLS": "false", "EMAIL_PORT": "25", "EMAIL_TIMEOUT": "3"}, "25 False False 3"),
    ],
)
def test_smtp_settings_from_the_environment(env, expected):
    result = manage("shell", "--no-imports", "-c", SHOW, env=smtp_env(**env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    "env, message",
    [
        ({"EMAIL_USE_SSL": "true", "EMAIL_USE_TLS": "true"}, "EMAIL_USE_SSL and EMAIL_USE_TLS"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT must be at least 1"),
        ({"EMAIL_TIMEOUT": "soon"}, "EMAIL_TIMEOUT must be a whole number"),
    ],
)
def test_contradictory_or_nonsense_smtp_settings_fail_loudly(env, message):
    result = manage("check", env=smtp_env(**env))
    assert result.returncode != 0
    assert message in result.stderr
