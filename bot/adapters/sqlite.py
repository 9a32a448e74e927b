"""SQLite through sqlite-utils: one connection per thread, transactions that take the write lock up front, and
the one place where the driver's errors become ours (StoreBusy, StoreConflict, StoreError)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from ..errors import StoreBusy, StoreConflict, StoreError
from .database import Params, Sql

__all__ = ["SqliteDatabase", "SqliteDialect", "SqliteSql"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT = 30.0  # seconds a writer waits for the lock before StoreBusy
TRAILING_WRITES = 30.0  # seconds after a wipe during which the worker keeps emptying the write-ahead log


class SqliteSql:
    """Runs statements on one connection, inside the caller's transaction or as single reads."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db
        self.wiped = False  # an identifier was wiped: the write-ahead log is emptied after the commit

    def execute(self, sql: str, params: Params = ()) -> int:
        """A statement that returns no rows; how many rows it changed."""
        with _translated():
            return int(self._db.execute(sql, params).rowcount)

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts; also for `UPDATE … RETURNING`, whose rows are fetched before the statement ends."""
        with _translated():
            return list(self._db.query(sql, params))

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """The first row, or None."""
        rows = self.query(sql, params)
        return rows[0] if rows else None


class SqliteDialect:
    """SQLite's words for the schema."""

    name = "sqlite"
    serial_key = "INTEGER PRIMARY KEY AUTOINCREMENT"
    real = "REAL"
    skip_locked = ""  # one writer at a time: nothing to pass

    def append_only(self, table: str) -> list[str]:
        """UPDATE and DELETE raise (SQLite has no TRUNCATE)."""
        return [*self.forbid_updates(table), f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the {table} log is append-only'); END"]  # fmt: skip

    def allow_updates(self, table: str) -> list[str]:
        """Drop the UPDATE trigger."""
        return [f"DROP TRIGGER {table}_no_update"]

    def forbid_updates(self, table: str) -> list[str]:
        """The UPDATE trigger."""
        return [f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the {table} log is append-only'); END"]  # fmt: skip


def _write_ahead_logging(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so). On a new file several processes starting at once race to switch it,
    and SQLite answers the losers `database is locked` at once, without waiting out the busy timeout: a worker
    would die at boot. So the switch is asked again, with a short pause, for as long as the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class SqliteDatabase:
    """A SQLite file in WAL mode, shared by every thread and process of one host."""

    dialect = SqliteDialect()

    def __init__(self, path: str) -> None:
        self.path = path
        self.where = path
        self._local = threading.local()
        # Set when a wipe committed, until the write-ahead log has been emptied; set at start too, in case the
        # last process died between a wipe and the checkpoint after it.
        self.wal_dirty = threading.Event()
        self.wal_dirty.set()
        self._wiped_at = time.monotonic()

    def _connection(self) -> sqlite_utils.Database:
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is None:
            with _translated():
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
                db = sqlite_utils.Database(conn)
                _write_ahead_logging(conn)
                db.execute("PRAGMA synchronous = FULL")
                db.execute("PRAGMA foreign_keys = ON")
                # wiped identifiers must not linger in freed space of the file (see flush_wal)
                db.execute("PRAGMA secure_delete = ON")
                # every thread has a connection; SQLite's default 2 MB page cache each would add up as the file
                # grows, while our reads are indexed lookups that the OS's file cache serves as well
                db.execute("PRAGMA cache_size = -512")
            self._local.db = db
        return db

    def ping(self, timeout: float) -> None:
        """SELECT 1 on this thread's connection (a file this process holds open; `timeout` has nothing to wait)."""
        self.reader().one("SELECT 1 AS ok")

    def reader(self) -> SqliteSql:
        """Single statements outside any transaction (each sees the latest commit)."""
        return SqliteSql(self._connection())

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads in this thread see one moment of the database until the block ends (a read transaction)."""
        db = self._connection()
        with _translated():
            db.execute("BEGIN")
        try:
            yield
        finally:
            db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[SqliteSql]:
        """BEGIN IMMEDIATE: read-then-write without a lost race; commits, or rolls back on any error."""
        db = self._connection()
        sql = SqliteSql(db)
        with _translated():
            db.execute("BEGIN IMMEDIATE")
        try:
            yield sql
        except BaseException:
            if db.conn.in_transaction:  # a RAISE(ROLLBACK) trigger may have ended it already
                db.execute("ROLLBACK")
            raise
        with _translated():
            db.execute("COMMIT")
        if sql.wiped:
            self._wiped_at = time.monotonic()
            self.wal_dirty.set()  # the worker empties the log (flush_wal), off the request path

    def migrating(self) -> Any:
        """BEGIN IMMEDIATE already lets one process migrate at a time."""
        return self.transaction()

    def queueing(self) -> Any:
        """SQLite has one writer at a time whatever it writes: BEGIN IMMEDIATE."""
        return self.transaction()

    def schema_version(self, sql: Sql) -> int:
        """PRAGMA user_version."""
        row = sql.one("PRAGMA user_version")
        return int(row["user_version"]) if row else 0

    def set_schema_version(self, sql: Sql, version: int) -> None:
        """PRAGMA user_version = version."""
        sql.execute(f"PRAGMA user_version = {int(version)}")

    def guards_missing(self, table: str) -> list[str]:
        """The table, or its UPDATE and DELETE triggers, that are not in sqlite_master."""
        names = {row["name"] for row in self.reader().query("SELECT name FROM sqlite_master")}
        if table not in names:
            return [f"the {table} table"]
        return [name for name in (f"{table}_no_update", f"{table}_no_delete") if name not in names]

    def now(self) -> float:
        """One host shares one clock."""
        return time.time()

    def deployment_clock(self) -> Callable[[], float]:
        """One host: its own clock."""
        return time.time

    def flush_wal(self) -> bool:
        """Copy the WAL into the database file and truncate it, so old page images (with a wiped identifier in
        them) do not stay in the -wal file. Never waits: while a reader holds an old snapshot (a Datasette, a
        backup) it only checkpoints what it can (PASSIVE) and says False, to be tried again a moment later."""
        conn = getattr(self._local, "checkpointer", None)
        if conn is None:
            conn = self._local.checkpointer = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        self.wal_dirty.clear()  # before, not after: a wipe committed meanwhile sets it again
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.OperationalError:  # locked right now: a writer or a reader is in the way
            busy = 1
        if busy or time.monotonic() - self._wiped_at < TRAILING_WRITES:
            # A wipe is followed by its thread note, job settlements and the like: the log is emptied again
            # after them too, so that it does not keep the pages of the last moments in the file.
            self.wal_dirty.set()
        return not busy

    def close(self) -> None:
        """Close this thread's connections."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        checkpointer = getattr(self._local, "checkpointer", None)
        if checkpointer is not None:
            checkpointer.close()
            self._local.checkpointer = None

    def shutdown(self) -> None:
        """Each thread closes its own connection (SQLite's may not cross threads)."""
        self.close()


@contextmanager
def _translated() -> Iterator[None]:
    """sqlite3's errors as ours; their text names SQL and constraints, never the values bound to them."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise StoreConflict(str(exc)) from None
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreBusy(str(exc)) from None
        raise StoreError(str(exc)) from None
    except sqlite3.Error as exc:
        raise StoreError(f"{type(exc).__name__}: {exc}") from None
