"""Reading environment variables the way Settings needs them: typed, checked, every problem collected."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .domain.deadlines import Regime

__all__ = ["MAKE_A_KEY", "Reader", "Storage", "too_predictable", "without_credentials"]

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAKE_A_KEY = "make one with: python -c 'import secrets; print(secrets.token_hex(32))' (and keep it safe)"


@dataclass(frozen=True)
class Storage:
    """Where the bot keeps its records, and the keys that protect them (shared by the bot and its command line)."""

    location: str  # the SQLite file (GONG_ERASE_DB), or DATABASE_URL
    sqlite_path: str = "gong-erase.db"  # GONG_ERASE_DB even when DATABASE_URL is set: what `db copy` copies
    pool_size: int = 8  # DATABASE_POOL_SIZE: Postgres connections per process
    hash_key: str = field(default="", repr=False)  # GONG_ERASE_HASH_KEY
    production: bool = False
    data_key: bytes = field(default=b"", repr=False)  # GONG_ERASE_DATA_KEY; empty: derived from the hash key
    old_data_keys: tuple[bytes, ...] = field(default=(), repr=False)  # GONG_ERASE_DATA_KEY_OLD, while rotating
    old_hash_keys: tuple[str, ...] = field(default=(), repr=False)  # GONG_ERASE_HASH_KEY_OLD: what older keys sealed

    @property
    def postgres(self) -> bool:
        """DATABASE_URL is set: everything is kept in that Postgres database."""
        return self.location.startswith(("postgres://", "postgresql://"))


def too_predictable(key: str) -> bool:
    """A key someone could guess: a short pattern repeated, few distinct characters, or under ~96 bits by the
    frequency of its characters (a random hex key of 32 characters has about 120)."""
    for period in range(1, len(key) // 2 + 1):
        if len(key) % period == 0 and key == key[:period] * (len(key) // period):
            return True
    counts = Counter(key)
    bits = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values()) * len(key)
    return len(counts) < 8 or bits < 96


class Reader:
    """Reads variables and collects every problem instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        """Note one problem; they are all reported together."""
        self.problems.append(text)

    def text(self, name: str) -> str:
        """The variable, stripped; "" when unset."""
        return self.environ.get(name, "").strip()

    def required(self, name: str) -> str:
        """The variable, or a problem when it is unset."""
        value = self.text(name)
        if not value:
            self.problem(f"{name} is not set")
        return value

    def integer(self, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
        """A whole number within bounds, or the default (with a problem if malformed)."""
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
        """A number of seconds at least `minimum`, or the default (with a problem if malformed)."""
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
        elif key and too_predictable(key):
            self.problem(f"GONG_ERASE_HASH_KEY is too easy to guess (a repeated pattern or few distinct characters): "
                         f"{MAKE_A_KEY}")  # fmt: skip
        return mode == "production", key

    def storage(self) -> Storage:
        """GONG_ERASE_DB or DATABASE_URL, the pool, the hash key and the data keys, checked together."""
        production, hash_key = self.proof_key()
        url = self.text("DATABASE_URL")
        if url and not url.startswith(("postgres://", "postgresql://")):
            self.problem("DATABASE_URL must be a postgres:// or postgresql:// URL (unset it to use SQLite)")
            url = ""
        if url and not hash_key:
            self.problem(
                "GONG_ERASE_HASH_KEY is not set: with DATABASE_URL every process and host must share one key "
                f"(a key file beside a local database would differ from host to host): {MAKE_A_KEY}"
            )
        return Storage(
            location=url or self.text("GONG_ERASE_DB") or "gong-erase.db",
            sqlite_path=self.text("GONG_ERASE_DB") or "gong-erase.db",
            pool_size=self.integer("DATABASE_POOL_SIZE", 8, minimum=2, maximum=100),
            hash_key=hash_key, production=production, data_key=self._data_key("GONG_ERASE_DATA_KEY"),
            old_data_keys=tuple(self._data_key("GONG_ERASE_DATA_KEY_OLD", part) for part in
                                _split(self.text("GONG_ERASE_DATA_KEY_OLD"))),
            old_hash_keys=self._old_hash_keys(hash_key),
        )  # fmt: skip

    def _old_hash_keys(self, current: str) -> tuple[str, ...]:
        """GONG_ERASE_HASH_KEY_OLD: earlier hash keys, comma separated, each as long as a hash key must be."""
        keys = tuple(key for key in _split(self.text("GONG_ERASE_HASH_KEY_OLD")) if key)
        if any(len(key) < 32 for key in keys):
            self.problem("GONG_ERASE_HASH_KEY_OLD holds a key shorter than 32 characters: list the earlier "
                         "GONG_ERASE_HASH_KEY values, comma separated, exactly as they were")  # fmt: skip
        if keys and not current:
            self.problem("GONG_ERASE_HASH_KEY_OLD is set but GONG_ERASE_HASH_KEY is not: set the new key too")
        return tuple(key for key in keys if key != current)

    def _data_key(self, name: str, raw: str | None = None) -> bytes:
        """32 bytes written as 64 hex digits, or b"" when unset."""
        raw = self.text(name) if raw is None else raw
        if not raw:
            return b""
        if not re.fullmatch(r"[0-9a-fA-F]{64}", raw):
            self.problem(f"{name} must be 64 hex digits (32 random bytes): {MAKE_A_KEY}")
            return b""
        return bytes.fromhex(raw)

    def regime(self, name: str) -> Regime | None:
        """gdpr, ccpa or none (the requester must then say which law applies)."""
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
        """true/false, yes/no, on/off, 1/0."""
        raw = self.text(name).lower()
        if name not in self.environ:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        self.problem(f"{name} must be true or false, not {raw!r}")
        return default

    def url(
        self, name: str, default: str, *, production: bool, path: bool = False, trailing_slash: bool = False
    ) -> str:
        """An https URL with no credentials, query or fragment (and no path unless `path`); plain http only to
        this machine, and only outside production: Basic auth and tokens must never cross a network in clear."""
        raw = self.text(name) or default
        parts = urlsplit(raw)
        problem = None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            problem = "must be an https URL"
        elif parts.username is not None or parts.password is not None:
            problem = "must not carry credentials (user:password@); the bot sends its own"
        elif parts.query or parts.fragment or raw.endswith(("?", "#")):
            problem = "must not have a query (?…) or a fragment (#…)"
        elif not path and parts.path not in {"", "/"}:
            problem = "must be the host only, with no path"
        elif parts.scheme == "http" and (production or parts.hostname not in _LOOPBACK):
            problem = "must use https" + ("" if production else " (plain http only to this machine, for tests)")
        if problem:
            self.problem(f"{name} {problem}, not {without_credentials(raw)!r}")
            return default
        if trailing_slash:
            return raw if raw.endswith("/") else raw + "/"
        return raw.rstrip("/")

    def approvers(self, name: str) -> tuple[frozenset[str], frozenset[str]]:
        """User IDs (U…, W…) and user-group IDs (S…), comma or space separated."""
        ids = _split(self.text(name))
        if not ids:
            self.problem(f"{name} is not set (Slack user IDs U…/W… and/or user-group IDs S…)")
        bad = [i for i in ids if not (USER_ID.match(i) or GROUP_ID.match(i))]
        if bad:
            self.problem(f"{name} has entries that are not user (U…/W…) or user-group (S…) IDs: {', '.join(bad)}")
        users = frozenset(i for i in ids if USER_ID.match(i))
        groups = frozenset(i for i in ids if GROUP_ID.match(i))
        return users, groups

    def pattern(self, name: str) -> str:
        """A regular expression (Python's syntax), or "" when unset; one that does not compile is a problem."""
        raw = self.text(name)
        try:
            re.compile(raw)
        except re.error as exc:
            self.problem(f"{name} is not a regular expression ({exc}); for example DSR-\\d+")
            return ""
        return raw

    def channel_id(self, name: str) -> str:
        """One channel ID (C…, G…), or "" when unset."""
        raw = self.text(name)
        if raw and not CHANNEL_ID.match(raw):
            self.problem(f"{name} must be a channel ID like C0123ABCD (in Slack: the channel's details, at the bottom)")
            return ""
        return raw

    def channels(self, name: str) -> frozenset[str] | None:
        """Channel IDs or #names, comma or space separated; None when unset (any channel)."""
        entries = _split(self.text(name))
        if not entries:
            return None
        names = {e.lstrip("#").lower() for e in entries if not CHANNEL_ID.match(e)}
        return frozenset({e for e in entries if CHANNEL_ID.match(e)} | names)


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _seconds(raw: str) -> float | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", raw.strip())
    if not match:
        return None
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _split(raw: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", raw) if part]


def without_credentials(url: str) -> str:
    """A URL for an error message, without the credentials it may carry."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    return parts._replace(netloc=parts.hostname or "").geturl()
