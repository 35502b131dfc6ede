"""Structured logs (django-structlog): the logging set-up, and what each request's line
says on top of django-structlog's request id and user id: the method, the URL *pattern*
(never the path itself, which can carry a one-click token or a search for a colleague's
name), the status and the duration. Task lines carry their task id."""

import os
import time
from typing import Any

import structlog
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_structlog import signals

STARTED = "_log_started"


def add_process_name(logger: Any, method_name: str, event_dict: dict) -> dict:
    """Which of `make serve`'s processes wrote the line: honcho names each one ("web.1",
    "worker.1", "beat.1") in its environment. The name is in the line, so honcho is told
    not to prefix lines with it, and each line stays one JSON document."""
    name = os.environ.get("HONCHO_PROCESS_NAME")
    if name:
        event_dict["process"] = name
    return event_dict


SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.TimeStamper(fmt="iso"),
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    add_process_name,
]


# On a person's terminal (`make run`, a management command) lines per queued, received
# and finished task and the embedded broker's "no hostname" notice bury what matters,
# such as the demo logins; failures still show. JSON logs for collectors keep them all.
QUIET_FOR_PEOPLE = {
    "django_structlog.celery.receivers": {"level": "WARNING"},
    "celery.worker.strategy": {"level": "WARNING"},
    "celery.app.trace": {"level": "WARNING"},
    "kombu.connection": {"level": "ERROR"},
}


def structured_logging(log_format: str, level: str) -> dict:
    """Configure structlog and return Django's LOGGING: JSON lines for log collectors, or
    key=value lines for people."""
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"])
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    renderer,
                ],
                # Other libraries' plain log lines (Celery, Django) get the same shape,
                # their tracebacks as text (unformatted, an exc_info renders as the repr
                # of a traceback object).
                "foreign_pre_chain": [
                    *SHARED_PROCESSORS,
                    structlog.stdlib.ExtraAdder(),
                    structlog.processors.format_exc_info,
                ],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        # Django's own "Bad Request: /path" or "Internal Server Error: /path" would be a
        # second line for every 4xx or 5xx, with the path: request_failed says it all.
        "loggers": {
            "django.request": {"level": "CRITICAL"},
            # A wrong Host (scanners at the server's address) is a 400 and the request's
            # own line, not an error with a traceback for the alerting to page someone.
            "django.security.DisallowedHost": {"level": "CRITICAL"},
            **(QUIET_FOR_PEOPLE if log_format == "console" else {}),
        },
    }


@receiver(signals.bind_extra_request_metadata)
def note_start(request: HttpRequest, log_kwargs: dict[str, Any], **kwargs) -> None:
    setattr(request, STARTED, time.perf_counter())
    log_kwargs["request"] = request.method


@receiver(signals.bind_extra_request_finished_metadata)
def describe_request(
    request: HttpRequest, response: HttpResponse, log_kwargs: dict[str, Any], **kwargs
) -> None:
    describe(request, log_kwargs)


@receiver(signals.bind_extra_request_failed_metadata)
def describe_failure(request: HttpRequest, log_kwargs: dict[str, Any], **kwargs) -> None:
    describe(request, log_kwargs)  # a 500 as well: its path may carry a token or a name


def describe(request: HttpRequest, log_kwargs: dict[str, Any]) -> None:
    match = request.resolver_match
    started = getattr(request, STARTED, None)
    del log_kwargs["request"]  # "GET /full/path?query": the path is said as its pattern
    log_kwargs.update(
        method=request.method,
        route=("/" + match.route) if match else None,
        status=log_kwargs.pop("code"),
        duration_ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
    )
