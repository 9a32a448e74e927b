"""Postgres through psycopg 3 and its pool, for deployments whose disk does not last (Heroku) or whose processes
run on several hosts (Kubernetes): writers take one advisory lock, as SQLite's writers take its write lock, so
the store's SQL and its guarantees are the same on both (see adapters.database)."""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
import psycopg.errors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import StoreBusy, StoreConflict, StoreError
from .database import Params, Sql

__all__ = ["PostgresDatabase", "PostgresDialect", "redacted"]

log = logging.getLogger(__name__)

WRITE_LOCK = 0x67_65_72_61_73_65  # "gerase": the one advisory lock every write transaction takes first
MIGRATION_LOCK = WRITE_LOCK + 1
POOL_WAIT = 10.0  # seconds a thread waits for a free connection (or the server) before StoreBusy-like failure
SESSION = {
    "lock_timeout": "30s",  # a writer waits this long for the write lock, then StoreBusy (as SQLite's busy timeout)
    "idle_in_transaction_session_timeout": "60s",  # a process hung inside a transaction lets the others go
    "statement_timeout": "120s",
    "application_name": "gong-erase-bot",
}
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    """The bot's placeholders (`?`, `:name`) as psycopg's (`%s`, `%(name)s`); a literal % doubled."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%")).replace("?", "%s")


class DatabaseClock:
    """The deployment's one clock, for hosts whose own clocks may disagree: leases and the Gong budget compare
    times that different hosts wrote. Reads the database's clock once a `resync`, and adds this host's monotonic
    time since (which a host's clock being set does not move). While the database cannot be read, the last
    reading carries on.

    A reading is placed halfway through its round trip, so its error is at most half that trip; a trip that
    included taking a connection from the pool (or opening one), or a stall of the host, is long and lopsided.
    So each sync takes `samples` readings and keeps the one with the shortest trip, as NTP does: two hosts
    pacing Gong calls a third of a second apart must agree to the millisecond."""

    def __init__(self, read: Callable[[], float], resync: float = 60.0, samples: int = 5) -> None:
        self._read = read
        self._resync = resync
        self._samples = samples
        self._lock = threading.Lock()
        self._offset = time.time() - time.monotonic()
        self._synced_at: float | None = None

    def __call__(self) -> float:
        """Seconds since the epoch by the database's clock."""
        now = time.monotonic()
        if self._synced_at is None or now - self._synced_at >= self._resync:
            self._sync(now)
        return time.monotonic() + self._offset

    def _sync(self, now: float) -> None:
        with self._lock:
            if self._synced_at is not None and now - self._synced_at < self._resync:
                return  # another thread just did
            self._synced_at = now
            best: tuple[float, float] | None = None  # (round trip, offset)
            for _ in range(self._samples):
                try:
                    before = time.monotonic()
                    database_now = self._read()
                    after = time.monotonic()
                except StoreError as exc:
                    log.warning("could not read the database's clock (%s); keeping the last reading", exc)
                    break
                if best is None or after - before < best[0]:
                    best = (after - before, database_now - (before + after) / 2)
            if best is not None:
                self._offset = best[1]


class PostgresSql:
    """Statements on one pooled connection."""

    def __init__(self, conn: psycopg.Connection[dict[str, Any]]) -> None:
        self._conn = conn
        self.wiped = False  # nothing to flush on Postgres: identifiers are encrypted before they are written

    def execute(self, sql: str, params: Params = ()) -> int:
        """A statement that returns no rows; how many rows it changed."""
        with _translated(), self._conn.cursor() as cur:
            _run(cur, sql, params)
            return cur.rowcount

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts (also of `… RETURNING`)."""
        with _translated(), self._conn.cursor() as cur:
            _run(cur, sql, params)
            return cur.fetchall() if cur.description else []

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """The first row, or None."""
        rows = self.query(sql, params)
        return rows[0] if rows else None


class _PooledReader:
    """Single statements, each on a connection borrowed from the pool for that statement."""

    wiped = False

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    def execute(self, sql: str, params: Params = ()) -> int:
        """See PostgresSql.execute."""
        with self._database.connection() as conn:
            return PostgresSql(conn).execute(sql, params)

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """See PostgresSql.query."""
        with self._database.connection() as conn:
            return PostgresSql(conn).query(sql, params)

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """See PostgresSql.one."""
        rows = self.query(sql, params)
        return rows[0] if rows else None


class PostgresDialect:
    """Postgres's words for the schema."""

    name = "postgres"
    serial_key = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    real = "DOUBLE PRECISION"
    skip_locked = "FOR UPDATE OF j SKIP LOCKED"

    def append_only(self, table: str) -> list[str]:
        """UPDATE, DELETE and TRUNCATE raise."""
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION 'the {table} log is append-only'; END $$",
            *self.forbid_updates(table),
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {table}_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {table}_append_only()",
        ]

    def allow_updates(self, table: str) -> list[str]:
        """Drop the UPDATE trigger."""
        return [f"DROP TRIGGER {table}_no_update ON {table}"]

    def forbid_updates(self, table: str) -> list[str]:
        """The UPDATE trigger."""
        return [f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION {table}_append_only()"]  # fmt: skip


class PostgresDatabase:
    """A Postgres database shared by every process of every host of a deployment."""

    dialect = PostgresDialect()

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = "postgresql://" + url.split("://", 1)[1]  # Heroku writes postgres://, libpq wants either
        self.where = redacted(self.url)
        self.wal_dirty = threading.Event()  # never set: nothing is written in clear to begin with
        self._local = threading.local()
        # Each connection is checked as it leaves the pool (one empty round trip): after a restart or failover of
        # the server, the pooled connections are all dead, and without the check each would fail one request.
        self._pool = ConnectionPool(
            self.url, min_size=1, max_size=pool_size, timeout=POOL_WAIT, open=False, name="gong-erase",
            kwargs={"autocommit": True, "row_factory": dict_row}, configure=_configure,
            check=ConnectionPool.check_connection,
        )  # fmt: skip
        try:
            self._pool.open(wait=True, timeout=30.0)
        except PoolTimeout as exc:
            raise StoreError(f"cannot connect to Postgres at {self.where}: {exc}") from None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """This thread's pinned connection (inside a snapshot), or one borrowed from the pool."""
        pinned = getattr(self._local, "pinned", None)
        if pinned is not None:
            yield pinned
            return
        with _translated(), self._pool.connection() as conn:
            yield conn

    def ping(self, timeout: float) -> None:
        """SELECT 1 on a connection borrowed for at most `timeout` seconds: a health check must not wait out the
        pool's own timeout."""
        try:
            with _translated(), self._pool.connection(timeout=timeout) as conn:
                conn.execute("SELECT 1")
        except PoolTimeout:
            raise StoreError(f"no connection to Postgres within {timeout:.0f} s") from None

    def reader(self) -> PostgresSql | _PooledReader:
        """Single statements; inside a snapshot, on the snapshot's connection."""
        pinned = getattr(self._local, "pinned", None)
        return PostgresSql(pinned) if pinned is not None else _PooledReader(self)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A REPEATABLE READ, read-only transaction that this thread's reads share until the block ends."""
        with self.connection() as conn, _translated(), conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self._local.pinned = conn
            try:
                yield
            finally:
                self._local.pinned = None

    @contextmanager
    def transaction(self) -> Iterator[PostgresSql]:
        """The write lock first (an advisory lock held to the end of the transaction), then the work; COMMIT, or
        ROLLBACK on any error."""
        with self.connection() as conn, _translated(), conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            yield PostgresSql(conn)

    @contextmanager
    def queueing(self) -> Iterator[PostgresSql]:
        """No write lock: a claim locks the one row it takes (FOR UPDATE SKIP LOCKED), renew and release touch only
        rows their owner holds. Claims then neither queue behind each other nor behind the decisions."""
        with self.connection() as conn, _translated(), conn.transaction():
            yield PostgresSql(conn)

    @contextmanager
    def migrating(self) -> Iterator[PostgresSql]:
        """One process migrates at a time: the others wait on a session lock, then find nothing left to do."""
        with self.connection() as conn, _translated():
            conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
                    yield PostgresSql(conn)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])

    def schema_version(self, sql: Sql) -> int:
        """From the schema_version table (made on first use)."""
        sql.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = sql.one("SELECT version FROM schema_version")
        return int(row["version"]) if row else 0

    def set_schema_version(self, sql: Sql, version: int) -> None:
        """Record `version` in the schema_version table."""
        sql.execute("DELETE FROM schema_version")
        sql.execute("INSERT INTO schema_version (version) VALUES (?)", [version])

    def guards_missing(self, table: str) -> list[str]:
        """The table, or its UPDATE, DELETE and TRUNCATE triggers, that Postgres no longer has."""
        reader = self.reader()
        if reader.one("SELECT to_regclass(?) AS found", [table]) == {"found": None}:
            return [f"the {table} table"]
        rows = reader.query("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(?)", [table])
        present = {row["tgname"] for row in rows}
        names = (f"{table}_no_update", f"{table}_no_delete", f"{table}_no_truncate")
        return [name for name in names if name not in present]

    def now(self) -> float:
        """The database's clock: every host of the deployment reads the same one."""
        row = self.reader().one("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION) AS now")
        return float(row["now"]) if row else 0.0

    def deployment_clock(self) -> Callable[[], float]:
        """The database's clock, carried forward by this host's monotonic clock between readings."""
        return DatabaseClock(self.now)

    def flush_wal(self) -> bool:
        """Nothing to flush: identifiers are encrypted before they are written."""
        return True

    def close(self) -> None:
        """Connections belong to the pool, not to threads."""

    def shutdown(self) -> None:
        """Close the pool."""
        self._pool.close()


def _run(cur: psycopg.Cursor[dict[str, Any]], sql: str, params: Params) -> None:
    if params:
        cur.execute(_pyformat(sql), params)
    else:
        cur.execute(sql.encode())  # no parameters: no placeholder is interpreted, a literal % stays one


def redacted(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def _configure(conn: psycopg.Connection[Any]) -> None:
    for name, value in SESSION.items():
        conn.execute(f"SET {name} = '{value}'")


@contextmanager
def _translated() -> Iterator[None]:
    """psycopg's errors as ours; their text names SQL and constraints, never the values bound to them."""
    try:
        yield
    except (psycopg.errors.IntegrityError, psycopg.errors.RaiseException) as exc:
        raise StoreConflict(_first_line(exc)) from None
    except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled, psycopg.errors.SerializationFailure,
            psycopg.errors.DeadlockDetected) as exc:  # fmt: skip
        raise StoreBusy(_first_line(exc)) from None
    except PoolTimeout as exc:
        raise StoreBusy(f"no database connection free: {exc}") from None
    except psycopg.Error as exc:
        raise StoreError(f"{type(exc).__name__}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    """The error's first line: Postgres's DETAIL lines can quote the values of a row."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
