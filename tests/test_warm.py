"""A web worker loads its URL patterns, views and templates before its first request and
puts them out of the garbage collector's sight (mentorship.warm): a full collection
walked all of them, a ~70 ms pause every hundred-odd requests."""

import gc
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import engines

from mentorship.warm import warm_up

ROOT = Path(__file__).resolve().parent.parent

# What a gunicorn worker does when it loads the app (gunicorn mentorship.wsgi).
LOAD_LIKE_A_WORKER = """
import gc, json
import mentorship.wsgi
from django.template import engines
from django.urls import get_resolver
loader = engines["django"].engine.template_loaders[0]
while not hasattr(loader, "get_template_cache"):  # django-template-partials wraps it
    loader = loader.loaders[0]
cached = loader.get_template_cache
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "templates": sorted(cached),
    "urls_loaded": "urlconf_module" in get_resolver().__dict__,
}))
"""


def test_a_worker_loads_views_and_templates_then_freezes_them():
    env = os.environ | {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    found = subprocess.run(
        [sys.executable, "-c", LOAD_LIKE_A_WORKER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    worker = json.loads(found.stdout.strip().splitlines()[-1])
    assert worker["urls_loaded"]
    for name in ("base.html", "engagements/inbox.html", "directory/directory.html"):
        assert name in worker["templates"]
    # What the worker loaded is frozen; what is left to the collector is a small part.
    assert worker["frozen"] > 50_000 and worker["tracked"] < worker["frozen"] / 5


def cached_templates() -> dict:
    loader = engines["django"].engine.template_loaders[0]
    while not hasattr(loader, "get_template_cache"):  # django-template-partials wraps it
        loader = loader.loaders[0]
    return loader.get_template_cache


@pytest.fixture
def templates_dir(tmp_path, settings):
    settings.DEBUG = False
    folder = tmp_path / "templates"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "fine.html").write_text("<p>{{ greeting }}</p>")
    (folder / "pages" / "broken.html").write_text("{% if %}never closed")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    yield folder
    gc.unfreeze()


def test_a_template_that_does_not_compile_leaves_the_worker_up(templates_dir, caplog):
    warm_up()
    cached = cached_templates()
    assert "pages/fine.html" in cached
    assert gc.get_freeze_count() > 0
    assert any(
        "template_not_compiled" in str(record.msg) and "pages/broken.html" in str(record.msg)
        for record in caplog.records
    )
