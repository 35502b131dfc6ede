import os
from logging.config import dictConfig

import structlog
from celery import Celery
from celery.signals import setup_logging, task_postrun
from django.conf import settings
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

app = Celery("mentorship")
app.config_from_object("django.conf:settings", namespace="CELERY")
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
