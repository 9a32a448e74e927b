"""SQLite through sqlite-utils: schema and migrations, atomic transitions, the audit log."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlite_utils

from . import chain
from .deadlines import Deadline, Regime
from .erasure import TERMINAL, ErasureRequest, Event, State, next_state
from .holdings import Holdings
from .schema import MIGRATIONS, NO_UPDATE_TRIGGER, statements
from .targets import TargetKind

log = logging.getLogger(__name__)


class Store:
    """The bot's database; one connection per thread, transactions that take the write lock up front."""

    def __init__(self, path: str, hash_key: str = "") -> None:
        self.path = path
        self.chain_key = chain.chain_key(hash_key)  # "" (unit tests): a chain anyone could re-seal
        self._local = threading.local()
        self._migrate()

    @property
    def db(self) -> sqlite_utils.Database:
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=30.0)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            # wiped identifiers must not linger in freed space of the file (see move and transaction)
            db.execute("PRAGMA secure_delete = ON")
            # every thread has a connection; SQLite's default 2 MB page cache each would add up as the file grows,
            # while our reads are indexed lookups that the OS's file cache serves as well
            db.execute("PRAGMA cache_size = -512")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """BEGIN IMMEDIATE: read-then-write without a lost race; commits, or rolls back on any error."""
        db = self.db
        self._local.wiped = False
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if self._local.wiped:
            self.flush_wal()

    def flush_wal(self) -> None:
        """Copy the WAL into the database and empty it, so old page images (with a wiped identifier in them)
        do not stay in the -wal file; busy readers can delay it to the next wipe, never make it fail."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            log.warning("could not empty the write-ahead log yet (%s)", exc)

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = next(db.query("PRAGMA user_version"))["user_version"]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements(script):
                    db.execute(statement)
                if number == 6:
                    self._seal_existing(db)
                db.execute(f"PRAGMA user_version = {number}")
                log.info("database %s migrated to schema %d", self.path, number)

    # -- requests -------------------------------------------------------------------------------

    def get_request(self, request_id: str) -> ErasureRequest | None:
        rows = list(self.db.query("SELECT * FROM requests WHERE id = ?", [request_id]))
        if not rows:
            return None
        approvals = tuple(
            row["user_id"]
            for row in self.db.query(
                "SELECT user_id FROM approvals WHERE request_id = ? ORDER BY created_at, user_id", [request_id]
            )
        )
        return _request_from_row(rows[0], approvals)

    def find_by_trigger(self, trigger_id: str) -> ErasureRequest | None:
        rows = list(self.db.query("SELECT id FROM requests WHERE trigger_id = ?", [trigger_id]))
        return self.get_request(rows[0]["id"]) if rows else None

    def insert_request(self, db: sqlite_utils.Database, request: ErasureRequest, trigger_id: str, team: str) -> None:
        db.execute(
            """INSERT INTO requests (id, state, identifier, masked, display, country, number_valid, reason,
                   requester, channel, team, trigger_id, created_at, updated_at, expires_at, required_approvals,
                   kind, identifier_hash, received_on, regime)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                request.id, request.state.value, request.identifier, request.masked, request.display,
                request.country, int(request.number_valid), request.reason, request.requester, request.channel,
                team, trigger_id or None, request.created_at, request.created_at, request.expires_at,
                request.required_approvals, request.kind.value, request.identifier_hash,
                request.deadline.received.isoformat() if request.deadline else None,
                request.deadline.regime.value if request.deadline else None,
            ],
        )  # fmt: skip
        self.audit(db, request.id, request.requester, "created", None, request.state,
                   {"masked": request.masked, "kind": request.kind.value})  # fmt: skip

    def move(
        self,
        db: sqlite_utils.Database,
        request: ErasureRequest,
        event: Event,
        actor: str,
        now: float,
        detail: dict[str, Any] | None = None,
        **columns: Any,
    ) -> State:
        """Apply one move of the transition table as a conditional write, with its audit row."""
        to_state = next_state(request.state, event)
        if to_state in TERMINAL:
            columns |= {"identifier": None, "display": None}  # proof is the mask and the keyed hash from now on
        if columns.get("identifier", "kept") is None:
            self._local.wiped = True
        assignments = "".join(f", {name} = :{name}" for name in _checked(columns))
        cursor = db.execute(
            f"UPDATE requests SET state = :to, updated_at = :now{assignments} WHERE id = :id AND state = :from",  # noqa: S608
            {"to": to_state.value, "now": now, "id": request.id, "from": request.state.value, **columns},
        )
        if cursor.rowcount != 1:  # only possible if a caller read outside this transaction
            raise RuntimeError(f"request {request.id} changed under a transaction")
        self.audit(db, request.id, actor, event.value, request.state, to_state, detail or {}, at=now)
        return to_state

    def set_columns(self, db: sqlite_utils.Database, request_id: str, now: float, **columns: Any) -> None:
        assignments = ", ".join(f"{name} = :{name}" for name in _checked(columns))
        db.execute(
            f"UPDATE requests SET {assignments}, updated_at = :now WHERE id = :id",  # noqa: S608
            {"id": request_id, "now": now, **columns},
        )

    def add_approval(self, db: sqlite_utils.Database, request_id: str, user_id: str, now: float) -> None:
        db.execute(
            "INSERT OR IGNORE INTO approvals (request_id, user_id, created_at) VALUES (?, ?, ?)",
            [request_id, user_id, now],
        )

    def find_by_hash(self, identifier_hash: str) -> list[ErasureRequest]:
        """Every request ever made for the identifier with this keyed hash, oldest first."""
        rows = self.db.query("SELECT id FROM requests WHERE identifier_hash = ? ORDER BY created_at", [identifier_hash])
        return [request for row in rows if (request := self.get_request(row["id"])) is not None]

    def requests_where(self, condition: str, params: list[Any], limit: int) -> list[ErasureRequest]:
        """Newest first; `condition` is always one of our own literals, never input."""
        rows = self.db.query(
            f"SELECT id FROM requests WHERE {condition} ORDER BY created_at DESC LIMIT ?",  # noqa: S608
            [*params, limit],
        )
        return [request for row in rows if (request := self.get_request(row["id"])) is not None]

    def requests_since(self, since: float) -> list[ErasureRequest]:
        rows = self.db.query("SELECT id FROM requests WHERE created_at >= ? ORDER BY created_at, id", [since])
        return [request for row in rows if (request := self.get_request(row["id"])) is not None]

    def approval_times(self, request_id: str) -> dict[str, float]:
        rows = self.db.query("SELECT user_id, created_at FROM approvals WHERE request_id = ?", [request_id])
        return {row["user_id"]: row["created_at"] for row in rows}

    def due_for_expiry(self, now: float, limit: int = 100) -> list[str]:
        rows = self.db.query(
            "SELECT id FROM requests WHERE state IN ('draft', 'pending') AND expires_at <= ? "
            "ORDER BY expires_at LIMIT ?",
            [now, limit],
        )
        return [row["id"] for row in rows]

    # -- audit ----------------------------------------------------------------------------------

    def _seal_existing(self, db: sqlite_utils.Database) -> None:
        """Chain the rows written before the chain existed; the append-only triggers step aside only here."""
        db.execute("DROP TRIGGER audit_no_update")
        prev = chain.GENESIS
        for row in list(db.query("SELECT * FROM audit ORDER BY id")):
            sealed = chain.digest(self.chain_key, prev, row)
            db.execute("UPDATE audit SET prev_hash = ?, row_hash = ? WHERE id = ?", [prev, sealed, row["id"]])
            prev = sealed
        db.execute(NO_UPDATE_TRIGGER)

    def audit(
        self,
        db: sqlite_utils.Database,
        request_id: str | None,
        actor: str,
        event: str,
        from_state: State | None,
        to_state: State | None,
        detail: dict[str, Any],
        at: float | None = None,
    ) -> None:
        row = {
            "at": time.time() if at is None else at, "request_id": request_id, "actor": actor, "event": event,
            "from_state": from_state.value if from_state else None, "to_state": to_state.value if to_state else None,
            "detail": json.dumps(detail, sort_keys=True),
        }  # fmt: skip
        # inside the caller's BEGIN IMMEDIATE: no other writer can slip a row in between these two statements
        last = list(db.query("SELECT row_hash FROM audit ORDER BY id DESC LIMIT 1"))
        prev_hash = str(last[0]["row_hash"]) if last else chain.GENESIS
        row |= {"prev_hash": prev_hash, "row_hash": chain.digest(self.chain_key, prev_hash, row)}
        db.execute(
            "INSERT INTO audit (at, request_id, actor, event, from_state, to_state, detail, prev_hash, row_hash) "
            "VALUES (:at, :request_id, :actor, :event, :from_state, :to_state, :detail, :prev_hash, :row_hash)",
            row,
        )

    def verify_audit(self) -> tuple[int, chain.BrokenLink | None]:
        """Walk the whole chain (see chain.verify)."""
        issued = list(self.db.query("SELECT seq FROM sqlite_sequence WHERE name = 'audit'"))
        rows = self.db.query("SELECT * FROM audit ORDER BY id")
        return chain.verify(rows, self.chain_key, issued[0]["seq"] if issued else None)

    def audit_trail(self, request_id: str) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM audit WHERE request_id = ? ORDER BY id", [request_id])
        return [{**row, "detail": json.loads(row["detail"])} for row in rows]


_UPDATABLE = frozenset(
    {"identifier", "masked", "display", "message_ts", "decided_by", "decided_at", "gong_request_id", "failure",
     "gong_errors", "preview", "preview_error", "remaining", "checked_at", "next_check_at"}
)  # fmt: skip


def _checked(columns: dict[str, Any]) -> dict[str, Any]:
    """Column names are interpolated into SQL: only our own, known ones may be."""
    unknown = set(columns) - _UPDATABLE
    if unknown:
        raise ValueError(f"not an updatable request column: {sorted(unknown)}")
    return columns


def _request_from_row(row: dict[str, Any], approvals: tuple[str, ...]) -> ErasureRequest:
    return ErasureRequest(
        id=row["id"],
        state=State(row["state"]),
        identifier=row["identifier"],
        masked=row["masked"],
        display=row["display"],
        country=row["country"],
        number_valid=bool(row["number_valid"]),
        reason=row["reason"],
        requester=row["requester"],
        channel=row["channel"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        required_approvals=row["required_approvals"],
        approvals=approvals,
        message_ts=row["message_ts"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        gong_request_id=row["gong_request_id"],
        failure=row["failure"],
        gong_errors=tuple(json.loads(row["gong_errors"])),
        kind=TargetKind(row["kind"]),
        preview=Holdings.from_json(row["preview"]) if row["preview"] else None,
        preview_error=row["preview_error"],
        remaining=Holdings.from_json(row["remaining"]) if row["remaining"] else None,
        checked_at=row["checked_at"],
        next_check_at=row["next_check_at"],
        identifier_hash=row["identifier_hash"],
        deadline=Deadline(date.fromisoformat(row["received_on"]), Regime(row["regime"])) if row["regime"] else None,
    )
