"""Settings for the fasciculation and cramp checklist service.

One file, configured through environment variables read by small typed helpers
that fail loudly: a typo in a deployment variable must stop the service, not
silently fall back to a development default.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use True or False.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


# Management commands and tests default to development mode, so a checkout works with
# no configuration. Serving does not: config/wsgi.py and asgi.py refuse to start unless
# DJANGO_DEBUG is set explicitly, so a deployment that forgets it cannot run in debug
# mode with the development key.
DEBUG = env_bool("DJANGO_DEBUG", True)


def require_explicit_debug_setting() -> None:
    """Called by the WSGI and ASGI entry points, before anything is served."""
    if os.environ.get("DJANGO_DEBUG", "").strip() == "":
        raise ImproperlyConfigured(
            "Set DJANGO_DEBUG before serving: False in production (with DJANGO_SECRET_KEY and "
            "DJANGO_ALLOWED_HOSTS), True only on a development machine."
        )

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
        "when DJANGO_DEBUG is False."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names when DJANGO_DEBUG is False.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

CLINIC_NAME = env_str("CLINIC_NAME", "Neurology Outpatient Clinic")
# Behind a reverse proxy REMOTE_ADDR is the proxy; set this when the proxy appends the
# client's address to X-Forwarded-For, so the audit trail records the real client.
AUDIT_TRUST_X_FORWARDED_FOR = env_bool("AUDIT_TRUST_X_FORWARDED_FOR", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # TOTP second factor (accounts/two_factor.py); only its device models are used, no middleware.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "evaluation",
    "accounts",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions and before common, as Django's documentation asks: the language of a page
    # for someone not signed in comes from the browser (Accept-Language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication, so its response phase runs last and sees the final user.
    "evaluation.middleware.PrivateNoStoreMiddleware",
    # A signed-in user's pages follow the language chosen on their account page.
    "accounts.middleware.UserLanguageMiddleware",
    # Then the machine interfaces (API, FHIR, CDS Hooks) follow the request's Accept-Language instead.
    "interop.language.MachineLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages, because it tells the user why they were signed out. It
    # still signs out before any view runs: LoginRequiredMiddleware checks in
    # process_view, which comes after every middleware's request phase.
    "evaluation.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes last, as its documentation asks, so it sees the final response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, except that the signed-in user's permissions are read in the same query
    # as the user (no two extra queries per request, and never stale: see evaluation/permissions.py).
    "evaluation.permissions.PermissionsWithUserBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "evaluation.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A connection the database dropped (restart, fail-over, idle timeout) is
        # checked and replaced before a request uses it, instead of a 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Write-ahead logging: readers never wait for a writer (runserver's threads), and a commit writes and
    # syncs the log once instead of the rollback journal's several syncs (every audited page commits).
    # synchronous stays FULL, SQLite's default: a committed write survives a power cut as well.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
# PostgreSQL's default planner cost for a random page read (4) assumes spinning disks: with it a name
# search scans the whole patient table instead of using the trigram index. 1.1 suits SSDs and a
# cached table; set DATABASE_RANDOM_PAGE_COST empty to leave the server's own setting.
_RANDOM_PAGE_COST = env_str("DATABASE_RANDOM_PAGE_COST", "1.1").strip()
if _RANDOM_PAGE_COST and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    try:
        if float(_RANDOM_PAGE_COST) <= 0:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            f"DATABASE_RANDOM_PAGE_COST={_RANDOM_PAGE_COST!r} is not a positive number.") from None
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c random_page_cost={_RANDOM_PAGE_COST}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id first, as Django's documentation recommends: memory-hard (Django's defaults: 100 MiB, two
# passes), so a stolen hash costs an attacker far more than PBKDF2's, while a check costs the server about
# half the time of PBKDF2's 1,000,000 iterations. A signature asks for the password, so that time is in every
# signing. The others still check passwords stored before; each is re-stored as Argon2 at its next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface languages (catalogues in locale/); a user picks one on their account page.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates and numbers as in the clinic's own country (config/formats/en), Spanish as Django has them.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except Exception as exc:  # noqa: BLE001 - any failure means the name is unusable
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone.") from exc
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic writes, and where production serves from (its manifest must exist there).
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "evaluation:home"
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Cache and sessions: with REDIS_URL set (several hosts), both live in Redis through
# Django's built-in backend; without it, sessions stay in the database (shared by
# every host) and the cache is per process. Either way a read never writes the
# session: the middleware refreshes its last-seen mark at most once a minute.
REDIS_URL = env_str("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_INACTIVITY_TIMEOUT = timedelta(minutes=env_int("SESSION_INACTIVITY_MINUTES", 15, minimum=1))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Sign-in protection (django-axes, see accounts/throttle.py). Failures lock the pair
# (username, client address), never the username alone, so a stranger cannot lock a
# clinician out from elsewhere; each address also has its own, higher limit over all
# usernames, which stops password spraying without one person's typos locking out a
# whole clinic behind one shared address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.throttle.PairAndAddressHandler"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
# The same client address as the audit trail (behind a proxy, the one it appended).
AXES_CLIENT_IP_CALLABLE = "evaluation.audit.client_address"
# A refused attempt is not counted again, so a flood while locked writes nothing and
# the lock ends one cool-off after the last counted failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False

# Signing re-checks the password with its own limit (accounts/signing_limit.py), counted in the
# cache per user: this many wrong signing passwords or codes pause signing, never signing in.
SIGNING_FAILURE_LIMIT = env_int("SIGNING_FAILURE_LIMIT", 5, minimum=1)
SIGNING_COOLOFF_TIME = timedelta(minutes=env_int("SIGNING_COOLOFF_MINUTES", 15, minimum=1))
# Signing also asks for a current code from an authenticator enrolled on the account page.
REQUIRE_2FA_FOR_SIGNING = env_bool("REQUIRE_2FA_FOR_SIGNING", False)
OTP_TOTP_ISSUER = "Clinician checklist"

# Security headers. Production turns on the transport-level settings.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("DJANGO_BEHIND_TLS_PROXY", not DEBUG):
    # TLS ends at the reverse proxy, which must set this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The JSON API (interop app). JSON only: the browsable API needs inline script, which the CSP forbids.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first, so an unauthenticated request gets 401 with WWW-Authenticate: Bearer.
        "interop.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["interop.api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "interop.api.errors.Pagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "interop.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fasciculation and cramp checklist API",
    "DESCRIPTION": "Patients, assessments, suggestions and template versions; FHIR R4 export and CDS Hooks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "evaluation.models.Assessment.Status",
        "TemplateVersionStatusEnum": "evaluation.models.TemplateVersion.Status",
    },
    # Swagger UI from the drf-spectacular-sidecar package, served as our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public validator service: clinics run offline and the CSP forbids it.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "persistAuthorization": False},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Axes logs usernames and addresses at INFO; keep its noise to warnings.
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
