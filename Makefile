# Two commands for people: `make run` and `make test`. The rest serve them.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := mentorship.settings

.PHONY: run test serve lint format bench bench-pages bench-sweep lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Development installs everything: the app's dependencies and the test tools.
$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

# The embedded default: SQLite in var/, Celery with an embedded (filesystem) broker,
# a seeded demo company with three years of programme history (for the reports).
# Ctrl-C stops the web server and the worker together.
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py seed_demo --engagements 1500
	$(BIN)/python manage.py run_embedded --port $(PORT)

# Production without Docker: gunicorn (workers from the core count), a Celery worker and
# exactly one beat, from the Procfile (honcho), on DATABASE_URL and REDIS_URL. Settings come
# from the environment (README: Production); without a strong SECRET_KEY, or without an
# EMAIL_HOST (its migrate step runs the checks: mentorship.E003), it refuses to start.
# No "12:00:00 web.1 | " prefix, so each log line is one JSON document: the lines name their
# process themselves ("process": "web.1", mentorship/logs.py).
serve: export DEBUG ?= false
serve: $(VENV)/.installed
	@test -n "$$DATABASE_URL" || { echo "make serve: set DATABASE_URL (postgres://...)" >&2; exit 1; }
	@test -n "$$REDIS_URL" || { echo "make serve: set REDIS_URL (redis://...)" >&2; exit 1; }
	$(BIN)/python manage.py collectstatic --no-input -v 0
	$(BIN)/python manage.py migrate --no-input -v 0
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start --no-prefix --port $(PORT)

# The whole suite against PostgreSQL and Redis (override DATABASE_URL / REDIS_URL).
test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mentorship
test: export REDIS_URL ?= redis://127.0.0.1:6379/0
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mentorship_bench
bench: $(VENV)/.installed
	$(BIN)/python bench/latency.py

# Every page at 10 000 employees and 100 000 engagements, against a trivial view.
bench-pages: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mentorship_pages_bench
bench-pages: $(VENV)/.installed
	$(BIN)/python bench/pages.py

# The sweep completing 100 000 engagements, then 10 000 emails to a local SMTP sink.
bench-sweep: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mentorship_sweep_bench
bench-sweep: $(VENV)/.installed
	$(BIN)/python bench/sweep.py

# pyproject.toml's dependencies, one a line; "dev" adds its [dev] extra. Read, not
# installed: the project itself is no package pip could build.
DEPENDENCIES = $(PYTHON) -c 'import sys, tomllib; \
	project = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	extras = [name for extra in sys.argv[1:] for name in project["optional-dependencies"][extra]]; \
	print(*project["dependencies"], *extras, sep="\n")'

# Re-pin every dependency after changing pyproject.toml. requirements-dev.lock is
# everything (make run, make test); requirements.lock is what the web, worker and beat
# need, at the same versions (constrained by the first), and all the image installs:
# no test tools in production.
lock:
	rm -rf /tmp/mentorship-lock && $(PYTHON) -m venv /tmp/mentorship-lock
	$(DEPENDENCIES) dev > /tmp/mentorship-lock/dev.in
	/tmp/mentorship-lock/bin/pip install --quiet -r /tmp/mentorship-lock/dev.in
	/tmp/mentorship-lock/bin/pip freeze > requirements-dev.lock
	rm -rf /tmp/mentorship-lock && $(PYTHON) -m venv /tmp/mentorship-lock
	$(DEPENDENCIES) > /tmp/mentorship-lock/runtime.in
	/tmp/mentorship-lock/bin/pip install --quiet -c requirements-dev.lock -r /tmp/mentorship-lock/runtime.in
	/tmp/mentorship-lock/bin/pip freeze > requirements.lock
