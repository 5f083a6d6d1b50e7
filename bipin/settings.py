"""bipin's one settings module, driven by environment variables (see the README's table).

Every value is read by a typed helper that stops start-up with the variable's name when
the value is wrong. No secret has a production default: outside the demo and debug modes
BIPIN_SECRET_KEY must be set.
"""

import os
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bipin.core.env import Env

env = Env(os.environ)

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = env.path("BIPIN_VAR_DIR", BASE_DIR / "var")

DEBUG = env.bool("BIPIN_DEBUG", False)
#: The embedded demo (`make run`): SQLite in ./var, the Lin'an demo data, a generated key.
DEMO = env.bool("BIPIN_DEMO", False)


def _secret_key() -> str:
    key = env.str("BIPIN_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("BIPIN_SECRET_KEY must be at least 32 characters long")
        return key
    if not (DEMO or DEBUG):
        raise ImproperlyConfigured(
            "BIPIN_SECRET_KEY is required outside the demo (BIPIN_DEMO=1) and debug (BIPIN_DEBUG=1) modes"
        )
    # Demo and debug: a random key made once for this installation, kept in ./var.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("BIPIN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("BIPIN_CSRF_TRUSTED_ORIGINS", [])
HTTPS = env.bool("BIPIN_HTTPS", False)

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the built-in widget templates, for the form renderer below
    "axes",
    "simple_history",
    "django_filters",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",  # the queue of background work, in bipin's own database
    # bipin, lower apps first (DESIGN.md, "Apps and their direction"); the demo steps run
    # in this order.
    "bipin.core",
    "bipin.org",
    "bipin.projects",
    "bipin.enterprises",
    "bipin.talent",
    "bipin.indicators",
    "bipin.scoring",
    "bipin.alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bipin.urls"
WSGI_APPLICATION = "bipin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bipin.core.context_processors.navigation",
                "bipin.alerts.context_processors.unread_notifications",
            ],
        },
    }
]
FORM_RENDERER = "bipin.core.forms.BootstrapFormRenderer"


def _database() -> dict[str, Any]:
    default_url = f"sqlite:///{VAR_DIR / 'bipin.sqlite3'}"
    url = env.str("BIPIN_DATABASE_URL", default_url)
    assert url is not None
    scheme = url.split(":", 1)[0]
    if scheme not in ("sqlite", "postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"BIPIN_DATABASE_URL must start with sqlite:// or postgres://; got {scheme!r}"
        )
    try:
        database = dj_database_url.parse(
            url, conn_max_age=env.int("BIPIN_DB_CONN_MAX_AGE", 60, minimum=0)
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"BIPIN_DATABASE_URL cannot be read: {error}") from None
    if scheme == "sqlite":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # One writer at a time, taken at the start of a transaction instead of failing
        # halfway through it; WAL lets pages read while the worker writes.
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        }
        database["CONN_MAX_AGE"] = 0
    return dict(database)


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a throttled login before the password is checked.
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
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: the tenth wrong password in a row for one user name from one address
# locks that pair out for the cool-off time; a good login resets the count.
AXES_FAILURE_LIMIT = env.int("BIPIN_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("BIPIN_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions end BIPIN_SESSION_HOURS after sign-in, and when the browser closes.
SESSION_COOKIE_AGE = env.int("BIPIN_SESSION_HOURS", 8, minimum=1, maximum=24 * 30) * 3600
# Not saved on every request: a page view writes nothing, so on SQLite a long import does
# not hold up everybody else's pages.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 3600 * 24 * 365

LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LANGUAGE_CODE = env.choice("BIPIN_LANGUAGE", "zh-hans", [code for code, _name in LANGUAGES])
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("BIPIN_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names in production (run `bipin collectstatic`); plain files while debugging.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("BIPIN_MEDIA_ROOT", VAR_DIR / "media")
MEDIA_URL = "/media/"

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("BIPIN_EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("BIPIN_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("BIPIN_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env.str("BIPIN_EMAIL_PASSWORD", "") or ""
_email_security = env.choice("BIPIN_EMAIL_SECURITY", "none", ["none", "starttls", "ssl"])
EMAIL_USE_TLS = _email_security == "starttls"
EMAIL_USE_SSL = _email_security == "ssl"
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("BIPIN_EMAIL_FROM", "bipin@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

NINJA_PAGINATION_PER_PAGE = 50

# A cache every process of one installation shares (progress of background imports):
# files under ./var need no extra server in the embedded default and work with several
# gunicorn workers on one host.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}


def _thresholds(name: str, default: str) -> list[Decimal]:
    """Three ascending amounts for the major-project classes (亿元/10亿元/50亿元以上)."""
    raw = env.str(name, default) or default
    try:
        values = [Decimal(part.strip()) for part in raw.split(",")]
    except InvalidOperation:
        raise ImproperlyConfigured(
            f"{name} must be three amounts separated by commas; got {raw!r}"
        ) from None
    if len(values) != 3 or values != sorted(values) or values[0] <= 0:
        raise ImproperlyConfigured(f"{name} must be three ascending positive amounts; got {raw!r}")
    return values


# Major-project classes: contracted investment in 万元 (1亿, 10亿, 50亿), and for foreign
# projects their foreign capital in 万美元.
BIPIN_MAJOR_PROJECT_THRESHOLDS = _thresholds(
    "BIPIN_MAJOR_PROJECT_THRESHOLDS", "10000,100000,500000"
)
BIPIN_MAJOR_FOREIGN_THRESHOLDS = _thresholds("BIPIN_MAJOR_FOREIGN_THRESHOLDS", "1000,10000,50000")
# Monthly values are due by this day of the following month (the default deadline of a
# reporting period; the supervisor may set another per period).
BIPIN_VALUE_DEADLINE_DAY = env.int("BIPIN_VALUE_DEADLINE_DAY", 10, minimum=1, maximum=28)
# Uploads: evidence files and Excel imports.
BIPIN_UPLOAD_MAX_MB = env.int("BIPIN_UPLOAD_MAX_MB", 20, minimum=1, maximum=500)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# 督查预警. Background work (the daily pass of the rules, deliveries, digests) goes through
# Django's tasks API (django-tasks) on its database backend: the queue is a table of
# bipin's own database, so the embedded default needs no other server, and several
# `bipin worker` processes share it on PostgreSQL.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The worker's daily times (local time, HH:MM): the pass of the rules, then the digests.
BIPIN_ALERTS_AT = env.str("BIPIN_ALERTS_AT", "07:00")
BIPIN_DIGEST_AT = env.str("BIPIN_DIGEST_AT", "08:00")
# The webhook channel: a DingTalk (钉钉 / 浙政钉) custom robot URL, or a work-notice
# endpoint; the secret signs robot calls (加签). Empty: only people with their own URL.
BIPIN_WEBHOOK_URL = env.str("BIPIN_WEBHOOK_URL", "") or ""
BIPIN_WEBHOOK_SECRET = env.str("BIPIN_WEBHOOK_SECRET", "") or ""
BIPIN_WEBHOOK_FORMAT = env.choice("BIPIN_WEBHOOK_FORMAT", "robot", ["robot", "work_notice"])
# Where people reach this installation: mail and webhook messages link to their alert with
# this prefix (a message is read outside the page, so its link must be absolute).
BIPIN_BASE_URL = (env.str("BIPIN_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
if not BIPIN_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"BIPIN_BASE_URL must start with http:// or https://; got {BIPIN_BASE_URL!r}"
    )
# A failed delivery is tried again after 1, 5, 30 minutes, 2 and 12 hours, then marked
# failed (kept, shown, and sent again by hand).
BIPIN_DELIVERY_BACKOFF_MINUTES = [1, 5, 30, 120, 720]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("BIPIN_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
    "loggers": {"axes": {"level": "WARNING"}},
}
