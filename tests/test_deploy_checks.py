"""`manage.py check --deploy` names each development default that production has not
replaced (mentorship/checks.py), with the environment variable to set."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.checks import ERROR, WARNING, run_checks
from django.test import override_settings

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


def our_problems(**overrides) -> dict:
    """Our deploy checks' findings by id, as `check --deploy` runs them."""
    with override_settings(**overrides):
        found = run_checks(include_deployment_checks=True)
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
