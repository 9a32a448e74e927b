"""Settings built once from the environment; the only reader of os.environ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .domain.deadlines import Regime
from .errors import ConfigError

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
# One gunicorn worker (8 threads) serves a privacy team's traffic; jobs live in SQLite, so more processes only
# need WEB_CONCURRENCY. Each extra process costs ~25 MB that cannot be shared (see README, Benchmarks).
DEFAULT_WEB_CONCURRENCY = 1
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to run; secrets are kept out of repr()."""

    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    gong_access_key: str = field(repr=False)
    gong_access_key_secret: str = field(repr=False)
    approver_users: frozenset[str]
    approver_groups: frozenset[str]
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    gong_base_url: str = "https://api.gong.io"
    required_approvals: int = 1
    allow_self_approval: bool = False
    channels: frozenset[str] | None = None
    request_ttl: int = 86400
    db_path: str = "gong-erase.db"
    port: int = 3000
    web_concurrency: int = DEFAULT_WEB_CONCURRENCY
    gong_rate_per_second: int = 3
    gong_daily_limit: int = 10000
    gong_timeout: float = 30.0
    gong_max_attempts: int = 5
    gong_retry_backoff: float = 2.0
    gong_retry_after_cap: float = 300.0
    job_lease: float = 120.0
    poll_interval: float = 1.0
    log_level: str = "INFO"
    hash_key: str = field(default="", repr=False)  # GONG_ERASE_HASH_KEY: proof of finished requests, never stored
    production: bool = False  # GONG_ERASE_ENV=production: no start without a hash key
    verify_after: tuple[float, ...] = (6 * 3600.0, 24 * 3600.0, 72 * 3600.0)  # seconds after Gong accepted
    remind_after: float = 3600.0  # 0 disables reminders
    default_regime: Regime | None = Regime.GDPR  # for `received:` without `gdpr`/`ccpa`; None: must be said
    audit_channel: str = ""  # GONG_ERASE_AUDIT_CHANNEL: where the chain's head is posted daily; "": nowhere

    @property
    def socket_mode(self) -> bool:
        """An app-level token means Socket Mode: no public URL, no signing secret."""
        return bool(self.slack_app_token)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable; raise ConfigError listing all problems at once."""
        env = _Reader(os.environ if environ is None else environ)
        app_token = env.text("SLACK_APP_TOKEN")
        bot_token = env.required("SLACK_BOT_TOKEN")
        if bot_token and not bot_token.startswith("xoxb-"):
            env.problem("SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-)")
        if app_token and not app_token.startswith("xapp-"):
            env.problem("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-), or be unset for HTTP mode")
        signing_secret = env.text("SLACK_SIGNING_SECRET")
        if not signing_secret and not app_token:
            env.problem("SLACK_SIGNING_SECRET is not set (needed in HTTP mode: Basic Information → Signing Secret)")
        users, groups = env.approvers("GONG_ERASE_APPROVERS")
        required = env.integer("GONG_ERASE_REQUIRED_APPROVALS", 1, minimum=1)
        if users and not groups and required > len(users):
            env.problem(
                f"GONG_ERASE_REQUIRED_APPROVALS is {required} but GONG_ERASE_APPROVERS lists only "
                f"{len(users)} user(s): no request could ever be approved"
            )
        production, hash_key = env.proof_key()
        settings = cls(
            hash_key=hash_key,
            production=production,
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_api_url=env.url("SLACK_API_URL", "https://slack.com/api/", trailing_slash=True),
            gong_access_key=env.required("GONG_ACCESS_KEY"),
            gong_access_key_secret=env.required("GONG_ACCESS_KEY_SECRET"),
            gong_base_url=env.url("GONG_BASE_URL", "https://api.gong.io"),
            approver_users=users,
            approver_groups=groups,
            required_approvals=required,
            allow_self_approval=env.boolean("GONG_ERASE_ALLOW_SELF_APPROVAL", False),
            channels=env.channels("GONG_ERASE_CHANNELS"),
            request_ttl=env.integer("GONG_ERASE_REQUEST_TTL", 86400, minimum=1),
            db_path=env.text("GONG_ERASE_DB") or "gong-erase.db",
            port=env.integer("PORT", 3000, minimum=1, maximum=65535),
            web_concurrency=env.integer("WEB_CONCURRENCY", DEFAULT_WEB_CONCURRENCY, minimum=1, maximum=64),
            gong_rate_per_second=env.integer("GONG_RATE_PER_SECOND", 3, minimum=1),
            gong_daily_limit=env.integer("GONG_DAILY_LIMIT", 10000, minimum=1),
            gong_timeout=env.number("GONG_TIMEOUT", 30.0, minimum=0.1),
            gong_max_attempts=env.integer("GONG_MAX_ATTEMPTS", 5, minimum=1),
            gong_retry_backoff=env.number("GONG_RETRY_BACKOFF", 2.0, minimum=0.0),
            gong_retry_after_cap=env.number("GONG_RETRY_AFTER_CAP", 300.0, minimum=1.0),
            job_lease=env.number("GONG_ERASE_JOB_LEASE", 120.0, minimum=1.0),
            poll_interval=env.number("GONG_ERASE_POLL_INTERVAL", 1.0, minimum=0.01),
            log_level=(env.text("LOG_LEVEL") or "INFO").upper(),
            verify_after=env.durations("GONG_ERASE_VERIFY_AFTER", (6 * 3600.0, 24 * 3600.0, 72 * 3600.0)),
            remind_after=env.duration("GONG_ERASE_REMIND_AFTER", 3600.0),
            default_regime=env.regime("GONG_ERASE_REGIME"),
            audit_channel=env.channel_id("GONG_ERASE_AUDIT_CHANNEL"),
        )
        if settings.job_lease <= settings.gong_timeout:
            env.problem(
                f"GONG_ERASE_JOB_LEASE ({settings.job_lease:g}s) must be longer than GONG_TIMEOUT "
                f"({settings.gong_timeout:g}s), or a slow Gong call could be taken over by another worker"
            )
        if settings.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            env.problem("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
        if env.problems:
            raise ConfigError(env.problems)
        return settings


MAKE_A_KEY = "make one with: python -c 'import secrets; print(secrets.token_hex(32))' (and keep it safe)"


@dataclass(frozen=True)
class AuditSettings:
    """What the audit command line needs: the database and the proof key, not Slack or Gong credentials."""

    db_path: str
    hash_key: str = field(repr=False)
    production: bool

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuditSettings:
        """GONG_ERASE_DB, GONG_ERASE_ENV and GONG_ERASE_HASH_KEY; ConfigError listing what is wrong."""
        env = _Reader(os.environ if environ is None else environ)
        production, hash_key = env.proof_key()
        if env.problems:
            raise ConfigError(env.problems)
        return cls(env.text("GONG_ERASE_DB") or "gong-erase.db", hash_key, production)


class _Reader:
    """Reads variables and collects every problem instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def text(self, name: str) -> str:
        return self.environ.get(name, "").strip()

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.problem(f"{name} is not set")
        return value

    def integer(self, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problem(f"{name} must be a whole number, not {raw!r}")
            return default
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(f"{name} must be {bound}, not {value}")
            return default
        return value

    def number(self, name: str, default: float, *, minimum: float) -> float:
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            self.problem(f"{name} must be a number of seconds, not {raw!r}")
            return default
        if not value >= minimum:  # also refuses NaN
            self.problem(f"{name} must be at least {minimum:g}, not {raw}")
            return default
        return value

    def proof_key(self) -> tuple[bool, str]:
        """GONG_ERASE_ENV and GONG_ERASE_HASH_KEY: production mode requires a key of at least 32 characters."""
        mode = self.text("GONG_ERASE_ENV").lower() or "development"
        if mode not in {"production", "development"}:
            self.problem(f"GONG_ERASE_ENV must be production or development, not {mode!r}")
        key = self.text("GONG_ERASE_HASH_KEY")
        if mode == "production" and not key:
            self.problem(
                "GONG_ERASE_HASH_KEY is not set. In production the bot keeps, for finished requests, only a keyed "
                f"hash of the number or address, and the key must live outside the database: {MAKE_A_KEY}"
            )
        elif key and len(key) < 32:
            self.problem(f"GONG_ERASE_HASH_KEY is too short ({len(key)} characters; at least 32): {MAKE_A_KEY}")
        return mode == "production", key

    def regime(self, name: str) -> Regime | None:
        raw = self.text(name).lower() or Regime.GDPR.value
        if raw == "none":
            return None
        if raw not in {r.value for r in Regime}:
            self.problem(f"{name} must be gdpr, ccpa or none, not {raw!r}")
            return Regime.GDPR
        return Regime(raw)

    def duration(self, name: str, default: float) -> float:
        """`90s`, `30m`, `1h`, `3d` or plain seconds; `0` or `off` turns the feature off."""
        raw = self.text(name).lower()
        if name not in self.environ or not raw:
            return default
        if raw == "off":
            return 0.0
        seconds = _seconds(raw)
        if seconds is None:
            self.problem(f"{name} must be a duration like 90s, 30m, 1h or 3d (or off), not {raw!r}")
            return default
        return seconds

    def durations(self, name: str, default: tuple[float, ...]) -> tuple[float, ...]:
        """A comma-separated list of increasing durations after one moment; empty (set, but blank) disables."""
        if name not in self.environ:
            return default
        values = [_seconds(part) for part in _split(self.text(name).lower())]
        if any(v is None or v <= 0 for v in values):
            self.problem(f"{name} must list durations like 6h,24h,72h (or be empty to turn checks off)")
            return default
        checked = [v for v in values if v is not None]
        if checked != sorted(set(checked)):
            self.problem(f"{name} must list its durations in increasing order, each once, e.g. 6h,24h,72h")
            return default
        return tuple(checked)

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name).lower()
        if name not in self.environ:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        self.problem(f"{name} must be true or false, not {raw!r}")
        return default

    def url(self, name: str, default: str, *, trailing_slash: bool = False) -> str:
        raw = self.text(name) or default
        parts = urlsplit(raw)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            self.problem(f"{name} must be an http(s) URL, not {raw!r}")
            return default
        if trailing_slash:
            return raw if raw.endswith("/") else raw + "/"
        return raw.rstrip("/")

    def approvers(self, name: str) -> tuple[frozenset[str], frozenset[str]]:
        ids = _split(self.text(name))
        if not ids:
            self.problem(f"{name} is not set (Slack user IDs U…/W… and/or user-group IDs S…)")
        bad = [i for i in ids if not (_USER_ID.match(i) or _GROUP_ID.match(i))]
        if bad:
            self.problem(f"{name} has entries that are not user (U…/W…) or user-group (S…) IDs: {', '.join(bad)}")
        users = frozenset(i for i in ids if _USER_ID.match(i))
        groups = frozenset(i for i in ids if _GROUP_ID.match(i))
        return users, groups

    def channel_id(self, name: str) -> str:
        """One channel ID (C…, G…), or "" when unset."""
        raw = self.text(name)
        if raw and not _CHANNEL_ID.match(raw):
            self.problem(f"{name} must be a channel ID like C0123ABCD (in Slack: the channel's details, at the bottom)")
            return ""
        return raw

    def channels(self, name: str) -> frozenset[str] | None:
        entries = _split(self.text(name))
        if not entries:
            return None
        names = {e.lstrip("#").lower() for e in entries if not _CHANNEL_ID.match(e)}
        return frozenset({e for e in entries if _CHANNEL_ID.match(e)} | names)


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _seconds(raw: str) -> float | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", raw.strip())
    if not match:
        return None
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _split(raw: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", raw) if part]
