"""Every setting comes from a YUNWEI_* environment variable, with defaults that run on
one machine with nothing else installed (SQLite, console e-mail, in-process cache).

The variables are listed in README.md; keep the two in step.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(f"YUNWEI_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(f"YUNWEI_{name}")
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(f"YUNWEI_{name}")
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def read_or_create_secret(path: Path, length: int = 64) -> str:
    """A secret kept in the data directory, created on first use (mode 0600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(length))
    return path.read_text().strip()


DATA_DIR = Path(env_str("DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG")
SECRET_KEY = env_str("SECRET_KEY") or read_or_create_secret(DATA_DIR / "secret.key")
# The audit chain's HMAC key lives outside the database so that whoever can write the
# database alone cannot re-chain edited entries.
AUDIT_KEY = env_str("AUDIT_KEY") or read_or_create_secret(DATA_DIR / "audit.key")

# The host name in links sent by e-mail (password resets…); else the request's host.
SITE_DOMAIN = env_str("SITE_DOMAIN")
# The address users open, for links in e-mail, webhooks and chat messages.
SITE_URL = env_str("SITE_URL") or f"http://{SITE_DOMAIN or '127.0.0.1:8000'}"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- HTTPS: YUNWEI_HTTPS=1 when served behind TLS (makes `yunwei check --deploy` clean)
HTTPS = env_bool("HTTPS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_AGE_SECONDS", 12 * 3600)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "yunwei.core",
    "yunwei.accounts",
    "yunwei.catalog",
    "yunwei.sla",
    "yunwei.tickets",
    "yunwei.notifications",
    "yunwei.webhooks",
    "yunwei.inbound",
    "yunwei.portal",
    "yunwei.reports",
    "yunwei.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yunwei.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "yunwei.accounts.middleware.UserPreferencesMiddleware",
    "yunwei.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yunwei.urls"
WSGI_APPLICATION = "yunwei.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yunwei.core.navigation.navigation",
                "yunwei.notifications.context_processors.unread_notifications",
            ],
        },
    }
]

# --- Database: SQLite in the data directory unless YUNWEI_DATABASE_URL says otherwise
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'yunwei.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue on the lock instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Through PgBouncer in transaction mode a cursor must not outlive its transaction.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("PGBOUNCER")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when given (shared by every process), else in-process
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Background work (django-tasks); the database backend needs nothing else installed
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Accounts and authentication
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 3600

# Login throttling (django-axes): lock an account after repeated failures, and an address
# after repeated failures whatever account it tries; unknown accounts count the same.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yunwei.accounts.views.locked_out"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("SITE_NAME", "Yunwei")

# --- E-mail: YUNWEI_EMAIL_URL=smtp://user:pass@host:587?tls=1 ; console when absent
EMAIL_URL = env_str("EMAIL_URL")
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "Yunwei <yunwei@localhost>")
if EMAIL_URL:
    _email = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = _email.username or ""
    EMAIL_HOST_PASSWORD = _email.password or ""
    EMAIL_USE_TLS = "tls=1" in _email.query
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Notifications: outbound e-mail and in-app (yunwei.notifications; docs/notifications.md)
# The right-hand side of our Message-IDs (threads); the sender's domain when unset.
MAIL_DOMAIN = env_str("MAIL_DOMAIN")
# The From of notification mail, and where replies go (the inbound mailbox, so a reply
# becomes a comment); the From address itself when unset.
NOTIFICATIONS_FROM_EMAIL = env_str("NOTIFY_FROM") or DEFAULT_FROM_EMAIL
NOTIFICATIONS_REPLY_TO = env_str("NOTIFY_REPLY_TO")
# Seconds the worker waits on the mail server before trying again later.
NOTIFICATIONS_SMTP_TIMEOUT = env_int("NOTIFY_SMTP_TIMEOUT", 30)

# --- Webhooks and chat robots (yunwei.webhooks; docs/webhooks.md)
# Seconds a webhook call may take in all (resolve, connect, send, read the answer);
# capped at 60, far below the outbox lease (webhooks/guard.py MAX_CALL_SECONDS).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Bytes of a receiver's answer read at most; the rest is never downloaded.
WEBHOOK_MAX_RESPONSE_BYTES = env_int("WEBHOOK_MAX_RESPONSE_BYTES", 65536)
# Networks (CIDR, comma-separated) webhooks may reach although they are not public,
# e.g. "10.20.0.0/16,fd00:1::/64" for an internal receiver.
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS")

# --- Inbound e-mail (yunwei.inbound; docs/inbound-mail.md)
# Mailboxes `yunwei mail fetch` empties: imaps://user:password@host:993/INBOX, pop3s://…,
# comma-separated; ?delete=0 keeps messages (marked fetched), ?starttls=1, ?verify=0.
MAIL_INBOXES = env_list("MAIL_INBOXES")
MAIL_FETCH_SECONDS = env_int("MAIL_FETCH_SECONDS", 60)
MAIL_TIMEOUT_SECONDS = env_int("MAIL_TIMEOUT_SECONDS", 30)
# Larger messages are quarantined with their first bytes only.
MAIL_MAX_BYTES = env_int("MAIL_MAX_MB", 25) * 1024 * 1024
# Unknown senders: "reject", or "create" a requester when their domain is a sender domain.
MAIL_UNKNOWN_SENDERS = env_str("MAIL_UNKNOWN_SENDERS", "reject")
# The service (code) of tickets opened by e-mail; else the organization's only service.
MAIL_DEFAULT_SERVICE = env_str("MAIL_DEFAULT_SERVICE")
# Our own addresses besides EMAIL_FROM: mail from them is a loop, never a ticket.
MAIL_OWN_ADDRESSES = env_list("MAIL_OWN_ADDRESSES")
# Mail from provider staff (a From header anyone can forge): "reject", or "internal" —
# an internal note on the open ticket it answers, never a public reply.
MAIL_STAFF_SENDERS = env_str("MAIL_STAFF_SENDERS", "reject")

# --- Customer portal (yunwei.portal; docs/portal.md)
PORTAL_PAGE_SIZE = max(5, min(env_int("PORTAL_PAGE_SIZE", 20), 100))  # tickets per page

# --- Internationalisation: Simplified Chinese and English, Asia/Shanghai by default
LANGUAGE_CODE = env_str("LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_USER_TIMEZONE = env_str("TIME_ZONE", "Asia/Shanghai")

# --- Static files: vendored, served by whitenoise; nothing from a CDN
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # vendored front-end libraries
STATIC_ROOT.mkdir(exist_ok=True)
# Attachments: files under the data dir, or an S3-compatible bucket (django-storages;
# `pip install "yunwei[s3]"`) when YUNWEI_S3_BUCKET is set.
S3_BUCKET = env_str("S3_BUCKET")
DEFAULT_STORAGE: dict[str, object] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY") or None,
            "secret_key": env_str("S3_SECRET_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True

# --- Tickets
TICKET_REOPEN_DAYS = env_int("TICKET_REOPEN_DAYS", 7)
TICKET_AUTO_CLOSE_DAYS = env_int("TICKET_AUTO_CLOSE_DAYS", 5)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 20) * 1024 * 1024
# Types accepted as attachments, by the type found in the file's content (the extension
# must agree with it).
ATTACHMENT_TYPES = env_list(
    "ATTACHMENT_TYPES",
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,"
    "application/zip,application/gzip,application/x-7z-compressed,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.openxmlformats-officedocument.presentationml.presentation,"
    "application/msword,application/vnd.ms-excel,application/vnd.ms-powerpoint,"
    "message/rfc822,application/json,application/xml",
)

# --- API
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 365)
API_PAGE_MAX = 500
NINJA_PAGINATION_MAX_LIMIT = API_PAGE_MAX

# --- Audit trail: sealed in the same transaction on SQLite (writes are serialised
# there anyway); on PostgreSQL the worker seals within seconds so writers never queue
# behind the chain head.
AUDIT_SEAL_INLINE = env_bool(
    "AUDIT_SEAL_INLINE", DATABASES["default"]["ENGINE"].endswith("sqlite3")
)
# The chain head is also written here, outside the database (see docs/audit.md).
AUDIT_ANCHOR_FILE = env_str("AUDIT_ANCHOR", str(DATA_DIR / "audit-anchor.json"))
WORKER_POLL_SECONDS = float(env_str("WORKER_POLL_SECONDS", "1"))
# A worker silent this long is dead: its running jobs go back in the queue (core/workers.py).
WORKER_DEAD_SECONDS = max(1, env_int("WORKER_DEAD_SECONDS", 60))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The worker drains the queue every poll: its per-poll start/stop lines are noise.
    "loggers": {"axes": {"level": "WARNING"}, "django_tasks_db": {"level": "WARNING"}},
}

# E-mail is unique case-insensitively (a functional unique constraint), which this check
# cannot see. SQLite ignores an index's INCLUDE columns (models.W040): they only let
# PostgreSQL answer the SLA report from the index, and SQLite still uses the index.
SILENCED_SYSTEM_CHECKS = ["auth.W004", "models.W040"]
