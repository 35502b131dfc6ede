"""Settings read from the environment: typed, with a clear message for a bad value."""

import ipaddress
import os
import secrets
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    return number


def env_time_zone(name: str, default: str) -> str:
    """An Area/City zone, as a programme and a profile can be set to: opened to check it
    (available_timezones() reads every tzdata file, ~50 ms at each process's start)."""
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value if "/" in value else "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must name a time zone such as Europe/London, not {value!r}"
        ) from None
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(item, strict=False) for item in env_list(name)]
    except ValueError as error:
        raise ValueError(f"{name} must list IP addresses or networks: {error}") from None


def database_url(default: str) -> str:
    """DATABASE_URL, checked as dj_database_url will read it. It holds the password, and
    a / or # in one (openssl rand -base64 makes them) ends the URL's address early: it
    fails to parse, with an error that names neither the variable nor the cause, or
    parses into the wrong host and database. The message repeats neither the URL nor
    dj_database_url's words: either may carry part of the password into a log."""
    url = env_str("DATABASE_URL", default)
    try:
        config = dj_database_url.parse(url)
    except ValueError:  # ParseError, UnknownSchemeError
        config = None
    # A name with an @ in it, on a server, is the rest of an address cut short by a /.
    if config is None or (config["HOST"] and "@" in config["NAME"]):
        raise ImproperlyConfigured(
            "DATABASE_URL is not a database URL like postgres://user:password@host:5432/name "
            "(not shown here: it holds the password). Special characters in the password "
            "must be percent-encoded: / as %2F, # as %23, ? as %3F, @ as %40, : as %3A, % as "
            "%25. Or choose a password that needs none: openssl rand -hex 32."
        )
    return url


def secret_key(debug: bool, var_dir: Path) -> str:
    """SECRET_KEY: the environment's, strong enough for production; or, for the embedded
    default only, one generated once and kept in var/."""
    if key := env_str("SECRET_KEY"):
        # Django's own bar for a strong key (security.W009): long and varied.
        weak = (
            len(key) < SECRET_KEY_MIN_LENGTH
            or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
            or key.startswith(SECRET_KEY_INSECURE_PREFIX)
        )
        if not debug and weak:
            raise ImproperlyConfigured(
                "SECRET_KEY is too weak for production (DEBUG is off): use at least 50 random "
                "characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
            )
        return key
    if not debug:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set, and DEBUG is off: production needs its own secret key "
            "in the SECRET_KEY environment variable."
        )
    # Embedded default: a random key generated once and kept out of git in var/.
    path = var_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
