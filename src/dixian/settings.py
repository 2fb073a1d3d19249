"""Dixian settings, read from the environment (after Healthchecks' single settings file).

SQLite (WAL) under ``DIXIAN_DATA_DIR`` is the default; ``DATABASE_URL`` selects PostgreSQL.
"""

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


TESTING = env_bool("DIXIAN_TESTING") or "pytest" in sys.modules
DEMO = env_bool("DIXIAN_DEMO")
DEBUG = env_bool("DIXIAN_DEBUG")

if os.environ.get("DIXIAN_DATA_DIR"):
    DATA_DIR = Path(os.environ["DIXIAN_DATA_DIR"]).resolve()
elif TESTING:
    import tempfile

    DATA_DIR = Path(tempfile.mkdtemp(prefix="dixian-test-"))
else:
    DATA_DIR = (Path.cwd() / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("DIXIAN_SECRET_KEY") or os.environ.get("SECRET_KEY")
    if key:
        return key
    if not (DEMO or TESTING or DEBUG):
        raise ImproperlyConfigured(
            "DIXIAN_SECRET_KEY is required outside demo mode (set DIXIAN_DEMO=1 for a demo)."
        )
    # Demo and test runs keep a generated key beside their data so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DIXIAN_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DIXIAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]


def database_from_url(url: str) -> dict:
    """Parse ``postgres://user:pass@host:port/name`` or ``sqlite:///path`` into a Django dict."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        config = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("DIXIAN_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": os.environ.get("DIXIAN_TEST_DB_NAME") or None},
        }
        return config
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        elif url.startswith("sqlite:///"):
            path = path[1:] if path.startswith("/") else path
        return sqlite_config(Path(path).resolve() if path else DATA_DIR / "dixian.sqlite3")
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")


def sqlite_config(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON"
            ),
            "transaction_mode": "IMMEDIATE",
        },
        # Keep connections (per thread) as on PostgreSQL: opening a SQLite connection to the
        # full schema in WAL mode costs milliseconds per request (4-5 ms of a 6 ms
        # one-tap acknowledgement, measured with bench/warning_release.py).
        "CONN_MAX_AGE": env_int("DIXIAN_CONN_MAX_AGE", 60),
    }


DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else sqlite_config(DATA_DIR / "dixian.sqlite3")
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "huey.contrib.djhuey",
    "dixian.core",
    "dixian.duties",
    "dixian.enterprises",
    "dixian.workforce",
    "dixian.prevention",
    "dixian.monitoring",
    "dixian.alerts",
    "dixian.emergency",
    "dixian.accidents",
]

# Apps whose `demo.seed()` the Pinglu demo calls, in this order (after the core world).
DIXIAN_DEMO_APPS = [
    "duties",
    "enterprises",
    "workforce",
    "prevention",
    "monitoring",
    "alerts",
    "emergency",
    "accidents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dixian.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dixian.core.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dixian.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "dixian.urls"
WSGI_APPLICATION = "dixian.wsgi.application"

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
                "dixian.core.context_processors.shell",
            ],
        },
    }
]

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "dixian.core.security.MixedClassesValidator"},
]

# Login throttling: failures per (username) and per (IP) inside a window lock the pair out.
LOGIN_MAX_FAILURES = env_int("DIXIAN_LOGIN_MAX_FAILURES", 5)
LOGIN_WINDOW_SECONDS = env_int("DIXIAN_LOGIN_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("DIXIAN_LOGIN_LOCKOUT_SECONDS", 15 * 60)

SESSION_COOKIE_AGE = env_int("DIXIAN_SESSION_SECONDS", 8 * 3600)
SESSION_IDLE_SECONDS = env_int("DIXIAN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
HTTPS = env_bool("DIXIAN_HTTPS", default=not (DEMO or TESTING or DEBUG))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DIXIAN_HSTS_SECONDS", 0)

# Strict CSP: no inline script, no eval; styles from our origin only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Uploads: checked by type and size where they are accepted.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("DIXIAN_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # shown to users; stored in UTC (USE_TZ)
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (TESTING or DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG

FILTERS_EMPTY_CHOICE_LABEL = _("All")
FILTERS_NULL_CHOICE_LABEL = _("None")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "dixian.core.api.schema.DixianAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "dixian.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("DIXIAN_API_ANON_RATE", "60/min"),
        "user": os.environ.get("DIXIAN_API_USER_RATE", "100000/hour" if TESTING else "3000/min"),
    },
    "EXCEPTION_HANDLER": "dixian.core.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dixian API",
    "DESCRIPTION": "County work-safety and emergency-management platform (底线).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# Background work: huey. SQLite file beside the data by default; Redis when configured.
REDIS_URL = os.environ.get("DIXIAN_REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "dixian",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "dixian",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }
HUEY["consumer"] = {"workers": env_int("DIXIAN_WORKERS", 2), "worker_type": "thread"}
if TESTING:
    HUEY["immediate"] = True

# Outbox delivery: exponential backoff from the first retry, capped; then the message fails.
OUTBOX_MAX_ATTEMPTS = env_int("DIXIAN_OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_BACKOFF_SECONDS = env_int("DIXIAN_OUTBOX_BACKOFF_SECONDS", 60)
OUTBOX_HTTP_TIMEOUT = float(os.environ.get("DIXIAN_OUTBOX_HTTP_TIMEOUT", "10"))

EMAIL_BACKEND = os.environ.get(
    "DIXIAN_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("DIXIAN_EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_HOST = os.environ.get("DIXIAN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DIXIAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DIXIAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DIXIAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DIXIAN_EMAIL_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DIXIAN_EMAIL_FROM", "dixian@localhost")

# The county this instance serves (administrative division code).
COUNTY_CODE = os.environ.get("DIXIAN_COUNTY_CODE", "140829")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DIXIAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "huey": {"level": "WARNING", "propagate": False, "handlers": ["console"]},
        "django.request": {"level": "ERROR"},
    },
}
