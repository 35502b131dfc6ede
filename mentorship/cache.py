"""Django's Redis cache, for which an unreachable Redis is a miss, not a 500.

What the cache holds may be recomputed: a report's figures (reports/cache.py), a person's
suggested mentors (engagements/views/people.py), allauth's rate-limit counters, its record
of used TOTP codes and of used single sign-on tokens. With Redis away every read is a miss,
every write stores nothing, each logged as a warning; the page is computed afresh.

Failing open is a choice, made here for sign-in too: `add` answers "stored" so allauth goes
ahead. Its rate limits, its one-use TOTP codes and one-use SSO tokens then count nothing for
the outage. The other choice was refusing every sign-in (allauth answers 429 when it
cannot take its lock, and refuses every TOTP code and SSO token), so a Redis blip would
lock everyone out. Redis is private (no outsider can take it down to guess faster); a guess
still costs a full password hash; the warning says the limits are off; it ends with the
outage.
"""

import time

import redis
import structlog
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT

logger = structlog.get_logger(__name__)

# Refused, reset, timed out, still loading its data: Redis cannot answer now. Not its
# refusals of a command (out of memory, a wrong type), which are bugs to see.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# After a failure the process does not ask again for this long: a Redis host that is gone
# (no answer, not even a refusal) costs one connect timeout per process every few seconds,
# not one per cache call (a sign-in makes about ten), and the log one line, not ten.
RETRY_AFTER_SECONDS = 5


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._retry_at = 0.0  # per process and thread: Django keeps one cache per thread

    def _ask(self, operation: str, unreachable, *args, **kwargs):
        if time.monotonic() < self._retry_at:
            return unreachable
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except UNREACHABLE as error:
            self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "cache_unreachable",
                operation=operation,
                error=str(error),
                retry_in_seconds=RETRY_AFTER_SECONDS,
                effect="every read a miss; sign-in rate limits not counted",
            )
            return unreachable

    def get(self, key, default=None, version=None):
        return self._ask("get", default, key, default, version=version)

    def get_many(self, keys, version=None):
        return self._ask("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._ask("has_key", False, key, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # "Stored": the caller goes ahead (the module's docstring says why).
        return self._ask("add", True, key, value, timeout, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._ask("set", None, key, value, timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._ask("set_many", [], data, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._ask("touch", False, key, timeout, version=version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._ask("incr", missing, key, delta, version=version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return value

    def delete(self, key, version=None):
        return self._ask("delete", False, key, version=version)

    def delete_many(self, keys, version=None):
        self._ask("delete_many", None, keys, version=version)

    def clear(self):
        return self._ask("clear", False)
