"""One settings module, driven by the environment (see .env.example).

Defaults give a working development site on a SQLite file with no broker; production sets
DJANGO_SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS and leaves DJANGO_DEBUG unset.
"""

import datetime
from pathlib import Path

import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A development key only when DEBUG is on: a production process without a secret must not start.
_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is not 1.")
# Rotation: the new key in DJANGO_SECRET_KEY, the old ones here (sessions, and the encrypted
# webhook secrets below, still open with them).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# Encrypted model fields (django-fernet-encrypted-fields: webhook secrets): the key is derived
# from SECRET_KEY with this salt; a list rotates it (the first encrypts, all decrypt).
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT", default=["csp-helpdesk-encrypted-fields-v1"])

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "simple_history",
    "axes",
    "accounts",
    "contracts",
    "sla",
    "tickets",
    "notifications",
    "webhooks",
    "workspace",
    "mail",
    "microsoft",
    "surveys",
    "knowledge",
    "reports",
    "search",
    "replies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.middleware.RejectNulBytesMiddleware",
    "helpdesk.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise: every response Django renders (not the static files) gets the
    # Content-Security-Policy header and, carrying personal data, Cache-Control: no-store.
    "csp.middleware.CSPMiddleware",
    "helpdesk.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records request.user as the acting user on every history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a locked-out login into the lockout page (accounts/lockout.py); last, as axes asks.
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
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite, the embedded default, under concurrent writers (web threads and processes, the
    # worker): each transaction takes the write lock when it begins (IMMEDIATE), so a reader
    # never has to upgrade to a writer mid-transaction, which SQLite answers at once with
    # "database is locked"; writers wait for one another up to SQLITE_TIMEOUT_SECONDS. WAL
    # lets readers go on while one writes; synchronous=NORMAL is WAL's durable-enough setting.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT_SECONDS", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The reports' covering index (INCLUDE) is PostgreSQL's; SQLite keeps its key columns,
    # which is all it needs, and would say so on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): LOGIN_FAILURE_LIMIT failed password logins lock the account,
# and separately the address they came from, for LOGIN_LOCKOUT_MINUTES; a successful login
# clears its account's failures. Behind a reverse proxy, LOGIN_TRUSTED_PROXY_COUNT says how many
# proxies add themselves to X-Forwarded-For (the client's address is read from it); without one
# every login would seem to come from the proxy's address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# No start-up banner on every command (manage.py output stays what the command prints).
AXES_VERBOSE = False
LOGIN_TRUSTED_PROXY_COUNT = env.int("LOGIN_TRUSTED_PROXY_COUNT", default=0)
if LOGIN_TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = LOGIN_TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Business rules run in Asia/Tokyo (DOMAIN.md, open point 1); instants are stored in UTC.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files in production (run collectstatic); plain files in development
    # and tests, which serve straight from the apps.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Attachments (tickets.Attachment): size and type limits, per file and per message.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_TOTAL_BYTES = env.int("ATTACHMENT_MAX_TOTAL_BYTES", default=25 * 1024 * 1024)
ATTACHMENT_ALLOWED_TYPES = env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=[
        "text/plain",
        "text/csv",
        "application/pdf",
        "application/zip",
        "application/json",
        "application/xml",
        "image/png",
        "image/jpeg",
        "image/gif",
        "message/rfc822",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
# Each type is read from the file's content (tickets/attachments.py), never from the upload's
# claim; content of no known type (application/octet-stream) is refused even if listed here.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request body other than a file upload (JSON, a form): larger ones answer 413 unread.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2560 * 1024)
# Django's page for a failed CSRF check, but the JSON error shape under /api/.
CSRF_FAILURE_VIEW = "helpdesk.api.csrf_failure"

# Email
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CSP サポート <support@example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with REDIS_URL the worker and beat use Redis; without it tasks run eagerly in-process,
# so the first run needs no broker.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
# The cache holds API throttling counters. Per process by default, so a Redis outage never
# fails a request; CACHE_URL=redis://… shares the counters between processes.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A stopped Redis is noticed in seconds, so a request that enqueues a task (after its commit)
# answers quickly; the outbox and the sweeps deliver later. Kombu retries the connection (after
# 0, 2 and 4 s) until this timeout has passed: about 6 s per enqueue at the default of 3.
BROKER_CONNECT_TIMEOUT_SECONDS = env.float("BROKER_CONNECT_TIMEOUT_SECONDS", default=3.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": BROKER_CONNECT_TIMEOUT_SECONDS,
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT_SECONDS
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_RESULT_EXPIRES = 3600

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        # Session + CSRF for agents' browsers; a CSRF failure answers the code `csrf_failed`.
        "helpdesk.api.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "helpdesk.api.ApiPagination",
    "PAGE_SIZE": 50,
    # One error shape for every 4xx: {"code", "message", "fields"} (helpdesk/api.py).
    "EXCEPTION_HANDLER": "helpdesk.api.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["helpdesk.api.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # JSONParser that answers 400 to a body nested too deeply for the decoder.
        "helpdesk.api.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
}
# Requests per API token (or per session user); "none" switches throttling off (benchmarks).
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "CSP Helpdesk reseller API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "契約リセラー向け REST API（カスタマー・サポート・サービス約款）。"
        "Every 4xx answers {code, message, fields}; times are ISO 8601 in JST (+09:00)."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from this site (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "sla.models.Severity",
        # Every SLA clock state (sla.deadlines.SlaState), in its order.
        "SlaStateEnum": [
            "no_commitment",
            "running",
            "paused",
            "at_risk",
            "met",
            "breached",
            "stopped",
        ],
        "TicketStatusEnum": "tickets.models.Status",
        "WebhookEventEnum": "webhooks.models.WebhookEvent",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "helpdesk.api.schema_error_responses",
    ],
}

# Security: sane defaults that `check --deploy` accepts when DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The health probe is called over plain HTTP from inside the stack.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): the pages' own scripts and styles only, from this
# site's static files; no inline script or style, no other origin, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.NONE],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"denied_one_line": {"()": "helpdesk.log_filters.DeniedWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # A denied page logs one line, not a traceback (on the logger, so every handler sees it).
    "loggers": {"django.request": {"filters": ["denied_one_line"]}},
}

# SLA: the at-risk warning fires when this share of the first-response window has passed.
SLA_AT_RISK_SHARE = env.float("SLA_AT_RISK_SHARE", default=0.75)
SLA_CRITICAL_AT_RISK_MINUTES = env.int("SLA_CRITICAL_AT_RISK_MINUTES", default=15)

# Functions called with every TicketEvent inside its transaction (webhooks, mail): dotted paths.
TICKET_EVENT_SUBSCRIBERS: list[str] = []
# Outbound webhooks for resellers: queue a signed POST per subscribed ticket event.
TICKET_EVENT_SUBSCRIBERS += ["webhooks.services.webhook_deliveries_enqueue"]
# A ticket opened with its deadline within the next minute gets its exact-time breach check.
TICKET_EVENT_SUBSCRIBERS += ["tickets.tasks.on_ticket_event"]
# The worker (tickets.tasks, notifications.tasks): claim batch size, the look-ahead of exact-time
# checks (sweep period + margin: never a long ETA), outbox retries (backoff up to 1 h) and lease.
SLA_SWEEP_BATCH_SIZE = env.int("SLA_SWEEP_BATCH_SIZE", default=500)
SLA_EXACT_CHECK_HORIZON_SECONDS = env.int("SLA_EXACT_CHECK_HORIZON_SECONDS", default=70)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Plain http:// and private/loopback targets only where an operator says so explicitly (SSRF
# guard, webhooks/targets.py): DEBUG alone never relaxes it.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)

# Agent workspace: rows per queue page, and how long a personal-data reveal (Art. 14) stays open.
WORKSPACE_PAGE_SIZE = env.int("WORKSPACE_PAGE_SIZE", default=50)
WORKSPACE_REVEAL_MINUTES = env.int("WORKSPACE_REVEAL_MINUTES", default=30)

# Email channel (mail/). The desk's IMAP mailbox, polled by mail.tasks.mailbox_poll: secrets
# come from the environment only, never from the database. Exchange Online takes no basic auth
# for IMAP: give IMAP_OAUTH2_TOKEN, or IMAP_OAUTH2_TOKEN_COMMAND that prints a fresh token.
IMAP_HOST = env.str("IMAP_HOST", default="")
IMAP_PORT = env.int("IMAP_PORT", default=993)
IMAP_SSL = env.bool("IMAP_SSL", default=True)
IMAP_STARTTLS = env.bool("IMAP_STARTTLS", default=False)
IMAP_USER = env.str("IMAP_USER", default="")
IMAP_PASSWORD = env.str("IMAP_PASSWORD", default="")
IMAP_OAUTH2_TOKEN = env.str("IMAP_OAUTH2_TOKEN", default="")
IMAP_OAUTH2_TOKEN_COMMAND = env.str("IMAP_OAUTH2_TOKEN_COMMAND", default="")
IMAP_FOLDER = env.str("IMAP_FOLDER", default="INBOX")
IMAP_PROCESSED_FOLDER = env.str("IMAP_PROCESSED_FOLDER", default="")
IMAP_TIMEOUT = env.int("IMAP_TIMEOUT", default=30)
IMAP_BATCH_SIZE = env.int("IMAP_BATCH_SIZE", default=50)
# Our own Message-IDs carry the ticket number on this domain (replies thread by it).
MAIL_MESSAGE_ID_DOMAIN = env.str(
    "MAIL_MESSAGE_ID_DOMAIN",
    default=DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "helpdesk.invalid",
)
# Mail from these addresses (the desk's own) is never answered: a loop guard.
MAIL_DESK_ADDRESSES = [a.lower() for a in env.list("MAIL_DESK_ADDRESSES", default=[])]
# Tickets of these channels get mail from the desk (acknowledgement, replies, reminders);
# API tickets are the reseller's to relay to its customer (Art. 6.2).
MAIL_CUSTOMER_CHANNELS = env.list("MAIL_CUSTOMER_CHANNELS", default=["email", "web", "phone"])
MAIL_HELD_REPLIES_PER_DAY = env.int("MAIL_HELD_REPLIES_PER_DAY", default=5)
MAIL_REMINDER_AFTER_HOURS = env.int("MAIL_REMINDER_AFTER_HOURS", default=72)
MAIL_REMINDER_MAX = env.int("MAIL_REMINDER_MAX", default=2)
# Who sent a mail (DOMAIN.md §12): a From header proves nothing. A mail opens or joins a ticket
# only when its sender is authenticated by one of these methods (mail/authentication.py):
#   dmarc  DMARC pass for the From domain in the Authentication-Results header that the desk's
#          own receiving server added, recognised by its authserv-id (MAIL_AUTHSERV_ID);
#   dkim   a DKIM signature of the From domain (or a parent of it) that the product verifies
#          itself, with keys from DNS (MAIL_DNS_SERVERS, or the system's resolver).
# `off` turns the check off; only ever by this explicit setting, and every start warns of it.
MAIL_SENDER_AUTH = [
    m.strip().lower() for m in env.list("MAIL_SENDER_AUTH", default=["dmarc", "dkim"])
]
if MAIL_SENDER_AUTH != ["off"] and (
    not MAIL_SENDER_AUTH or not set(MAIL_SENDER_AUTH) <= {"dmarc", "dkim"}
):
    raise ImproperlyConfigured(
        "MAIL_SENDER_AUTH must be 'dmarc', 'dkim', 'dmarc,dkim' or 'off', "
        f"not {','.join(MAIL_SENDER_AUTH)!r}."
    )
# The authserv-id(s) the desk's receiving server writes first in its Authentication-Results
# headers (e.g. mx.example.jp). Unset: no such header is trusted, whoever wrote it.
MAIL_AUTHSERV_ID = [
    a.strip().lower() for a in env.list("MAIL_AUTHSERV_ID", default=[]) if a.strip()
]
# DNS servers for DKIM keys (host or host:port, comma-separated); unset: the system's resolver.
MAIL_DNS_SERVERS = env.list("MAIL_DNS_SERVERS", default=[])
MAIL_DNS_TIMEOUT = env.float("MAIL_DNS_TIMEOUT", default=5.0)
TICKET_EVENT_SUBSCRIBERS += ["mail.services.on_ticket_event"]
# Satisfaction surveys (Art. 14.2.2): a resolved ticket's requester gets one, through the outbox.
TICKET_EVENT_SUBSCRIBERS += ["surveys.services.on_ticket_event"]
# The public address of this site: links in mail (surveys) point there.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# A survey link opens its page for SURVEY_LINK_DAYS; an answer may be changed for
# SURVEY_UPDATE_DAYS after the first.
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=14)
SURVEY_UPDATE_DAYS = env.int("SURVEY_UPDATE_DAYS", default=7)

# Microsoft (microsoft/): Partner Center and Graph, reached with the distributor's own app
# registration. Without MICROSOFT_TENANT_ID / CLIENT_ID / CLIENT_SECRET nothing is called and
# the product runs on what is typed in. The base URLs point tests and staging at a fake.
MICROSOFT_TENANT_ID = env.str("MICROSOFT_TENANT_ID", default="")
MICROSOFT_CLIENT_ID = env.str("MICROSOFT_CLIENT_ID", default="")
MICROSOFT_CLIENT_SECRET = env.str("MICROSOFT_CLIENT_SECRET", default="")
MICROSOFT_LOGIN_BASE_URL = env.str(
    "MICROSOFT_LOGIN_BASE_URL", default="https://login.microsoftonline.com"
)
PARTNER_CENTER_BASE_URL = env.str(
    "PARTNER_CENTER_BASE_URL", default="https://api.partnercenter.microsoft.com"
)
GRAPH_BASE_URL = env.str("GRAPH_BASE_URL", default="https://graph.microsoft.com/v1.0")
# Each call: its timeout, how often a 429 / 5xx / network error is retried, and the longest
# wait a Retry-After may impose (a longer one is cut to this).
MICROSOFT_TIMEOUT_SECONDS = env.float("MICROSOFT_TIMEOUT_SECONDS", default=30.0)
MICROSOFT_MAX_RETRIES = env.int("MICROSOFT_MAX_RETRIES", default=4)
MICROSOFT_RETRY_MAX_WAIT_SECONDS = env.float("MICROSOFT_RETRY_MAX_WAIT_SECONDS", default=120.0)
# Partner Center webhook events (POST /microsoft/partner-center/events): the signing
# certificate is taken only from these locations, must chain to these roots (a PEM file;
# default: the public roots of certifi) and name this organisation (microsoft/signature.py).
PARTNER_CENTER_WEBHOOK_CERTIFICATE_URLS = env.list(
    "PARTNER_CENTER_WEBHOOK_CERTIFICATE_URLS",
    default=["https://3psostorageacct.blob.core.windows.net/cert/"],
)
PARTNER_CENTER_WEBHOOK_CA_FILE = env.str("PARTNER_CENTER_WEBHOOK_CA_FILE", default="")
PARTNER_CENTER_WEBHOOK_CERTIFICATE_ORGANIZATION = env.str(
    "PARTNER_CENTER_WEBHOOK_CERTIFICATE_ORGANIZATION", default="Microsoft Corporation"
)

# Every periodic task, in this one place. Beat (django-celery-beat's DatabaseScheduler) writes
# them into the database when it starts, where admins see them (admin → Periodic tasks) and may
# disable one (it stays disabled); the intervals are the settings below, which beat reapplies at
# each start. A run that waited longer than its period is dropped (expire_seconds): the next one
# does the same work. The minute SLA sweep also arms exact-time checks (tickets.escalation).
SLA_SWEEP_SECONDS = env.int("SLA_SWEEP_SECONDS", default=60)
OUTBOX_DISPATCH_SECONDS = env.int("OUTBOX_DISPATCH_SECONDS", default=30)
MAILBOX_POLL_SECONDS = env.int("MAILBOX_POLL_SECONDS", default=60)
MAIL_REMINDER_SWEEP_SECONDS = env.int("MAIL_REMINDER_SWEEP_SECONDS", default=900)
# Microsoft: the periodic pulls (they do nothing without the MICROSOFT_* credentials). The
# Partner Center pull stays even with its webhooks: events can arrive late or not at all.
PARTNER_CENTER_SYNC_SECONDS = env.int("PARTNER_CENTER_SYNC_SECONDS", default=3600)
GDAP_SYNC_SECONDS = env.int("GDAP_SYNC_SECONDS", default=3600)
SERVICE_REQUEST_POLL_SECONDS = env.int("SERVICE_REQUEST_POLL_SECONDS", default=300)
SERVICE_HEALTH_POLL_SECONDS = env.int("SERVICE_HEALTH_POLL_SECONDS", default=300)
# GDAP (Art. 4.1): the Entra role template IDs a relationship must hold for access to count as
# in force (default: Service Support, User and License Administrator, microsoft/roles.py), and
# how many days before an end without auto-extend the desk and the reseller are warned.
GDAP_REQUIRED_ROLES = env.list("GDAP_REQUIRED_ROLES", default=[])
GDAP_WARNING_DAYS = [int(days) for days in env.list("GDAP_WARNING_DAYS", default=["30", "7"])]


def _every(seconds: int) -> dict[str, object]:
    return {"schedule": float(seconds), "options": {"expire_seconds": max(1, seconds - 5)}}


CELERY_BEAT_SCHEDULE = {
    # Does something only on the first business day of a month (reports.services).
    "レポート: 月次レポートのメール（毎時）": {
        "task": "reports.tasks.monthly_reports_send",
        **_every(3600),
    },
    "SLA: 期限超過の検出（毎分）": {"task": "sla.tasks.breach_sweep", **_every(SLA_SWEEP_SECONDS)},
    "SLA: エスカレーション（毎分）": {
        "task": "sla.tasks.escalation_sweep",
        **_every(SLA_SWEEP_SECONDS),
    },
    "SLA: 期限間近の警告（毎分）": {"task": "sla.tasks.at_risk_sweep", **_every(SLA_SWEEP_SECONDS)},
    # The safety net behind the dispatch enqueued at each commit.
    "通知: 送信キューの配信（30秒）": {
        "task": "notifications.tasks.outbox_dispatch",
        **_every(OUTBOX_DISPATCH_SECONDS),
    },
    "メール: 受信メールの取り込み（毎分）": {
        "task": "mail.tasks.mailbox_poll",
        **_every(MAILBOX_POLL_SECONDS),
    },
    "メール: お客様回答待ちのリマインダー（15分）": {
        "task": "mail.tasks.waiting_reminders_send",
        **_every(MAIL_REMINDER_SWEEP_SECONDS),
    },
    "Microsoft: Partner Center の顧客・サブスクリプション（毎時）": {
        "task": "microsoft.tasks.partner_center_sync_all",
        **_every(PARTNER_CENTER_SYNC_SECONDS),
    },
    "Microsoft: GDAP と委任アクセス（毎時）": {
        "task": "microsoft.tasks.gdap_sync_all",
        **_every(GDAP_SYNC_SECONDS),
    },
    "Microsoft: サービス リクエストの状態とメモ（5分）": {
        "task": "microsoft.tasks.service_requests_poll_all",
        **_every(SERVICE_REQUEST_POLL_SECONDS),
    },
    "Microsoft: Microsoft 365 のサービス正常性（5分）": {
        "task": "microsoft.tasks.service_health_sync_all",
        **_every(SERVICE_HEALTH_POLL_SECONDS),
    },
}
