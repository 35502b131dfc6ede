"""DATABASE_URL: a password that breaks the URL (a / or # from `openssl rand -base64`)
stops the app with a message naming DATABASE_URL and what to do, never the password;
a URL-safe one, as the README's .env makes it, reaches the database as it is."""

import os
import re
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.core.exceptions import ImproperlyConfigured
from ruamel.yaml import YAML

from mentorship import env
from tests.test_compose import COMPOSE, readme_env_file

ROOT = Path(__file__).resolve().parent.parent
SQLITE = "sqlite:////srv/mentoring/db.sqlite3"


def compose_database_url(password: str) -> str:
    """DATABASE_URL as docker-compose.yml builds it from POSTGRES_PASSWORD."""
    template = YAML(typ="safe").load(COMPOSE.read_text())["x-app"]["environment"]["DATABASE_URL"]
    return re.sub(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", lambda _: password, template)


@pytest.mark.parametrize(
    "password",
    [
        "q8Z/4kP+xw2=",  # base64: a / cuts the address short, the URL does not parse
        "q8Z#4kP",  # a # starts a fragment
        "q8Z?4kP",  # a ? starts a query
        "2024/Spring",  # worse: parses, into host "mentorship", port 2024, a name with an @
    ],
)
def test_a_password_that_breaks_the_url_is_refused_naming_database_url(monkeypatch, password):
    monkeypatch.setenv("DATABASE_URL", compose_database_url(password))
    with pytest.raises(ImproperlyConfigured) as refused:
        env.database_url(SQLITE)
    message = str(refused.value)
    assert message.startswith("DATABASE_URL is not a database URL")
    assert "percent-encoded" in message and "%2F" in message
    assert "openssl rand -hex 32" in message
    # The password, or any part of it that might be a secret, stays out of the logs.
    assert not [part for part in re.split(r"[/#?]", password) if part in message]


@pytest.mark.parametrize("url", ["postgress://mentorship@db/mentorship", "db:5432", ""])
def test_a_url_that_is_no_database_url_is_refused_too(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="^DATABASE_URL is not a database URL"):
        env.database_url(SQLITE)


def test_the_password_percent_encoded_reaches_the_database_as_it_is(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", compose_database_url("q8Z%2F4kP%2Bxw2%3D"))
    config = dj_database_url.parse(env.database_url(SQLITE))
    assert (config["USER"], config["PASSWORD"]) == ("mentorship", "q8Z/4kP+xw2=")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db", 5432, "mentorship")


def test_the_readme_s_password_is_url_safe(monkeypatch, tmp_path):
    password = readme_env_file(tmp_path)["POSTGRES_PASSWORD"]
    assert re.fullmatch(r"[0-9a-f]{64}", password)
    monkeypatch.setenv("DATABASE_URL", compose_database_url(password))
    config = dj_database_url.parse(env.database_url(SQLITE))
    assert (config["PASSWORD"], config["HOST"], config["NAME"]) == (password, "db", "mentorship")


def test_without_database_url_the_embedded_default_is_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    assert env.database_url("sqlite:////home/a@b/db.sqlite3") == "sqlite:////home/a@b/db.sqlite3"


def test_every_process_refuses_to_start_and_names_database_url():
    password = "q8Z/4kP+xw2="
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": compose_database_url(password)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not a database URL" in result.stderr
    assert "q8Z" not in result.stderr
