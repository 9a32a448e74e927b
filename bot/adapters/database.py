"""The database seam: what the store, the queue and the budget need of SQLite or Postgres, and whether a
location names Postgres (the store opens the one it names). The SQL the bot runs is one text for both; what
differs (schema types, the append-only guards, the schema version, the clock) is asked of the Database here.

How each keeps the guarantees (a write transaction at a time, so read-then-write never loses a race):

- SQLite: BEGIN IMMEDIATE takes the database's one write lock before the first read.
- Postgres: every write transaction first takes one transaction-scoped advisory lock, which serializes writers
  across every process and host as BEGIN IMMEDIATE does; READ COMMITTED then lets each statement see what the
  writer before committed. The audit chain needs that order anyway (each row seals the one before). The job
  table's own single statements (claim, renew, release, a bare complete) take no such lock: a claim locks the
  row it takes (FOR UPDATE SKIP LOCKED), so workers pass each other and the writers; bench/claims.py measured
  2.4–2.8 times the claims per second of the write lock. Lock and idle-in-transaction timeouts keep one hung
  process from stalling the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

__all__ = ["Database", "Params", "Sql", "is_postgres"]

Params = Sequence[Any] | dict[str, Any]


class Sql(Protocol):
    """Statements in one transaction (or, from `Database.reader`, single statements); `?` and `:name`
    placeholders on both backends."""

    wiped: bool  # an identifier was wiped in this transaction

    def execute(self, sql: str, params: Params = ()) -> int:
        """A statement that returns no rows; how many rows it changed."""
        ...

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts (also of `… RETURNING`)."""
        ...

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """The first row, or None."""
        ...


class Dialect(Protocol):
    """The schema's words that differ between the two backends."""

    name: str
    serial_key: str  # an integer primary key the database numbers
    real: str  # a double-precision number (Postgres's REAL has only 4 bytes)
    skip_locked: str  # what a claim adds to lock the row it takes and pass rows other claimers hold ("" on SQLite)

    def append_only(self, table: str) -> list[str]:
        """Statements making `table` refuse UPDATE, DELETE (and, where there is such a thing, TRUNCATE)."""
        ...

    def allow_updates(self, table: str) -> list[str]:
        """Statements lifting the UPDATE guard of `table` (a migration that seals old rows needs it)."""
        ...

    def forbid_updates(self, table: str) -> list[str]:
        """Statements putting the UPDATE guard of `table` back."""
        ...


class Database(Protocol):
    """One deployment's database, shared by every process (and, on Postgres, every host)."""

    where: str  # for logs and messages: the file, or the URL without its password
    wal_dirty: threading.Event  # SQLite: a wipe left old page images in the write-ahead log

    @property
    def dialect(self) -> Dialect:
        """The schema's words on this backend."""
        ...

    def transaction(self) -> AbstractContextManager[Sql]:
        """A write transaction: the write lock first, COMMIT at the end, ROLLBACK on any error."""
        ...

    def queueing(self) -> AbstractContextManager[Sql]:
        """A transaction for the job table's single statements (claim, renew, release): on Postgres without the
        write lock, as the rows a claim takes are locked instead (see skip_locked), so claimers pass each other and
        writers; on SQLite, BEGIN IMMEDIATE as for any write."""
        ...

    def migrating(self) -> AbstractContextManager[Sql]:
        """A write transaction that, on Postgres, one process at a time may hold while it migrates."""
        ...

    def reader(self) -> Sql:
        """Single statements outside any transaction (each sees the latest commit)."""
        ...

    def ping(self, timeout: float) -> None:
        """One trivial query, waiting at most about `timeout` seconds for a connection; StoreError if it fails."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads in this thread see one moment of the database until the block ends."""
        ...

    def schema_version(self, sql: Sql) -> int:
        """How many migrations this database has had."""
        ...

    def set_schema_version(self, sql: Sql, version: int) -> None:
        """Record that `version` migrations have run."""
        ...

    def guards_missing(self, table: str) -> list[str]:
        """Which of `table`'s append-only guards are gone; ["the <table> table"] when the table is."""
        ...

    def now(self) -> float:
        """The database's clock (SQLite: this machine's), in seconds since the epoch."""
        ...

    def deployment_clock(self) -> Callable[[], float]:
        """The clock every process of the deployment agrees on (leases, the Gong budget, audit times): this
        machine's on SQLite, the database's (read once a minute, carried forward in between) on Postgres."""
        ...

    def flush_wal(self) -> bool:
        """Empty a write-ahead log a wipe left old pages in (SQLite); True when nothing is left to do."""
        ...

    def close(self) -> None:
        """Release what this thread holds."""
        ...

    def shutdown(self) -> None:
        """Release everything this process holds."""
        ...


def is_postgres(location: str) -> bool:
    """Whether `location` is a Postgres URL (as Heroku writes it, postgres://, or postgresql://)."""
    return location.startswith(("postgres://", "postgresql://"))
