"""`manage.py check --deploy` names each development default that production has not
replaced (mentorship/checks.py), with the environment variable to set. Mail that would
never leave stops every command that runs the checks, migrate first: production does not
start on it."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import ERROR, WARNING, run_checks
from django.test import override_settings
from ruamel.yaml import YAML

# What `make run` gives when nothing is set.
DEVELOPMENT = {
    "DEBUG": False,
    "SITE_URL": "http://127.0.0.1:8000",
    "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
    "COMPANY_DOMAINS": ["example.com"],
    "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    "DEFAULT_FROM_EMAIL": "Micro-mentoring <mentoring@example.com>",
}
PRODUCTION = {
    "DEBUG": False,
    "SITE_URL": "https://mentoring.acme.co.uk",
    "ALLOWED_HOSTS": ["mentoring.acme.co.uk"],
    "COMPANY_DOMAINS": ["acme.co.uk", "acme.de"],
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "DEFAULT_FROM_EMAIL": "Micro-mentoring <mentoring@acme.co.uk>",
}


def our_problems(deploy: bool = True, **overrides) -> dict:
    """Our checks' findings by id, as `check --deploy` runs them (or, deploy=False, as
    every other command that runs the checks does: migrate, runserver, check)."""
    with override_settings(**overrides):
        found = run_checks(include_deployment_checks=deploy)
    return {problem.id: problem for problem in found if problem.id.startswith("mentorship.")}


def test_development_defaults_in_production_are_each_named_with_what_to_set():
    problems = our_problems(**DEVELOPMENT)
    expected = {
        "mentorship.E001": (ERROR, "SITE_URL"),
        "mentorship.E002": (ERROR, "ALLOWED_HOSTS"),
        "mentorship.E003": (ERROR, "EMAIL_HOST"),
        "mentorship.W001": (WARNING, "COMPANY_DOMAINS"),
        "mentorship.W002": (WARNING, "DEFAULT_FROM_EMAIL"),
    }
    assert sorted(problems) == sorted(expected)
    for id, (level, variable) in expected.items():
        assert problems[id].level == level
        assert variable in problems[id].hint
    assert "http://127.0.0.1:8000" in problems["mentorship.E001"].msg
    assert "written to files" in problems["mentorship.E003"].msg
    assert "example.com" in problems["mentorship.W001"].msg


def test_a_production_configured_for_the_company_passes():
    assert our_problems(**PRODUCTION) == {}


def test_with_debug_on_the_defaults_are_fine():
    assert our_problems(**DEVELOPMENT | {"DEBUG": True}) == {}


@pytest.mark.parametrize(
    "setting, value, id",
    [
        ("SITE_URL", "http://localhost:8000", "mentorship.E001"),
        ("SITE_URL", "https://[::1]", "mentorship.E001"),
        ("SITE_URL", "mentoring.acme.co.uk", "mentorship.E001"),  # no scheme: no host
        ("ALLOWED_HOSTS", ["::1", ".localhost"], "mentorship.E002"),
        ("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "mentorship.E003"),
        ("COMPANY_DOMAINS", ["acme.co.uk", "corp.example"], "mentorship.W001"),
        ("DEFAULT_FROM_EMAIL", "noreply@mail.example.org", "mentorship.W002"),
    ],
)
def test_each_setting_left_pointing_nowhere_is_named(setting, value, id):
    assert list(our_problems(**PRODUCTION | {setting: value})) == [id]


def production_env(**settings_env: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k in ("PATH", "HOME", "DATABASE_URL", "REDIS_URL", "PYTHONPATH", "VIRTUAL_ENV")
    }
    return env | {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50)} | settings_env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_deploy_check_fails_a_production_started_on_development_defaults():
    result = check_deploy(production_env())
    assert result.returncode != 0
    for id in ("E001", "E002", "E003", "W001", "W002"):
        assert f"(mentorship.{id})" in result.stderr, result.stderr


# --- Mail that never leaves: production does not start ---------------------------------


def test_with_debug_off_mail_kept_on_this_machine_is_an_error_for_every_command():
    problems = our_problems(deploy=False, **DEVELOPMENT)
    assert list(problems) == ["mentorship.E003"]  # the rest wait for `check --deploy`
    assert problems["mentorship.E003"].level == ERROR
    assert "EMAIL_HOST" in problems["mentorship.E003"].hint
    assert our_problems(deploy=False, **PRODUCTION) == {}
    # `make run`: DEBUG on, mail in var/mail/.
    assert our_problems(deploy=False, **DEVELOPMENT | {"DEBUG": True}) == {}


def manage(command: list[str], tmp_path: Path, **settings_env: str) -> subprocess.CompletedProcess:
    """A manage.py command on a database of its own (SQLite in tmp_path), with only the
    settings given: what a host or container that has nothing else set would run."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "VIRTUAL_ENV")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable if part == "python" else part for part in command],
        cwd=settings.BASE_DIR,
        env=env | settings_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_migrate_step_refuses_a_production_without_a_mail_server(tmp_path):
    compose = YAML(typ="safe").load((settings.BASE_DIR / "docker-compose.yml").read_text())
    migrate = compose["services"]["migrate"]["command"]
    assert migrate == ["python", "manage.py", "migrate", "--no-input"]
    result = manage(migrate, tmp_path, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "(mentorship.E003)" in result.stderr and "Set EMAIL_HOST" in result.stderr
    assert "Applying" not in result.stdout  # refused before touching the database


@pytest.mark.parametrize(
    "settings_env",
    [
        {"DEBUG": "false", "EMAIL_HOST": "smtp.acme.co.uk"},  # production with SMTP
        {},  # `make run`: DEBUG on (no SECRET_KEY), mail in var/mail/
    ],
)
def test_with_smtp_or_with_debug_on_the_checks_pass(tmp_path, settings_env):
    if settings_env:
        settings_env["SECRET_KEY"] = secrets.token_urlsafe(50)
    result = manage(["python", "manage.py", "check"], tmp_path, **settings_env)
    assert result.returncode == 0, result.stderr


def test_make_serve_migrates_before_it_starts_anything():
    """So a production without a mail server stops there (the test above), before honcho
    starts gunicorn, the worker and beat."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "serve"],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DATABASE_URL": "postgres://db/x", "REDIS_URL": "redis://redis"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    [migrate] = [i for i, line in enumerate(commands) if "manage.py migrate" in line]
    [honcho] = [i for i, line in enumerate(commands) if "honcho start" in line]
    assert migrate < honcho
    assert "--skip-checks" not in commands[migrate]
