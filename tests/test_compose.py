"""docker-compose.yml, the Dockerfile and .dockerignore, checked without a Docker engine:
the compose file valid against the Compose specification's JSON schema (the copy vendored
in check-jsonschema, no network), and shaped as the README says: one image, migrations once
before the app starts, a health check on every long-running service, web and workers that
scale, exactly one beat, every setting passed; the image's own health check the same as
compose's; nothing local (var/, .venv, .git, .env) copied into the image."""

import fnmatch
import json
import re
import subprocess
import sys
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
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
    # Web is published, but never on a fixed host port: each container gets a free one.
    for port in services["web"]["ports"]:
        address, host_port, container_port = port.split(":")
        assert (address, host_port, container_port) == ("127.0.0.1", "", "8000")
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["beat"]["command"][-3:] == ["beat", "--loglevel", "INFO"]


def test_every_setting_read_from_the_environment_is_passed(services):
    # The settings, and the helpers that read one variable each for them (DATABASE_URL).
    sources = [ROOT / "mentorship" / "settings.py", ROOT / "mentorship" / "env.py"]
    source = "".join(path.read_text() for path in sources)
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    assert "DATABASE_URL" in read
    passed = set(services["web"]["environment"])
    # STATIC_ROOT is the image's own (Dockerfile); the rest is the operator's to set.
    assert read - passed == {"STATIC_ROOT"}


def required_variables() -> dict[str, str]:
    """The variables compose refuses to start without (`${NAME:?message}`), and what it
    says when one is missing."""
    return dict(re.findall(r"\$\{([A-Z_]+):\?([^}]*)\}", COMPOSE.read_text()))


def test_compose_refuses_to_start_without_a_mail_server(services):
    # Without one, every email would be a file in a container, and nobody could sign up.
    assert services["web"]["environment"]["EMAIL_HOST"].startswith("${EMAIL_HOST:?")
    message = required_variables()["EMAIL_HOST"]
    assert "set EMAIL_HOST" in message and "email" in message
    assert sorted(required_variables()) == [
        "ALLOWED_HOSTS",
        "COMPANY_DOMAINS",
        "EMAIL_HOST",
        "POSTGRES_PASSWORD",
        "SECRET_KEY",
        "SITE_URL",
    ]


def readme_env_file(tmp_path: Path) -> dict[str, str]:
    """The .env the README's Production section writes: its `cat > .env` block, run."""
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^( *)cat > \.env <<EOF\n.*?^\1EOF$", production, re.M | re.S)
    script = "\n".join(line.removeprefix(block.group(1)) for line in block.group(0).splitlines())
    subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, check=True, timeout=30)
    pairs = [
        line.split("=", 1)
        for line in (tmp_path / ".env").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {name: value.strip('"') for name, value in pairs}


def test_the_readme_env_file_sets_what_compose_requires_and_what_mail_needs(tmp_path):
    env = readme_env_file(tmp_path)
    assert set(required_variables()) <= set(env)
    mail = ["EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"]
    assert [name for name in [*mail, "DEFAULT_FROM_EMAIL"] if not env.get(name)] == []
    assert env["DEFAULT_FROM_EMAIL"] == "Micro-mentoring <mentoring@yourcompany.com>"


def test_the_readme_lists_every_setting():
    sources = [ROOT / "mentorship" / name for name in ("settings.py", "env.py", "celery.py")]
    sources.append(ROOT / "gunicorn.conf.py")
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


# --- The image ------------------------------------------------------------------------


def image_health_check() -> list[str]:
    """The Dockerfile's HEALTHCHECK command (exec form), its continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    [line] = [line for line in text.splitlines() if line.startswith("HEALTHCHECK ")]
    return json.loads(line.split(" CMD ", 1)[1])


def test_the_image_checks_readiness_as_compose_does(services):
    web = services["web"]["healthcheck"]
    assert image_health_check() == web["test"][1:]
    timing = "--interval={interval} --timeout={timeout} --start-period={start_period}"
    assert timing.format(**web) in (ROOT / "Dockerfile").read_text()
    # A one-off migration is never "ready"; the worker and beat have checks of their own.
    assert services["migrate"]["healthcheck"] == {"disable": True}


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False)])
def test_the_health_check_asks_readyz_with_an_allowed_host(status, healthy):
    asked = []

    class Readyz(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append((self.path, self.headers["Host"]))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Readyz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # Django answers only a Host in ALLOWED_HOSTS: 127.0.0.1:<port> would be refused.
        env = {"ALLOWED_HOSTS": "mentoring.example.com, .example.com"}
        result = subprocess.run(
            [sys.executable if part == "python" else part for part in image_health_check()],
            env={**env, "PORT": str(server.server_port)},
            capture_output=True,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) is healthy
    assert asked == [("/readyz", "mentoring.example.com")]


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether `docker build` leaves the path out: a pattern matches it or a folder it is
    in (the patterns here are plain names and `**/` globs; no `!` exceptions)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            return True
    return False


def test_the_image_gets_the_app_but_nothing_local():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert not [pattern for pattern in patterns if pattern.startswith("!")]
    # The local secret key, the demo database and mail (var/ would be the image's VAR_DIR),
    # the operator's .env, the virtualenv, the history, test artefacts, collected files.
    local = [
        "var/secret_key",
        "var/db.sqlite3",
        "var/mail/20261127-155000.eml",
        ".env",
        ".venv/bin/python",
        ".git/HEAD",
        "test-results/trace.zip",
        "staticfiles/staticfiles.json",
        "directory/__pycache__/models.cpython-311.pyc",
    ]
    assert [path for path in local if not dockerignored(path, patterns)] == []
    # What the Dockerfile copies and runs, collectstatic reads, and the app imports.
    needed = ["requirements.lock", "manage.py", "gunicorn.conf.py", "Procfile"]
    for folder in ["mentorship", "directory", "engagements", "reports", "templates", "static"]:
        needed += [str(path.relative_to(ROOT)) for path in (ROOT / folder).rglob("*.*")]
    needed = [path for path in needed if "__pycache__" not in path]
    assert len(needed) > 100
    assert [path for path in needed if dockerignored(path, patterns)] == []


# --- The dependencies -----------------------------------------------------------------
# The image installs requirements.lock: what the web, worker and beat need. The test tools
# (a browser with its own node, a fake OpenID provider, an SMTP sink...) are in
# requirements-dev.lock only, which `make run` and `make test` install. One `make lock`
# writes both.


def pins(lock: str) -> dict[str, str]:
    """A lock file's exact pins, by canonical name (Django and django are one package)."""
    lines = (ROOT / lock).read_text().splitlines()
    pairs = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pairs}


def distributions(requirements: list[str]) -> set[str]:
    """Every package the requirements bring in, their extras and dependencies followed
    through the metadata of what is installed here (requirements-dev.lock, all of it)."""
    found, followed = set(), set()
    todo = [(Requirement(line), "") for line in requirements]
    while todo:
        requirement, extra = todo.pop()
        # `extra == "mfa"` holds only when django-allauth was asked for with [mfa].
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        found.add(name)
        for wanted in {"", *requirement.extras}:
            if (name, wanted) in followed:
                continue
            followed.add((name, wanted))
            todo += [(Requirement(line), wanted) for line in metadata.requires(name) or []]
    return found


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_image_installs_the_runtime_lock_only():
    dockerfile = (ROOT / "Dockerfile").read_text()
    [install] = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert install.split()[-2:] == ["-r", "requirements.lock"]
    assert "COPY requirements.lock ." in dockerfile
    assert "requirements-dev.lock" not in dockerfile


def test_make_installs_the_dev_lock_and_again_when_it_changes():
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-W", "requirements-dev.lock", ".venv/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "pip install --quiet --disable-pip-version-check -r requirements-dev.lock" in (
        result.stdout
    )


def test_the_runtime_lock_has_no_test_tool(project):
    runtime = distributions(project["dependencies"])
    everything = distributions(project["dependencies"] + project["optional-dependencies"]["dev"])
    dev_only = everything - runtime
    # The [dev] extra and what only it brings (playwright, Faker, Flask, uvicorn...).
    dev = {
        canonicalize_name(Requirement(line).name)
        for line in project["optional-dependencies"]["dev"]
    }
    assert dev <= dev_only
    assert len(dev_only) > 2 * len(dev)
    assert sorted(dev_only & set(pins("requirements.lock"))) == []
    # Nor is anything the app needs missing: the runtime lock is exactly its dependencies.
    assert set(pins("requirements.lock")) == runtime
    assert set(pins("requirements-dev.lock")) == everything


def test_the_runtime_lock_pins_what_the_dev_lock_pins():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert len(runtime) > 40
    assert {name: version for name, version in runtime.items() if dev.get(name) != version} == {}
