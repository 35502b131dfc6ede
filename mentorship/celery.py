import os
from logging.config import dictConfig

import structlog
from celery import Celery
from celery.signals import setup_logging, task_postrun
from django.conf import settings
from django_structlog.celery.steps import DjangoStructLogInitStep

from mentorship.cpus import usable_cpus
from mentorship.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")


def worker_concurrency() -> int:
    """A worker's child processes: one per CPU it may use (its container's quota, as
    gunicorn.conf.py counts them; Celery's default is the host's cores), unless
    CELERY_WORKER_CONCURRENCY says. `celery worker --concurrency N` overrides both."""
    return env_int("CELERY_WORKER_CONCURRENCY", usable_cpus(), minimum=1)


app = Celery("mentorship")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Kept until the configuration is read (lazily, from the settings), then set over it.
app.conf.worker_concurrency = worker_concurrency()
app.autodiscover_tasks()
# Task log lines carry the task id (django-structlog binds it for every task).
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Celery keeps Django's LOGGING (structured lines) instead of its own format."""
    dictConfig(settings.LOGGING)


@task_postrun.connect
def forget_the_task(**kwargs) -> None:
    """django-structlog binds the task id when a task starts; unbind it when the task ends,
    so the worker's lines between tasks do not carry the last one's id."""
    structlog.contextvars.clear_contextvars()
