"""Settings for the helpdesk, read from the environment (see README, "Configuration").

Defaults make ``make run`` work on a laptop with SQLite. Production values have no default: with
``DEBUG`` off, ``SECRET_KEY`` and ``FIELD_ENCRYPTION_KEY`` must be set, and ``manage.py check --deploy``
passes with the documented production values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from helpdesk import limits
from helpdesk.env import (
    check_fernet_keys,
    check_private_key,
    check_time_zone,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_nameservers,
    env_secret,
    env_str,
)

# Lets generic classes such as ModelAdmin[Ticket] be subscripted at run time, for the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
# The development settings `make run` writes (helpdesk/devenv.py); variables in the environment win.
load_dotenv(env_str("ENV_FILE", str(BASE_DIR / ".env")), override=False)
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-development-only-never-use-in-production-0123456789"
SECRET_KEY = env_secret("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set; it is required when DEBUG is off. Set it in the environment (or "
        "SECRET_KEY_FILE), or for development run `make run` once, which writes .env with DEBUG=1."
    )
if SECRET_KEY == _DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is the development key published in settings.py; set your own.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is empty; every request would be refused (400).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_q",
    "anymail",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "helpdesk",
    "integrations",
    "drafts",
    "delivery",
    "notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.web.middleware.RequestIdMiddleware",
    "helpdesk.web.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "helpdesk.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "helpdesk.web.middleware.IdleTimeoutMiddleware",
    "helpdesk.web.middleware.NoStoreMiddleware",
    "helpdesk.web.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "helpdesk.web.context_processors.product",
            ],
            # The operator pages' tags live with the pages (helpdesk/web/), not in an app-level folder.
            "libraries": {"helpdesk_tags": "helpdesk.web.templatetags.helpdesk_tags"},
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
# SQLite serves web and worker at once only with WAL, a busy timeout and IMMEDIATE transactions.
_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def _database(url: str) -> dict[str, Any]:
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} cannot be parsed: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {**_SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    elif engine == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(f"DATABASE_URL must be sqlite:// or postgres://, not {engine or url!r}.")
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}") or "")}
# The owner role that runs migrations (docs/deploy.md); DATABASE_URL is then the runtime role, which
# owns nothing and may only INSERT and SELECT the audit log. Read only by ``manage.py migrate``.
_MIGRATE_URL = env_secret("DATABASE_MIGRATE_URL")
DATABASE_MIGRATE = _database(_MIGRATE_URL) if _MIGRATE_URL else None
if DATABASE_MIGRATE is not None:
    _runtime = DATABASES["default"]
    if (
        DATABASE_MIGRATE["ENGINE"] != "django.db.backends.postgresql"
        or _runtime["ENGINE"] != DATABASE_MIGRATE["ENGINE"]
    ):
        raise ImproperlyConfigured(
            "DATABASE_MIGRATE_URL is for PostgreSQL, with DATABASE_URL on PostgreSQL too."
        )
    if DATABASE_MIGRATE["NAME"] != _runtime["NAME"]:
        raise ImproperlyConfigured("DATABASE_MIGRATE_URL must name the same database as DATABASE_URL.")
    if DATABASE_MIGRATE["USER"] == _runtime["USER"]:
        raise ImproperlyConfigured(
            "DATABASE_MIGRATE_URL must use another role than DATABASE_URL (the owner)."
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
# The cache is shared by web and worker processes (presence, ERP circuit breaker), so the default is
# the database; Redis is used when REDIS_URL is set.
_REDIS_URL = env_str("REDIS_URL")
if _REDIS_URL and not _REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={_REDIS_URL!r} must start with redis://, rediss:// or unix://.")
if _REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "helpdesk_cache"}
    }

# --- Auth -----------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "helpdesk.web.access.ProfileModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Failed logins per cool-off, counted for a user name from one address and for one address over every
# user name, so password spraying across users is slowed as much as guessing one user's password.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.25, minimum=0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The client address: REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many reverse proxies add
# X-Forwarded-For in front of the application. Behind a proxy without it every client has the proxy's
# address (anyone can lock everyone out); without a proxy, never set it (the header can be forged).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"
# Two-factor sign-in (TOTP): "optional" lets anyone add an authenticator app (and then asks for its
# code); "required" makes supervisors and admins add one before they can work.
HELPDESK_TWO_FACTOR = env_choice("HELPDESK_TWO_FACTOR", "optional", {"optional", "required"})
OTP_TOTP_ISSUER = env_str("HELPDESK_NAME", "Nordlager Support") or "Helpdesk"
# Sessions end after this many minutes without activity of the person (0: never) and in any case
# after SESSION_COOKIE_AGE seconds.
HELPDESK_SESSION_IDLE_MINUTES = env_int("HELPDESK_SESSION_IDLE_MINUTES", 30, minimum=0)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("sv", _("Swedish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One unambiguous date style per language (helpdesk/formats/).
FORMAT_MODULE_PATH = ["helpdesk.formats"]
TIME_ZONE = check_time_zone("TIME_ZONE", env_str("TIME_ZONE", "Europe/Stockholm") or "Europe/Stockholm")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start when it is missing.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
# Hashed, compressed static files (collectstatic) in production; plain finders for development and tests.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe the health endpoints over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Request bodies: helpdesk.limits (1 MiB; RequestSizeLimitMiddleware answers 413 above it).
DATA_UPLOAD_MAX_MEMORY_SIZE = limits.REQUEST_BYTES

# Inbound HTML is sanitised with nh3 before it is stored; the CSP is the second wall: no inline
# script, nothing remote, and only our own origin may be framed or posted to.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Secrets kept in the database (IMAP passwords, connector tokens) are encrypted with these Fernet
# keys; the first encrypts, all decrypt, so a key can be rotated by prepending a new one.
_DEV_FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE="
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY", [_DEV_FIELD_KEY] if DEBUG else [])
_NEW_FIELD_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY is not set; it is required when DEBUG is off. Create one with: "
        + _NEW_FIELD_KEY
    )
check_fernet_keys("FIELD_ENCRYPTION_KEY", FIELD_ENCRYPTION_KEYS, hint=_NEW_FIELD_KEY)
if _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY holds the development key published in settings.py; create your own with: "
        + _NEW_FIELD_KEY
    )

# --- Mail out -------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "support@nordlager.example") or ""
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL) or ""
# Development sends through SMTP to the local capture server that `make run` starts (manage.py
# capture_mail on DELIVERY_CAPTURE_PORT): the real outbound path, signed, nothing leaves the machine.
DELIVERY_CAPTURE_PORT = env_int("DELIVERY_CAPTURE_PORT", 2525, minimum=1, maximum=65535)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend") or ""
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1" if DEBUG else "localhost") or ""
EMAIL_PORT = env_int("EMAIL_PORT", DELIVERY_CAPTURE_PORT if DEBUG else 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on; pick STARTTLS or implicit TLS."
    )

# Every ANYMAIL_* variable becomes a key of ANYMAIL: ANYMAIL_POSTMARK_SERVER_TOKEN -> POSTMARK_SERVER_TOKEN.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): env_secret(name) or ""
    for name in {key.removesuffix("_FILE") for key in os.environ if key.startswith("ANYMAIL_")}
}

# DKIM: every active key of the sending domain signs (DkimKey rows made by `manage.py dkim_keygen`),
# plus the key given here. Development signs with a key `make run` makes on its first start.
DKIM_ENABLED = env_bool("DKIM_ENABLED", DEBUG)
DKIM_DOMAIN = (env_str("DKIM_DOMAIN", "") or "").lower()
DKIM_SELECTOR = env_str("DKIM_SELECTOR", "") or ""
DKIM_PRIVATE_KEY = env_secret("DKIM_PRIVATE_KEY", "") or ""
if DKIM_PRIVATE_KEY and not (DKIM_DOMAIN and DKIM_SELECTOR):
    raise ImproperlyConfigured("DKIM_PRIVATE_KEY is set but DKIM_DOMAIN or DKIM_SELECTOR is missing.")
if DKIM_PRIVATE_KEY:
    check_private_key("DKIM_PRIVATE_KEY", DKIM_PRIVATE_KEY)

# --- Outbound delivery (docs/architecture.md, "Delivery") ------------------------------------------
# More transports besides "default" (EMAIL_*): DELIVERY_TRANSPORT_<NAME>=smtp://... | anymail://esp | ...
DELIVERY_TRANSPORTS = {
    name.removeprefix("DELIVERY_TRANSPORT_").lower(): env_secret(name) or ""
    for name in {key.removesuffix("_FILE") for key in os.environ if key.startswith("DELIVERY_TRANSPORT_")}
}
DELIVERY_ROUTES = env_str("DELIVERY_ROUTES", "") or ""  # transactional=relay,bulk@news.example=esp
DELIVERY_FALLBACK = env_str("DELIVERY_FALLBACK", "") or ""  # takes over when an ESP is unreachable
DELIVERY_SMTP_CA_FILE = env_str("DELIVERY_SMTP_CA_FILE", "") or ""  # a private CA for the default relay
DELIVERY_SMTP_INSECURE = env_bool("DELIVERY_SMTP_INSECURE", False)  # plaintext to another machine
# Retries: exponential back-off with jitter from BASE, each wait at most MAX, for at most MAX_AGE.
DELIVERY_RETRY_BASE_SECONDS = env_int("DELIVERY_RETRY_BASE_SECONDS", 60, minimum=1)
DELIVERY_RETRY_MAX_SECONDS = env_int("DELIVERY_RETRY_MAX_SECONDS", 3600, minimum=1)
DELIVERY_MAX_AGE_SECONDS = env_int("DELIVERY_MAX_AGE_SECONDS", 3 * 24 * 3600, minimum=60)
# A worker holds a claimed message this long; a pass after that recovers it (requeued, or uncertain).
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 300, minimum=2)
DELIVERY_BATCH = env_int("DELIVERY_BATCH", 50, minimum=1, maximum=1000)
# Messages per second: per transport (relay=20,esp=10) and per recipient domain (gmail.com=5);
# bulk may use only DELIVERY_BULK_SHARE of a transport's rate, so replies are never held behind it.
DELIVERY_RATES = env_str("DELIVERY_RATES", "") or ""
DELIVERY_DOMAIN_RATES = env_str("DELIVERY_DOMAIN_RATES", "") or ""
DELIVERY_BULK_SHARE = env_float("DELIVERY_BULK_SHARE", 0.8, minimum=0.0)
# bounces@example.com makes the envelope sender bounces+TOKEN@example.com (VERP), where the transport
# lets us choose it; empty uses the From address.
DELIVERY_BOUNCE_ADDRESS = env_str("DELIVERY_BOUNCE_ADDRESS", "") or ""
# Put the ticket's [#123] tag into reply subjects (threads replies whose headers were lost).
HELPDESK_SUBJECT_TAG = env_bool("HELPDESK_SUBJECT_TAG", True)

# --- Feedback loop and deliverability (docs/decisions.md) ------------------------------------------
# N soft bounces of one address within the window suppress it, for a while.
DELIVERY_SOFT_BOUNCE_LIMIT = env_int("DELIVERY_SOFT_BOUNCE_LIMIT", 3, minimum=1)
DELIVERY_SOFT_BOUNCE_DAYS = env_int("DELIVERY_SOFT_BOUNCE_DAYS", 7, minimum=1)
DELIVERY_SOFT_SUPPRESS_DAYS = env_int("DELIVERY_SOFT_SUPPRESS_DAYS", 30, minimum=1)
# A bounce without VERP or Message-ID is matched to the latest mail to its recipient this recent.
DELIVERY_MATCH_DAYS = env_int("DELIVERY_MATCH_DAYS", 14, minimum=1)
# Alert thresholds: complaint and hard-bounce rates (fractions) over the metrics window, the queue's
# oldest message (seconds), a mailbox failing this many polls in a row.
DELIVERY_METRICS_WINDOW_DAYS = env_int("DELIVERY_METRICS_WINDOW_DAYS", 7, minimum=1)
DELIVERY_ALERT_COMPLAINT_RATE = env_float("DELIVERY_ALERT_COMPLAINT_RATE", 0.001, minimum=0.0)
DELIVERY_ALERT_HARD_BOUNCE_RATE = env_float("DELIVERY_ALERT_HARD_BOUNCE_RATE", 0.02, minimum=0.0)
DELIVERY_ALERT_QUEUE_AGE_SECONDS = env_int("DELIVERY_ALERT_QUEUE_AGE_SECONDS", 1800, minimum=60)
DELIVERY_ALERT_MAILBOX_FAILURES = env_int("DELIVERY_ALERT_MAILBOX_FAILURES", 5, minimum=1)
DELIVERY_ALERT_MIN_SENT = env_int("DELIVERY_ALERT_MIN_SENT", 100, minimum=1)
# Bulk mail past these rates is paused (past the DELIVERY_ALERT_* ones only slowed, to this share of its
# rate) until a supervisor resumes it; DELIVERY_BULK_DOMAIN_RATES paces bulk per recipient domain
# ("*=2,gmail.com=1"), and DELIVERY_WARMUP_SCHEDULE caps the bulk mail per day of a new sending domain.
DELIVERY_PAUSE_COMPLAINT_RATE = env_float("DELIVERY_PAUSE_COMPLAINT_RATE", 0.003, minimum=0.0)
DELIVERY_PAUSE_HARD_BOUNCE_RATE = env_float("DELIVERY_PAUSE_HARD_BOUNCE_RATE", 0.05, minimum=0.0)
DELIVERY_SLOW_FACTOR = env_float("DELIVERY_SLOW_FACTOR", 0.25, minimum=0.01)
DELIVERY_BULK_DOMAIN_RATES = env_str("DELIVERY_BULK_DOMAIN_RATES", "") or ""
DELIVERY_WARMUP_SCHEDULE = env_str("DELIVERY_WARMUP_SCHEDULE", "") or ""
# Bulk notices (issue 14): the public address of this site for unsubscribe links (https in production),
# how long such a link works, and the mailbox a mailto unsubscribe goes to (default: the From address).
HELPDESK_BASE_URL = (env_str("HELPDESK_BASE_URL", "http://localhost:8000" if DEBUG else "") or "").rstrip("/")
DELIVERY_UNSUBSCRIBE_DAYS = env_int("DELIVERY_UNSUBSCRIBE_DAYS", 90, minimum=1)
DELIVERY_UNSUBSCRIBE_MAILTO = env_str("DELIVERY_UNSUBSCRIBE_MAILTO", "") or ""
# /metrics for Prometheus: a bearer token, and/or client networks allowed without one.
METRICS_TOKEN = env_secret("METRICS_TOKEN", "") or ""
METRICS_ALLOWED_NETWORKS = env_str("METRICS_ALLOWED_NETWORKS", "") or ""

# --- Mail in (IMAP ingest) ----------------------------------------------------------------------
# TLS to IMAP servers is always verified against the system CAs, plus this file when set (a private CA).
HELPDESK_IMAP_CA_FILE = env_str("HELPDESK_IMAP_CA_FILE", "") or ""
if HELPDESK_IMAP_CA_FILE and not Path(HELPDESK_IMAP_CA_FILE).is_file():
    raise ImproperlyConfigured(f"HELPDESK_IMAP_CA_FILE={HELPDESK_IMAP_CA_FILE!r} is not a readable file.")
HELPDESK_IMAP_TIMEOUT = env_float("HELPDESK_IMAP_TIMEOUT", 30.0, minimum=1)
# UIDs fetched per round trip and the most raw bytes held in memory per round trip.
HELPDESK_IMAP_BATCH_SIZE = env_int("HELPDESK_IMAP_BATCH_SIZE", 200, minimum=1, maximum=5000)
HELPDESK_IMAP_BATCH_BYTES = env_int("HELPDESK_IMAP_BATCH_BYTES", 16 * 1024 * 1024, minimum=1024 * 1024)
# A poll stops after this many messages and the mailbox is due again at once, so one huge backlog
# never holds a worker past its task timeout.
HELPDESK_IMAP_MAX_PER_POLL = env_int("HELPDESK_IMAP_MAX_PER_POLL", 5000, minimum=1)
HELPDESK_IMAP_BACKOFF_MAX_SECONDS = env_int("HELPDESK_IMAP_BACKOFF_MAX_SECONDS", 3600, minimum=60)
# Mail larger than this is stored raw and flagged, never parsed (re-process it from admin on purpose).
HELPDESK_MAX_MESSAGE_BYTES = env_int("HELPDESK_MAX_MESSAGE_BYTES", 25 * 1024 * 1024, minimum=64 * 1024)
# Worker processes that parse large batches while ingest stores and writes (0: parse in-process,
# the default; worth it only with idle cores, see docs/decisions.md).
HELPDESK_INGEST_PARSE_PROCESSES = env_int("HELPDESK_INGEST_PARSE_PROCESSES", 0, minimum=0, maximum=64)
# More new-ticket mail than this per hour from one sender is collected on one ticket (0: no limit).
HELPDESK_SENDER_RATE_LIMIT = env_int("HELPDESK_SENDER_RATE_LIMIT", 20, minimum=0)
# Sender authentication (docs/security.md): "check" reads the trusted Authentication-Results and
# checks DKIM/SPF/DMARC itself where there is none, "header" only reads the header, "off" checks nothing.
HELPDESK_SENDER_AUTH = env_choice("HELPDESK_SENDER_AUTH", "check", {"check", "header", "off"})
# authserv-ids (RFC 8601) whose Authentication-Results are believed: your receiving MTA's, which must
# remove headers claiming its id from incoming mail.
HELPDESK_AUTHSERV_IDS = env_list("HELPDESK_AUTHSERV_IDS", [])
# Host names your MTA writes in "Received: ... by HOST": the address it recorded is checked by SPF.
HELPDESK_MX_HOSTS = env_list("HELPDESK_MX_HOSTS", [])
# DNS servers for the checks ("host" or "host:port", comma-separated); empty: the system's resolver.
HELPDESK_DNS_RESOLVER = env_nameservers("HELPDESK_DNS_RESOLVER")
HELPDESK_DNS_TIMEOUT = env_float("HELPDESK_DNS_TIMEOUT", 3.0, minimum=0.1)

# --- AI drafting and ERP --------------------------------------------------------------------------
LLM_MODEL = env_str("LLM_MODEL", "")
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 60.0, minimum=1)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2, minimum=0, maximum=10)
# A draft that failed because the model timed out or answered garbage is drafted again by a schedule
# after DRAFT_RETRY_MINUTES (doubling), at most DRAFT_AUTO_RETRIES times; 0 turns that off.
DRAFT_AUTO_RETRIES = env_int("DRAFT_AUTO_RETRIES", 3, minimum=0, maximum=10)
DRAFT_RETRY_MINUTES = env_int("DRAFT_RETRY_MINUTES", 5, minimum=1, maximum=1440)

ERP_CONNECTOR = env_choice("ERP_CONNECTOR", "demo", {"demo", "sql", "http"})
ERP_TIMEOUT_SECONDS = env_float("ERP_TIMEOUT_SECONDS", 5.0, minimum=0.1)
ERP_CACHE_SECONDS = env_int("ERP_CACHE_SECONDS", 30, minimum=0)
# After this many Unavailable answers in a row the circuit opens: lookups fail fast for the cool-down.
ERP_BREAKER_FAILURES = env_int("ERP_BREAKER_FAILURES", 5, minimum=1)
ERP_BREAKER_COOLDOWN_SECONDS = env_int("ERP_BREAKER_COOLDOWN_SECONDS", 30, minimum=1)
# sql connector: the ERP database (a secret: it may hold a password) and the file of queries per lookup.
ERP_SQL_URL = env_secret("ERP_SQL_URL", "") or ""
ERP_SQL_QUERIES_FILE = env_str("ERP_SQL_QUERIES_FILE", "") or ""
if ERP_CONNECTOR == "sql" and not (ERP_SQL_URL and ERP_SQL_QUERIES_FILE):
    raise ImproperlyConfigured("ERP_CONNECTOR=sql needs ERP_SQL_URL and ERP_SQL_QUERIES_FILE.")
# http connector: the API's base address, the mapping file, and a bearer token or basic credentials.
ERP_HTTP_URL = env_str("ERP_HTTP_URL", "") or ""
ERP_HTTP_MAPPING_FILE = env_str("ERP_HTTP_MAPPING_FILE", "") or ""
ERP_HTTP_TOKEN = env_secret("ERP_HTTP_TOKEN", "") or ""
ERP_HTTP_USERNAME = env_str("ERP_HTTP_USERNAME", "") or ""
ERP_HTTP_PASSWORD = env_secret("ERP_HTTP_PASSWORD", "") or ""
ERP_HTTP_RETRIES = env_int("ERP_HTTP_RETRIES", 2, minimum=0, maximum=10)
if ERP_CONNECTOR == "http" and not (ERP_HTTP_URL and ERP_HTTP_MAPPING_FILE):
    raise ImproperlyConfigured("ERP_CONNECTOR=http needs ERP_HTTP_URL and ERP_HTTP_MAPPING_FILE.")

# --- Background work ------------------------------------------------------------------------------
# Two clusters on separate queues so bulk work can never delay a reply. "retry" must exceed every
# task's timeout, or django-q2 hands a still-running task to a second worker.
_MAIL_TIMEOUT = env_int("Q_MAIL_TIMEOUT", 300, minimum=10)
_BULK_TIMEOUT = env_int("Q_BULK_TIMEOUT", 1800, minimum=10)
Q_CLUSTER = {
    "name": "mail",
    "orm": "default",
    "workers": env_int("Q_MAIL_WORKERS", 2, minimum=1),
    "timeout": _MAIL_TIMEOUT,
    "retry": _MAIL_TIMEOUT + 60,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "label": _("Background tasks"),
    "ALT_CLUSTERS": {
        "bulk": {
            "workers": env_int("Q_BULK_WORKERS", 1, minimum=1),
            "timeout": _BULK_TIMEOUT,
            "retry": _BULK_TIMEOUT + 60,
        }
    },
}
# Readiness reports the workers as missing below this many running cluster instances (all machines).
HEALTH_MIN_CLUSTERS = env_int("HEALTH_MIN_CLUSTERS", 2, minimum=0)
if _REDIS_URL and env_bool("Q_USE_REDIS", False):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = _REDIS_URL

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "helpdesk.web.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON with a depth limit (helpdesk.limits.JSON_DEPTH); forms as DRF parses them by default.
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.web.api.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, messages, drafts and metrics of the AI-drafting helpdesk.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI describe every endpoint: for signed-in users (session or token) only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the sidecar package's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A draft's claims name their enums themselves; "StateEnum" and "KindEnum" would clash sooner or later.
    "ENUM_NAME_OVERRIDES": {
        "ClaimStateEnum": "drafts.verify.STATES",
        "ClaimKindEnum": "drafts.verify.KINDS",
        "ClaimSourceEnum": "drafts.verify.SOURCES",
        "ClaimPartEnum": "drafts.verify.PARTS",
    },
}

# --- Logging --------------------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
# json: one JSON object a line with the request, ticket, message, draft, outbound and mailbox ids.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", {"plain", "json"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"context": {"()": "helpdesk.logs.ContextFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "axes": {"level": "WARNING"},
        # flufl.bounce logs every detector it runs at INFO: twenty lines per bounce.
        "flufl.bounce": {"level": "WARNING"},
        # httpx logs every ERP request at INFO, with its query (customer e-mail addresses).
        "httpx": {"level": "WARNING"},
        "django_q": {"level": env_choice("Q_LOG_LEVEL", "WARNING", {"DEBUG", "INFO", "WARNING", "ERROR"})},
    },
}

# --- Product --------------------------------------------------------------------------------------
HELPDESK_NAME = env_str("HELPDESK_NAME", "Nordlager Support") or "Helpdesk"
# Seconds an approved reply waits in the queue before it may be sent, so "Undo" can still stop it.
HELPDESK_UNDO_SECONDS = env_int("HELPDESK_UNDO_SECONDS", 10, minimum=0, maximum=600)
