"""One settings module, read from the environment.

With nothing set the app runs on the embedded default: SQLite in var/, a generated
secret key in var/, Celery on a filesystem broker, emails written to var/mail/.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and EMAIL_*.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from mentorship import env
from mentorship.env import env_bool, env_int, env_list, env_networks, env_str
from mentorship.logs import structured_logging

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=not env_str("SECRET_KEY"))
SECRET_KEY = env.secret_key(DEBUG, VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "Micro-mentoring")
# Emails link here: their links must be absolute, and no request is at hand in a worker.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Sign-up is open to imported employees and to addresses at these domains.
COMPANY_DOMAINS = [d.lower() for d in env_list("COMPANY_DOMAINS", "example.com")]
DEFAULT_TIME_ZONE = env.env_time_zone("DEFAULT_TIME_ZONE", "Europe/London")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "csp",
    "django_structlog",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "mentorship",
    "directory",
    "engagements",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mentorship.middleware.LoginRequiredMiddleware",  # Django's, knowing htmx
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Above the middleware that handles exceptions (allauth's: "confirm your password
    # first" is an exception it turns into a redirect), so it only answers one that
    # nothing else handled: exceptions reach middleware from the bottom of this list up.
    "mentorship.middleware.ErrorPagesInDebugMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication, so each request's log line carries the user id; before
    # anything below that may answer early, so that answer gets its line too.
    "django_structlog.middlewares.RequestMiddleware",
    "mentorship.middleware.ProgrammeAdminMFAMiddleware",
    "mentorship.middleware.TimeZoneMiddleware",
]

ROOT_URLCONF = "mentorship.urls"
# Django's widget templates, the hot ones written in Python (same output, a fraction of
# the time): a page of forms rendered ~120 widget templates (mentorship/form_renderer.py);
# {% url %} without a reverse() per link (mentorship/template_builtins.py, the builtins below).
FORM_RENDERER = "mentorship.form_renderer.FastTemplates"
WSGI_APPLICATION = "mentorship.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentorship.context_processors.site",
            ],
            "builtins": ["mentorship.template_builtins"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env.database_url(f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: compiling the directory search's ranking took longer than running it (~50 ms
    # with JIT, ~28 without). The search's typo threshold (directory.search) per connection,
    # not 3 round trips a search. PgBouncer refuses these: `ALTER DATABASE ... SET` them.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c pg_trgm.similarity_threshold=0.2"
    )
    # Server-side parameters, so a query run 5 times on a connection is prepared and
    # planned once: planning was most of many queries' cost (the engagement lookup: 6.5
    # ms planning, 0.4 ms running). PgBouncer in transaction mode: max_prepared_statements.
    DATABASES["default"]["OPTIONS"] |= {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default shares the file between the web server and the worker.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Unreachable, it is a miss, not a 500 (mentorship/cache.py says what that costs). Redis
    # answers in a millisecond; a host that does not is given a fraction of a second.
    CACHES = {
        "default": {
            "BACKEND": "mentorship.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 1},
        }
    }
else:
    # A real, cross-process cache even without Redis: allauth's rate limits rely on it.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }
# Drawn HTML ({% cache %}: a report's figures, a mentor's colleagues) is kept in each
# process's memory: a drawing is named by what it shows (a report's computation) or is a
# hint minutes old at most, and reading it from Redis cost a round trip (~0.3-0.5 ms, as
# much as drawing a small one). At most 500 drawings a process (a report's is ~40 KB).
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 500},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: email is the identity; verified addresses only.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address in the browser that signed up signs in and goes on to `next` (an
# invitation's engagement): allauth does it only for the login waiting in this session.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "directory.adapters.AccountAdapter"
# Only the company's people sign up or add an address (directory.account_forms).
ACCOUNT_FORMS = {
    "signup": "directory.account_forms.CompanySignupForm",
    "add_email": "directory.account_forms.CompanyAddEmailForm",
}
# A changed password signs out every session, this one included (Django already ends the
# others: their session hash no longer matches); a stolen session dies with the old password.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Subjects name the product; allauth's default is the host ("[127.0.0.1:8000] ...").
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
# Per address, sized for a whole office behind one NAT, so one person's typos (or one
# attacker) cannot lock colleagues out; per account, tight.
ACCOUNT_RATE_LIMITS = {
    "login": "120/m/ip",
    "login_failed": "60/m/ip,5/5m/key",
    "signup": "60/m/ip",
    # One reset email per address every few minutes, like allauth's verification emails.
    "reset_password": "60/m/ip,1/3m/key",
    # Not an account action: CSP violation reports (mentorship.views.csp_report), which
    # anyone may send and each of which writes a log line. A broken page sends a few per
    # view; a flood from one address is dropped after this many.
    "csp_report": "60/m/ip",
}
# The rate limits key on the client's address. Behind our TLS proxy every request comes
# from the proxy, so X-Forwarded-For is believed, but only when the request comes from one
# of these (directory.adapters.client_address). allauth's ALLAUTH_TRUSTED_PROXY_COUNT
# would believe the header from anyone who reaches the app directly.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# A code from the 30 seconds before or after is accepted too (RFC 6238's advice): a
# phone's clock drifts, and a code typed as its window closes still works.
MFA_TOTP_TOLERANCE = 1
# Programme admins see everyone's participation: when on, they must set up two-factor
# authentication before any other page (mentorship.middleware.ProgrammeAdminMFAMiddleware).
MFA_REQUIRED_FOR_PROGRAMME_ADMINS = env_bool("MFA_REQUIRED_FOR_PROGRAMME_ADMINS", default=False)
SOCIALACCOUNT_ADAPTER = "directory.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
# Single sign-on: the provider vouches for the address (email_verified), so a person who
# already has a login with that address is signed in to it, never given a second account.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_PROVIDERS = {}
OIDC_SERVER_URL = env_str("OIDC_SERVER_URL").rstrip("/")
_oidc = urlsplit(OIDC_SERVER_URL)
OIDC_ORIGIN = f"{_oidc.scheme}://{_oidc.netloc}" if OIDC_SERVER_URL else ""
if OIDC_SERVER_URL:
    # Optional single sign-on with the company's OpenID Connect provider.
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "company",
                "name": env_str("OIDC_NAME", "Company sign-in"),
                "client_id": env_str("OIDC_CLIENT_ID"),
                "secret": env_str("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ]
    }

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# British English, with no translation machinery: the app's text is written in English
# and the en-gb catalogs of Django and its apps say what their message ids say
# (tests/test_language.py checks both). With it on, every message, |timesince and form
# error went through the active language's catalog on each use (~5 % of a page's CPU).
# Dates and numbers are still formatted as en-gb (27/11/2026), from LANGUAGE_CODE.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: SMTP when EMAIL_HOST is set, otherwise files in var/mail/.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Micro-mentoring <mentoring@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that accepts the connection and never answers must not hold a web
# request (a password reset) until gunicorn kills the worker: seconds per socket operation
# (0 would make the socket non-blocking, not patient).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
if env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    # Port 465 speaks TLS from the first byte (implicit TLS, EMAIL_USE_SSL); 587 starts in
    # plain text and upgrades (STARTTLS, EMAIL_USE_TLS). One or the other, never both.
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
    if EMAIL_USE_SSL and EMAIL_USE_TLS:
        raise ImproperlyConfigured(
            "EMAIL_USE_SSL and EMAIL_USE_TLS are both on: set EMAIL_USE_SSL=true for port "
            "465 (implicit TLS) or EMAIL_USE_TLS=true for port 587 (STARTTLS), not both."
        )
    EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Celery: Redis in production; an embedded filesystem broker otherwise, so `make run`
# needs nothing but Python.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A web request enqueues after its commit: with Redis away it must fail fast (the
    # row is stored; the sweep delivers it later), never hang on reconnects.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
else:
    _broker = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # nothing reads results: no result backend
CELERY_TASK_ACKS_LATE = False  # per task, only where the task is idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# The participation report's figures may be this many seconds old (reports/cache.py):
# a report is not a decision. Its page says when they were computed.
REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 300)

# Exactly one beat runs it; every few minutes, and each run catches up on what is due.
SWEEP_SECONDS = env_int("SWEEP_EVERY_SECONDS", 300)
CELERY_BEAT_SCHEDULE = {
    "sweep": {
        "task": "engagements.tasks.sweep",
        "schedule": SWEEP_SECONDS,
        "options": {"expires": 240},
    },
    # Employee files uploaded while the broker was away, queued again (directory.tasks).
    "requeue-imports": {"task": "directory.tasks.requeue_waiting", "schedule": SWEEP_SECONDS},
    # The presets of the participation report, recomputed before their cache entries
    # expire (reports/cache.py), so an admin's first visit to a preset is warm too.
    "warm-reports": {
        "task": "reports.tasks.warm",
        "schedule": REPORT_CACHE_SECONDS,
        "options": {"expires": REPORT_CACHE_SECONDS},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Content-Security-Policy (django-csp): no inline scripts or styles anywhere, everything
# comes from /static/, no eval (htmx's allowEval is off in base.html). img-src allows data:
# for the TOTP QR code allauth renders. Browsers report violations to /csp-report/, which
# logs them. The single sign-on provider is a form target: the sign-in form's POST is
# redirected there, and form-action covers redirects.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF, *([OIDC_ORIGIN] if OIDC_ORIGIN else [])],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
        "report-uri": "/csp-report/",
    }
}

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx gets the token from hx-headers on <body>.
CSRF_COOKIE_HTTPONLY = True
# A form opened before a sign-in or sign-out: a page in the layout that says what to do.
CSRF_FAILURE_VIEW = "mentorship.views.csrf_failure"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and container health checks ask over plain HTTP, from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Structured logs (django-structlog): one line per request (method, URL pattern, status,
# duration, user id; see mentorship.logs) and per task (with its task id). JSON for log
# collectors in production; key=value lines for people by default with DEBUG on.
LOG_FORMAT = env_str("LOG_FORMAT", "console" if DEBUG else "json")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or console, not {LOG_FORMAT!r}")
LOGGING = structured_logging(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
# One line per request, at the end: the "request started" line is for debugging only.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10  # logging.DEBUG
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# The client's address is personal data and the proxy's anyway; the request id ties lines.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
