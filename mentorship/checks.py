"""`manage.py check --deploy`: the development defaults that production must replace.

With nothing set the app runs on its embedded defaults (mentorship/settings.py), so a
production started with only DATABASE_URL, REDIS_URL and SECRET_KEY runs, and runs
wrong. Errors where the site cannot work for its people (nobody can reach it by its
name, no link in an email leads anywhere, no email leaves); warnings where it works, but
not as the company would want (sign-up by domain, the sender's address).

Mail that never leaves is more than a deploy check: every command that runs the checks
refuses it, migrate among them, which `make serve` and compose's migrate service run
before anything else starts. Nobody runs `check --deploy` by habit, and nothing else
would say that sign-up is broken: the files pile up where no one reads them.
"""

from email.utils import parseaddr
from ipaddress import ip_address
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Django's backends that keep mail on this machine instead of sending it.
UNDELIVERED = {
    "django.core.mail.backends.filebased.EmailBackend": "written to files",
    "django.core.mail.backends.console.EmailBackend": "printed to the console",
    "django.core.mail.backends.locmem.EmailBackend": "kept in memory",
    "django.core.mail.backends.dummy.EmailBackend": "dropped",
}
# Domains that nobody owns and no mail reaches (RFC 2606, RFC 6761).
RESERVED_DOMAINS = {"example.com", "example.net", "example.org"}
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def is_reserved(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    return (
        domain in RESERVED_DOMAINS
        or domain.endswith(tuple(f".{d}" for d in RESERVED_DOMAINS))
        or domain.endswith(RESERVED_SUFFIXES)
        or is_loopback(domain)
    )


@register("mail")
def check_mail_is_sent(app_configs=None, **kwargs) -> list:
    """With DEBUG off, mail kept on this machine is an error for every command, not only
    for `check --deploy` (the module's docstring says why)."""
    what = UNDELIVERED.get(settings.EMAIL_BACKEND)
    if settings.DEBUG or not what:
        return []
    return [
        Error(
            f"DEBUG is off, but email is {what} ({settings.EMAIL_BACKEND}), never sent: "
            "nobody can verify an address, so nobody can sign up, and no proposal reaches "
            "a mentor.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
            "EMAIL_USE_TLS or EMAIL_USE_SSL, DEFAULT_FROM_EMAIL) to the company's SMTP "
            "server (README: Production).",
            id="mentorship.E003",
        )
    ]


@register(Tags.security, deploy=True)
def check_production_settings(app_configs=None, **kwargs) -> list:
    if settings.DEBUG:
        return []
    problems = []
    site = urlsplit(settings.SITE_URL).hostname or ""
    if not site or is_loopback(site):
        problems.append(
            Error(
                f"SITE_URL is {settings.SITE_URL!r}, not the address people open: every "
                "link in every email (sign-up, password reset, one-click decisions) is broken.",
                hint="Set SITE_URL to the address people open, e.g. https://mentoring.yourcompany.com.",
                id="mentorship.E001",
            )
        )
    if not [host for host in settings.ALLOWED_HOSTS if not is_loopback(host.lstrip("."))]:
        problems.append(
            Error(
                f"ALLOWED_HOSTS is {settings.ALLOWED_HOSTS!r}: every request by the site's "
                "name would be refused (400 Bad Request).",
                hint="Set ALLOWED_HOSTS to the site's host name(s), comma-separated.",
                id="mentorship.E002",
            )
        )
    if reserved := [domain for domain in settings.COMPANY_DOMAINS if is_reserved(domain)]:
        problems.append(
            Warning(
                f"COMPANY_DOMAINS lists {', '.join(reserved)}, which nobody has mail at: only "
                "imported employees can sign up.",
                hint="Set COMPANY_DOMAINS to the company's email domains, comma-separated.",
                id="mentorship.W001",
            )
        )
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    if is_reserved(sender.rpartition("@")[2]):
        problems.append(
            Warning(
                f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}: mail from a domain "
                "the company does not own is refused or filed as spam by most mail servers.",
                hint="Set DEFAULT_FROM_EMAIL to an address at the company's domain, e.g. "
                "'Micro-mentoring <mentoring@yourcompany.com>'.",
                id="mentorship.W002",
            )
        )
    return problems
