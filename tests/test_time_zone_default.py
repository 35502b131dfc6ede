"""DEFAULT_TIME_ZONE reaches a fresh install: the default programme is created in it, and
an install with another zone (or another tz database) sees no migration to make."""

import importlib
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

pytestmark = pytest.mark.django_db

default_program = importlib.import_module("engagements.migrations.0003_default_program")


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_the_models_and_their_migrations_agree_whatever_the_default_zone(zone):
    result = manage("makemigrations", "--check", "--dry-run", DEFAULT_TIME_ZONE=zone)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_a_fresh_install_creates_the_default_programme_in_the_configured_zone():
    # The programme as the migration sees it (historical models: defaults as the
    # migrations wrote them), on a database without one yet.
    apps = MigrationExecutor(connection).loader.project_state().apps
    Program = apps.get_model("engagements", "Program")
    Program.objects.filter(is_default=True).delete()
    with override_settings(DEFAULT_TIME_ZONE="America/New_York"):
        default_program.create_default_program(apps, None)
    assert Program.objects.get(is_default=True).time_zone == "America/New_York"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "UTC", "europe/london"])
def test_a_zone_nobody_can_choose_fails_loudly(zone):
    result = manage("check", DEFAULT_TIME_ZONE=zone)
    assert result.returncode != 0
    assert "DEFAULT_TIME_ZONE must name a time zone such as Europe/London" in result.stderr
