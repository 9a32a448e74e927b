"""Settings built once from the environment; the only reader of os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .domain.deadlines import Regime
from .environment import MAKE_A_KEY, Reader, Storage
from .errors import ConfigError

__all__ = ["DEFAULT_WEB_CONCURRENCY", "MAKE_A_KEY", "AuditSettings", "Settings", "Storage"]
# One gunicorn worker (8 threads) serves a privacy team's traffic; jobs live in SQLite, so more processes only
# need WEB_CONCURRENCY. Each extra process costs ~25 MB that cannot be shared (see README, Benchmarks).
DEFAULT_WEB_CONCURRENCY = 1


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
    slack_response_url_prefix: str = "https://hooks.slack.com/"  # the bot answers through no other response_url
    gong_base_url: str = "https://api.gong.io"
    required_approvals: int = 1
    allow_self_approval: bool = False
    break_glass: bool = False  # GONG_ERASE_ALLOW_SELF_APPROVAL=break-glass: self-approval with a justification
    channels: frozenset[str] | None = None
    request_ttl: int = 86400
    storage: Storage = field(default_factory=lambda: Storage("gong-erase.db"))  # the database and its keys
    port: int = 3000
    port_set: bool = False  # PORT was given: in Socket Mode, /healthz and /metrics are served on it
    web_concurrency: int = DEFAULT_WEB_CONCURRENCY
    gong_rate_per_second: int = 3
    gong_daily_limit: int = 10000
    gong_pace_margin: float = 0.006  # GONG_PACE_MARGIN: seconds added to each 1/rate gap, for network jitter
    gong_timeout: float = 30.0
    gong_max_attempts: int = 5
    gong_retry_backoff: float = 2.0
    gong_retry_after_cap: float = 300.0
    job_lease: float = 15.0  # renewed every third of it while a job runs; a dead holder's job waits at most this
    poll_interval: float = 1.0
    startup_wait: float = 60.0  # seconds an unreachable Slack is asked again at start-up before giving up
    log_level: str = "INFO"
    log_format: str = "text"  # or json: one object per line
    verify_after: tuple[float, ...] = (6 * 3600.0, 24 * 3600.0, 72 * 3600.0)  # seconds after Gong accepted
    remind_after: float = 3600.0  # 0 disables reminders
    default_regime: Regime | None = Regime.GDPR  # for `received:` without `gdpr`/`ccpa`; None: must be said
    audit_channel: str = ""  # GONG_ERASE_AUDIT_CHANNEL: where the chain's head is posted daily; "": nowhere
    max_open_drafts: int = 10  # GONG_ERASE_MAX_OPEN_DRAFTS: unsubmitted requests one person may have at once
    retention: float = 30 * 86400.0  # GONG_ERASE_RETENTION: finished jobs and Gong call records older go
    reason_pattern: str = ""  # GONG_ERASE_REASON_PATTERN: a reason must contain a match (a ticket reference)
    approval_channel: str = ""  # GONG_ERASE_APPROVAL_CHANNEL: where approval messages go; "": where asked
    dm_receipts: bool = True  # GONG_ERASE_DM_RECEIPTS: tell requesters by DM what became of their requests
    notify: tuple[frozenset[str], frozenset[str]] | None = None  # GONG_ERASE_NOTIFY: users, groups; None: approvers

    @property
    def hash_key(self) -> str:
        """GONG_ERASE_HASH_KEY: the key of the proof kept for finished requests, never stored."""
        return self.storage.hash_key

    @property
    def production(self) -> bool:
        """GONG_ERASE_ENV=production: no start without a hash key, https only."""
        return self.storage.production

    @property
    def db_path(self) -> str:
        """The SQLite file, or the Postgres URL (see Storage)."""
        return self.storage.location

    @property
    def socket_mode(self) -> bool:
        """An app-level token means Socket Mode: no public URL, no signing secret."""
        return bool(self.slack_app_token)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable; raise ConfigError listing all problems at once."""
        env = Reader(os.environ if environ is None else environ)
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
        storage = env.storage()
        production = storage.production
        settings = cls(
            storage=storage,
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_api_url=env.url(
                "SLACK_API_URL", "https://slack.com/api/", production=production, path=True, trailing_slash=True
            ),
            slack_response_url_prefix=env.url(
                "SLACK_RESPONSE_URL_PREFIX",
                "https://hooks.slack.com/",
                production=production,
                path=True,
                trailing_slash=True,
            ),
            gong_access_key=env.required("GONG_ACCESS_KEY"),
            gong_access_key_secret=env.required("GONG_ACCESS_KEY_SECRET"),
            gong_base_url=env.url("GONG_BASE_URL", "https://api.gong.io", production=production),
            approver_users=users,
            approver_groups=groups,
            required_approvals=required,
            allow_self_approval=env.text("GONG_ERASE_ALLOW_SELF_APPROVAL").lower() != "break-glass"
            and env.boolean("GONG_ERASE_ALLOW_SELF_APPROVAL", False),
            break_glass=env.text("GONG_ERASE_ALLOW_SELF_APPROVAL").lower() == "break-glass",
            channels=env.channels("GONG_ERASE_CHANNELS"),
            request_ttl=env.integer("GONG_ERASE_REQUEST_TTL", 86400, minimum=1),
            port=env.integer("PORT", 3000, minimum=1, maximum=65535),
            port_set=bool(env.text("PORT")),
            web_concurrency=env.integer("WEB_CONCURRENCY", DEFAULT_WEB_CONCURRENCY, minimum=1, maximum=64),
            gong_rate_per_second=env.integer("GONG_RATE_PER_SECOND", 3, minimum=1),
            gong_daily_limit=env.integer("GONG_DAILY_LIMIT", 10000, minimum=1),
            gong_pace_margin=env.number("GONG_PACE_MARGIN", 0.006, minimum=0.0),
            gong_timeout=env.number("GONG_TIMEOUT", 30.0, minimum=0.1),
            gong_max_attempts=env.integer("GONG_MAX_ATTEMPTS", 5, minimum=1),
            gong_retry_backoff=env.number("GONG_RETRY_BACKOFF", 2.0, minimum=0.0),
            gong_retry_after_cap=env.number("GONG_RETRY_AFTER_CAP", 300.0, minimum=1.0),
            job_lease=env.number("GONG_ERASE_JOB_LEASE", 15.0, minimum=3.0),
            poll_interval=env.number("GONG_ERASE_POLL_INTERVAL", 1.0, minimum=0.01),
            startup_wait=env.number("GONG_ERASE_STARTUP_WAIT", 60.0, minimum=0.0),
            log_level=(env.text("LOG_LEVEL") or "INFO").upper(),
            log_format=(env.text("LOG_FORMAT") or "text").lower(),
            verify_after=env.durations("GONG_ERASE_VERIFY_AFTER", (6 * 3600.0, 24 * 3600.0, 72 * 3600.0)),
            remind_after=env.duration("GONG_ERASE_REMIND_AFTER", 3600.0),
            default_regime=env.regime("GONG_ERASE_REGIME"),
            audit_channel=env.channel_id("GONG_ERASE_AUDIT_CHANNEL"),
            max_open_drafts=env.integer("GONG_ERASE_MAX_OPEN_DRAFTS", 10, minimum=1),
            retention=env.duration("GONG_ERASE_RETENTION", 30 * 86400.0) or 30 * 86400.0,
            reason_pattern=env.pattern("GONG_ERASE_REASON_PATTERN"),
            approval_channel=env.channel_id("GONG_ERASE_APPROVAL_CHANNEL"),
            dm_receipts=env.boolean("GONG_ERASE_DM_RECEIPTS", True),
            notify=env.approvers("GONG_ERASE_NOTIFY") if env.text("GONG_ERASE_NOTIFY") else None,
        )
        if settings.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            env.problem("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
        if settings.log_format not in {"text", "json"}:
            env.problem("LOG_FORMAT must be text or json")
        if env.problems:
            raise ConfigError(env.problems)
        return settings


@dataclass(frozen=True)
class AuditSettings:
    """What the command line (audit, keys, db) needs: the database and its keys, not Slack or Gong credentials."""

    storage: Storage

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuditSettings:
        """GONG_ERASE_DB or DATABASE_URL, GONG_ERASE_ENV and the keys; ConfigError listing what is wrong."""
        env = Reader(os.environ if environ is None else environ)
        storage = env.storage()
        if env.problems:
            raise ConfigError(env.problems)
        return cls(storage)


@dataclass(frozen=True)
class PlaygroundSettings:
    """What the local playground needs: a port on loopback, a database file of its own, and whether a real Slack
    app is configured (then `make run` serves the real bot instead)."""

    port: int = 3000
    database: str = "playground.db"
    slack_configured: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PlaygroundSettings:
        """PORT, GONG_ERASE_PLAYGROUND_DB, and whether SLACK_BOT_TOKEN is set; ConfigError listing what is wrong."""
        env = Reader(os.environ if environ is None else environ)
        settings = cls(port=env.integer("PORT", 3000, minimum=1, maximum=65535),
                       database=env.text("GONG_ERASE_PLAYGROUND_DB") or "playground.db",
                       slack_configured=bool(env.text("SLACK_BOT_TOKEN")))  # fmt: skip
        if env.problems:
            raise ConfigError(env.problems)
        return settings
