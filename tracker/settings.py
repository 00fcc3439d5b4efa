"""Settings for the pledge tracker: one file, driven by the environment.

DATABASE_URL picks the database (an embedded SQLite file by default), REDIS_URL
the cache (local memory by default). With DEBUG=0 the app refuses to start
without a real SECRET_KEY.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_INSECURE_KEY = "django-insecure-local-development-only"
SECRET_KEY = os.environ.get("SECRET_KEY", _INSECURE_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DEBUG is off: set SECRET_KEY to a random value of at least 32 characters."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
# Absolute links (canonical, og:url, feeds, the JSON API's next, the CSV) are built from
# this origin, never from the request's Host header, which any client can set and which a
# cached page would then hand to every later reader.
TRACKER_ORIGIN = os.environ.get(
    "TRACKER_ORIGIN", "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}"
).rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "django.contrib.postgres",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "simple_history",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so every answer has the policy, a 503 from a database
    # outage included.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Activates the language of the URL (/ko/..., /en/...), and sends an unprefixed HTML
    # address to the reader's language (Accept-Language). Before anything that may answer
    # with a page (the 400 below, the login redirect) so that page is in the right
    # language, and before CommonMiddleware, whose slash redirect must see the prefix.
    "django.middleware.locale.LocaleMiddleware",
    "tracker.errors.reject_nul_bytes",
    "tracker.htmx.HtmxLoginRedirectMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Edit history (django-simple-history) records who made each change.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so concurrent writers queue
    # instead of failing with "database is locked" on upgrade.
    # WAL lets readers go on while one writer commits, and commits without a full fsync.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's cost of a page read at random, against 1 for one read in sequence
    # (PostgreSQL's default 4 assumes spinning disks). At 4 it counted a search for a word
    # in a third of the pledges cheaper as a scan of every search row, unpacking each
    # stored document (95-146 ms at scale L), than as the GIN index's bitmap (5-27 ms);
    # 1.1, usual for SSDs and data held in memory, picks the index (README "Search").
    options = [f"-c random_page_cost={os.environ.get('DATABASE_RANDOM_PAGE_COST', '1.1')}"]
    if os.environ.get("DATABASE_STATEMENT_TIMEOUT"):
        # A query running longer is cancelled (the reader gets the 503 page) instead of
        # holding a worker and a connection. tracker/wsgi.py sets it for web requests;
        # management commands (migrate, seed_bulk) run without it unless set for them too.
        options.append(f"-c statement_timeout={os.environ['DATABASE_STATEMENT_TIMEOUT']}")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(options)
if os.environ.get("TEST_DATABASE_NAME"):
    # Lets two test runs share one PostgreSQL server without fighting over test_<name>.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "tracker",
        }
    }
else:
    # Each process keeps its own. Room for every list row (tracker.caching.rendered_rows,
    # about 1 KB each at scale L) besides the pages: the default, 300, would keep few.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 25_000},
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:worklist"
LOGOUT_REDIRECT_URL = "home"

# Login throttling: five failed logins from one client address lock that address out for
# an hour, whatever usernames it tried. Per address, never per username, so a stranger
# cannot lock a staff member out for everyone, and spraying names is as slow as guessing.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_address"
# How many proxies in front of the app append to X-Forwarded-For (0: none, the client
# connects directly). Behind the documented TLS proxy: 1. Too high lets clients forge it.
TRACKER_TRUSTED_PROXIES = int(os.environ.get("TRACKER_TRUSTED_PROXIES", "0"))
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# Korean and English (issue 13). Every HTML page has an address in each (/ko/..., /en/...:
# tracker/urls.py). Korean is the default, used only when a request names neither
# language: browsers always send Accept-Language, so that means a crawler, a link preview
# or a script, and the record of Korea's pledges is first for readers of Korean.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "tracker" / "locale"]
# Dates and numbers as each language writes them ("2025년 9월 1일", "1 September 2025").
FORMAT_MODULE_PATH = ["tracker.formats"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Content Security Policy: everything from this site, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # Scripts are files from this site only: no inline script, so no nonce, and a cached
    # page stays valid under the policy of any later request.
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Behind a TLS-terminating proxy: set SECURE_PROXY_SSL_HEADER=1 and keep the defaults below.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading commits the whole domain and its subdomains to HTTPS in browsers, hard to undo:
# the deployer opts in with SECURE_HSTS_PRELOAD=1, so `check --deploy` need not warn (W021).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Load balancers probe the health check over plain HTTP, straight to the app.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# How long each process may remember the record's revision (tracker.caching): a write in
# another process shows within this many seconds. 0: read it on every request.
TRACKER_REVISION_MEMO_SECONDS = float(os.environ.get("TRACKER_REVISION_MEMO_SECONDS", "1"))
# While one request renders a page afresh after a write, other readers of that page get
# the copy before it, if it was rendered at most this many seconds ago (0: they render it
# too). Signed-in staff are never served a cached page, so they see their writes at once.
TRACKER_STALE_SECONDS = float(os.environ.get("TRACKER_STALE_SECONDS", "2"))

# Part of every public ETag and cache key, so a release that renders pages differently is
# not answered with a 304 or a cached page from the one before: set it to the commit or
# version being deployed.
TRACKER_RELEASE = os.environ.get("TRACKER_RELEASE", "dev")

# Where exports built once per revision (the full CSV) are kept; any local directory.
TRACKER_EXPORT_DIR = os.environ.get(
    "TRACKER_EXPORT_DIR", os.path.join(tempfile.gettempdir(), "tracker-exports")
)

# Builds of the export files start at most this often (seconds between one build's end
# and the next one's start): under a steady stream of writes a scale-L build (20-40 s of
# CPU) would otherwise keep one core busy for good. A write after a quiet spell still
# builds at once; during a burst the files lag the record by up to this much more.
TRACKER_EXPORT_INTERVAL = float(os.environ.get("TRACKER_EXPORT_INTERVAL", "60"))

# Where readers send corrections (shown on /about/).
TRACKER_CONTACT_EMAIL = os.environ.get("TRACKER_CONTACT_EMAIL", "")

# How long before an open pledge with no update counts as "quiet" in the staff worklist.
TRACKER_QUIET_DAYS = 90

# Background work (tracker.tasks) goes through Django's tasks framework into the database;
# `manage.py db_worker` runs it, and `manage.py demo` runs a worker thread of its own.
# "exports": the export files' builds, so that they never wait behind slow evidence fetches
# (run a worker of their own: `db_worker --queue-name exports`, README "Open data").
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "exports"],
    }
}

# Email (Django 6.1's MAILERS): printed to the console while DEBUG is on (demo), sent by
# SMTP otherwise, to EMAIL_HOST:EMAIL_PORT with EMAIL_HOST_USER / EMAIL_HOST_PASSWORD.
if DEBUG and not os.environ.get("EMAIL_HOST"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Korea Pledge Tracker <noreply@localhost>"
)

# The evidence vault's fetcher (tracker.fetch): what it may fetch, and how much.
TRACKER_FETCH_MAX_BYTES = 5 * 1024 * 1024
TRACKER_FETCH_TIMEOUT = 20  # seconds for the whole fetch, redirects included
TRACKER_FETCH_MAX_TEXT = 100_000  # characters of extracted text kept
# "address:port" pairs the fetcher may reach although they are not public. For tests
# only (a server on loopback): never set in production, and not read from the environment.
TRACKER_FETCH_TEST_ALLOWLIST = ()

# Two-key review (issue 14). A change of status to one of these needs a second person,
# an editor or curator who is not its author, before the public sees it. A note-only
# update (status unchanged) goes straight out unless TRACKER_REVIEW_NOTE_ONLY.
TRACKER_REVIEW_STATUSES = os.environ.get(
    "TRACKER_REVIEW_STATUSES", "achieved,partially_achieved,broken,stalled"
).split(",")
TRACKER_REVIEW_NOTE_ONLY = env_bool("TRACKER_REVIEW_NOTE_ONLY", False)
# Public pages say who reviewed an update by role ("a curator") unless this is on.
TRACKER_PUBLIC_STAFF_NAMES = env_bool("TRACKER_PUBLIC_STAFF_NAMES", False)
