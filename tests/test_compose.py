"""docker-compose.yml, checked without a Docker engine: valid against the Compose
specification's JSON schema (the copy vendored in check-jsonschema, no network), and shaped
as the README says: one image, migrations once before the app starts, a health check on
every long-running service, workers that scale, exactly one beat, every setting passed."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def validate(path: Path) -> subprocess.CompletedProcess:
    check_jsonschema = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(check_jsonschema), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def services() -> dict:
    return YAML(typ="safe").load(COMPOSE.read_text())["services"]


def test_the_compose_file_is_valid_against_the_compose_specification():
    result = validate(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_schema_check_fails_on_a_broken_compose_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE.read_text().replace("condition: service_completed_successfully", "when: done")
    broken.write_text(text)
    result = validate(broken)
    assert result.returncode != 0
    assert "depends_on" in result.stdout + result.stderr


def test_every_app_service_runs_the_same_image(services):
    assert {services[name]["image"] for name in APP_SERVICES} == {"mentorship:latest"}
    # Built once, by the service that runs first; the others never pull it.
    assert [name for name in services if "build" in services[name]] == ["migrate"]


def test_migrations_run_once_before_web_worker_and_beat(services):
    assert services["migrate"]["command"][-2:] == ["migrate", "--no-input"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_every_long_running_service_has_a_health_check(services):
    long_running = [name for name in services if name != "migrate"]
    assert sorted(long_running) == ["beat", "db", "redis", "web", "worker"]
    for name in long_running:
        assert services[name]["healthcheck"]["test"], name
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_workers_scale_and_beat_is_exactly_one(services):
    for name in ("web", "worker"):
        # A fixed container name or a host port on a worker would stop `--scale`.
        assert "container_name" not in services[name]
    assert "ports" not in services["worker"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["beat"]["command"][-3:] == ["beat", "--loglevel", "INFO"]


def test_every_setting_read_from_the_environment_is_passed(services):
    source = (ROOT / "mentorship" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    passed = set(services["web"]["environment"])
    # STATIC_ROOT is the image's own (Dockerfile); the rest is the operator's to set.
    assert read - passed == {"STATIC_ROOT"}


def test_the_readme_lists_every_setting():
    sources = [ROOT / "mentorship" / "settings.py", ROOT / "gunicorn.conf.py"]
    read = set()
    for source in sources:
        text = source.read_text()
        read |= set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', text))
        read |= set(re.findall(r'environ\.get\(\s*"([A-Z_]+)"', text))
        read |= set(re.findall(r"environ\.get\(\s*'([A-Z_]+)'", text))
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    assert len(read) > 25
    assert sorted(name for name in read if f"`{name}`" not in production) == []
