"""Settings read from the environment; development and tests get safe generated defaults."""

from __future__ import annotations

import math
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet

from app.services.pagination import LIST_PAGE_SIZE

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))


# A guessable session key lets anyone sign a session cookie for any account.
MIN_SECRET_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """A required production setting is missing or malformed."""


def _languages() -> tuple[str, ...]:
    """German, then each language that has a compiled catalogue (a new one needs no code)."""
    found = sorted(
        d.name
        for d in (BASE_DIR / "app" / "translations").iterdir()
        if (d / "LC_MESSAGES" / "messages.mo").is_file()
    )
    return ("de", *(lang for lang in found if lang != "de"))


def secure_cookies() -> bool:
    """SESSION_COOKIE_SECURE when set (1/true/yes or 0/false/no); unset, on when the portal's own
    address (PORTAL_URL) is HTTPS: where TLS is in place the session never travels in clear."""
    raw = os.environ.get("SESSION_COOKIE_SECURE", "").strip().lower()
    if not raw:
        return os.environ.get("PORTAL_URL", "").strip().lower().startswith("https://")
    if raw in {"1", "true", "yes"}:
        return True
    if raw in {"0", "false", "no"}:
        return False
    raise ConfigurationError(
        f"SESSION_COOKIE_SECURE must be 1, true or yes (or 0, false, no), not {raw!r}."
    )


def _number(name: str, default: float, kind: type = float) -> float:
    """A numeric setting from the environment; a malformed one stops the start, naming it."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return kind(default)
    try:
        value = kind(raw.strip())
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a{' whole' if kind is int else ''} number, not {raw!r}."
        ) from None
    if not math.isfinite(value) or value < 0:
        raise ConfigurationError(f"{name} must be a number of 0 or more, not {raw!r}.")
    return value


def _split_keys(raw: str | None) -> list[str]:
    return [k.strip() for k in (raw or "").split(",") if k.strip()]


def _database_url(url: str | None) -> str:
    url = url or f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    # Heroku-style and plain URLs mean psycopg 3 for us.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Production settings: secrets must come from the environment."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    FERNET_KEYS = _split_keys(os.environ.get("FERNET_KEYS"))
    # Production names its database: without it, it would quietly use a SQLite file in instance/.
    DATABASE_URL = os.environ.get("DATABASE_URL")
    SQLALCHEMY_DATABASE_URI = _database_url(DATABASE_URL)
    # A database error's message (logged with its traceback) leaves out the statement's values:
    # phone numbers, SMS texts, identification codes.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    # A network database may drop idle connections (an embedded SQLite file never does): a
    # pooled connection idle for longer than this many seconds is tested before use.
    DATABASE_PING_AFTER_IDLE = _number("DATABASE_PING_AFTER_IDLE", 10)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = secure_cookies()
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # A log-in lasts one working day from the log-in, not from the last click; it also spares
    # re-signing the session cookie on every response.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Europe/Berlin")
    # German (the source) and every language with a compiled catalogue in app/translations/.
    LANGUAGES = _languages()
    # Log-in policy (README, "Log-in policy"): failures per user name and address, per user name
    # from unknown devices, per address from unknown devices, all within one sliding window.
    LOGIN_MAX_FAILURES = 5
    LOGIN_MAX_FAILURES_PER_USER = 20
    LOGIN_MAX_FAILURES_PER_ADDRESS = 50
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LIST_PAGE_SIZE = LIST_PAGE_SIZE  # every paged list's page
    # Request bodies: nothing the portal takes needs more than a few kB; a 413 page above this.
    MAX_CONTENT_LENGTH = _number("MAX_CONTENT_LENGTH", 1024 * 1024, int)
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    MAX_FORM_PARTS = 200
    # Gateway timeouts in seconds: (connect, read).
    SMS_TIMEOUTS = (
        _number("SMS_CONNECT_TIMEOUT", 5),
        _number("SMS_READ_TIMEOUT", 15),
    )
    # SiNNO calls: those made while a person waits (Anmelden, Abmelden, chat replies,
    # activations) and the worker's (chat sync, registrations, checks).
    SINNO_TIMEOUTS = (
        _number("SINNO_CONNECT_TIMEOUT", 5),
        _number("SINNO_READ_TIMEOUT", 15),
    )
    # Status board: the worker checks each active interface this often; checks run this many at once.
    STATUS_CHECK_INTERVAL_MINUTES = _number("STATUS_CHECK_INTERVAL_MINUTES", 15)
    STATUS_CHECK_CONCURRENCY = _number("STATUS_CHECK_CONCURRENCY", 50, int)
    # How often the open board refreshes itself.
    STATUS_REFRESH_SECONDS = _number("STATUS_REFRESH_SECONDS", 30, int)
    SMTP_TIMEOUT = _number("SMTP_TIMEOUT", 10)
    # The portal's own address, for links in e-mail and SMS notifications.
    PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:5000")
    # SiNNO-Chat: seconds between two synchronisations (the seed says every 2-3 minutes).
    CHAT_SYNC_SECONDS = _number("CHAT_SYNC_SECONDS", 150)
    TEMPLATES_STRICT = False
    REQUIRE_SECRETS = True
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0 = none). The client
    # address matters for log-in throttling, reveal rate limits and the audit log.
    PROXY_COUNT = _number("PROXY_COUNT", 0, int)

    @classmethod
    def check(cls, app_config: dict) -> None:
        """Refuse to start with a setting that would fail later, or without what production needs."""
        try:  # otherwise every page showing a date fails
            ZoneInfo(app_config["BABEL_DEFAULT_TIMEZONE"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"PORTAL_TIMEZONE {app_config['BABEL_DEFAULT_TIMEZONE']!r} is not a known time "
                "zone (e.g. Europe/Berlin)."
            ) from None
        if not app_config.get("REQUIRE_SECRETS"):
            return
        missing = [
            k for k in ("SECRET_KEY", "FERNET_KEYS", "DATABASE_URL") if not app_config.get(k)
        ]
        if missing:
            raise ConfigurationError(
                "Missing required setting(s): "
                + ", ".join(missing)
                + ". Set them in the environment (see README, 'Production'); "
                "for a local demo use PORTAL_ENV=development."
            )
        if len(app_config["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
            raise ConfigurationError(
                f"SECRET_KEY is too short (at least {MIN_SECRET_KEY_LENGTH} characters); "
                "generate one as shown in README, 'Production'."
            )
        for key in app_config["FERNET_KEYS"]:
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise ConfigurationError(
                    "FERNET_KEYS holds a key that is not a valid Fernet key."
                ) from None


def _instance_secret(name: str, factory) -> str:
    """Read a development secret from instance/, creating it once."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(factory())
        path.chmod(0o600)
    return path.read_text().strip()


class DevConfig(Config):
    """Local demo: secrets generated once under instance/ and never committed."""

    ENV_NAME = "development"
    REQUIRE_SECRETS = False
    TEMPLATES_STRICT = True

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret(
            "secret_key", lambda: os.urandom(32).hex()
        )
        self.FERNET_KEYS = _split_keys(os.environ.get("FERNET_KEYS")) or [
            _instance_secret("fernet_key", lambda: Fernet.generate_key().decode())
        ]


class TestConfig(Config):
    """Tests: an isolated database and throw-away keys."""

    ENV_NAME = "testing"
    TESTING = True
    REQUIRE_SECRETS = False
    TEMPLATES_STRICT = True
    SECRET_KEY = "test-secret-key"
    SERVER_NAME = None
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_ENABLED = True

    def __init__(self) -> None:
        self.FERNET_KEYS = [Fernet.generate_key().decode()]


CONFIGS = {"production": Config, "development": DevConfig, "testing": TestConfig}


def config_from_env() -> Config | type[Config]:
    """Pick the settings class named by PORTAL_ENV (default: production)."""
    name = os.environ.get("PORTAL_ENV", "production")
    if name not in CONFIGS:
        raise ConfigurationError(f"PORTAL_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    cls = CONFIGS[name]
    return cls() if cls is not Config else cls
