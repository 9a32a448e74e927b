"""The bot's records: requests, approvals, the audit chain and the job table, behind one unit of work.

`with store.transaction() as tx:` is the only way to write. `tx.move` applies a move of the transition table as
one conditional write together with its audit row, the jobs it causes and, when the request is over, the wipe
of its identifier (the plan comes from `domain.request`); `tx.note` records what changed no state, with its jobs.
Reads outside a transaction (`store.get_request`, …) see the latest commit."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from ..domain import integrity
from ..domain.audit import AuditEvent, AuditRow
from ..domain.deadlines import Deadline, Regime
from ..domain.holdings import Holdings
from ..domain.jobs import Job, Kind, NewJob
from ..domain.request import ErasureRequest, Event, Schedule, State, follow_ups, plan_move
from ..domain.target import TargetKind
from ..environment import Storage
from ..errors import StoreConflict, Undecryptable, WrongHashKey
from . import queue
from .batches import BatchRecords, item_row_id
from .cipher import IdentifierCipher, cipher_for, derived_key
from .database import Database, Sql, is_postgres
from .schema import migrate

__all__ = ["Store", "Tx"]

log = logging.getLogger(__name__)

Payloads = Mapping[Kind, Mapping[str, Any]]
_NOT_ROTATED = (
    "GONG_ERASE_HASH_KEY is new, and the database is still under the key in GONG_ERASE_HASH_KEY_OLD: run "
    "`python -m bot keys rotate-hash` once (with both set), then start the bot; see README, Keys"
)
_WRONG_KEY = (
    "GONG_ERASE_HASH_KEY is not the key this database was made with. Under another key, lookups of earlier "
    "requests find nothing, `audit verify` reports every earlier audit row as edited, and identifiers encrypted "
    "under a key derived from it do not open. Set the original key again (in development it is kept in the "
    "`.hashkey` file beside the database); see README, Keys"
)


def open_database(location: str, *, pool_size: int = 8) -> Database:
    """Postgres for a postgres:// or postgresql:// URL, else the SQLite file at that path. Each backend is imported
    only when chosen: a SQLite deployment never loads psycopg."""
    if is_postgres(location):
        from .postgres import PostgresDatabase

        return PostgresDatabase(location, pool_size=pool_size)
    from .sqlite import SqliteDatabase

    return SqliteDatabase(location)


class Store:
    """The database of one deployment; every process opens its own Store on the same file."""

    def __init__(
        self,
        location: str,
        *,
        hash_key: str = "",
        schedule: Schedule | None = None,
        pool_size: int = 8,
        cipher: IdentifierCipher | None = None,
        old_hash_keys: tuple[str, ...] = (),
        rotating: bool = False,
    ) -> None:
        self.path = location  # a SQLite file, or a postgres:// URL (see adapters.database)
        self.database = open_database(location, pool_size=pool_size)
        self.chain_key = integrity.chain_key(hash_key)  # "" (unit tests): a chain anyone could re-seal
        self.older_chain_keys = tuple(integrity.chain_key(key) for key in old_hash_keys)
        self.schedule = schedule or Schedule()
        self.cipher = cipher or IdentifierCipher(derived_key(hash_key))
        self._sealing_key = self.chain_key  # the key new audit rows are sealed with (see rotate_hash_key)
        migrate(self.database, self.chain_key, self.cipher.seal)
        self.recognise_hash_key(rotating=rotating)

    @classmethod
    def for_storage(
        cls, storage: Storage, *, pool_size: int | None = None, schedule: Schedule | None = None,
        rotating: bool = False,
    ) -> Store:  # fmt: skip
        """The store the settings describe: its location, hash keys (current and older) and data keys."""
        return cls(storage.location, hash_key=storage.hash_key, schedule=schedule,
                   pool_size=storage.pool_size if pool_size is None else pool_size, cipher=cipher_for(storage),
                   old_hash_keys=storage.old_hash_keys, rotating=rotating)  # fmt: skip

    def recognise_hash_key(self, *, rotating: bool = False) -> None:
        """WrongHashKey unless the hash key is the one this database was made with. The first time (a new database,
        or one from before fingerprints), the key is accepted only if it seals the newest audit row: a database
        whose proofs were made under another key is never stamped with this one. `rotating`: the database may still
        be under one of the old keys (GONG_ERASE_HASH_KEY_OLD), for `keys rotate-hash` to hand it over."""
        mine = integrity.fingerprint(self.chain_key)
        older = {integrity.fingerprint(key): key for key in self.older_chain_keys}
        with self.transaction() as tx:
            row = tx.sql.one("SELECT value FROM deployment WHERE name = 'hash_key_fingerprint'")
            if row is None:
                last = tx.sql.one("SELECT * FROM audit ORDER BY id DESC LIMIT 1")
                if last is not None and integrity.digest(self.chain_key, last["prev_hash"], last) != last["row_hash"]:
                    raise WrongHashKey(_WRONG_KEY)
                tx.sql.execute("INSERT INTO deployment (name, value) VALUES ('hash_key_fingerprint', ?)", [mine])
            elif hmac.compare_digest(str(row["value"]), mine):
                return
            elif str(row["value"]) in older and rotating:
                self._sealing_key = older[str(row["value"])]
            elif str(row["value"]) in older:
                raise WrongHashKey(_NOT_ROTATED)
            else:
                raise WrongHashKey(_WRONG_KEY)

    def rotate_hash_key(self) -> bool:
        """Hand the audit chain from the old hash key the database is under to GONG_ERASE_HASH_KEY: one audit row,
        sealed with the old key (only its holder could write it), names the new key's fingerprint; rows after it
        are sealed with the new key, and the database records the new fingerprint. False when already done."""
        if self._sealing_key == self.chain_key:
            return False
        old, new = integrity.fingerprint(self._sealing_key), integrity.fingerprint(self.chain_key)
        with self.transaction() as tx:
            tx.note(None, AuditEvent.HASH_KEY_ROTATED, actor="cli", now=self.database.now(),
                    detail={"from": old, "to": new})  # fmt: skip
            tx.sql.execute("UPDATE deployment SET value = ? WHERE name = 'hash_key_fingerprint'", [new])
        self._sealing_key = self.chain_key
        return True

    def rotate_keys(self) -> tuple[int, int]:
        """Re-encrypt every live identifier that an old data key sealed under the current one; (re-encrypted,
        left alone). Idempotent; one audit row says what was done."""
        with self.transaction() as tx:
            rows = tx.sql.query("SELECT id, identifier, display FROM requests WHERE identifier IS NOT NULL")
            stale = [row for row in rows if not self.cipher.is_current(row["identifier"])]
            for row in stale:
                opened = [self.cipher.open(row["id"], row[name]) if row[name] else None
                          for name in ("identifier", "display")]  # fmt: skip
                tx.sql.execute(
                    "UPDATE requests SET identifier = ?, display = ? WHERE id = ?",
                    [*(self.cipher.seal(row["id"], value) if value else None for value in opened), row["id"]],
                )
            items = tx.batch.live_identifiers()
            stale_items = [row for row in items if not self.cipher.is_current(row["identifier"])]
            for row in stale_items:
                own = item_row_id(row["batch_id"], row["line"])
                tx.batch.reseal(row["batch_id"], row["line"], self.cipher.seal(own, self.cipher.open(own,
                                row["identifier"])))  # fmt: skip
            done = len(stale) + len(stale_items)
            tx.note(None, AuditEvent.KEYS_ROTATED, actor="cli", now=self.database.now(),
                    detail={"key": self.cipher.current.id, "reencrypted": done})  # fmt: skip
        return done, len(rows) + len(items) - done

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: all of it happens, or none."""
        with self.database.transaction() as sql:
            tx = Tx(sql, self)
            yield tx
        if not log.isEnabledFor(logging.INFO):  # every transaction passes here, Gong's slot bookings too
            return
        for row in tx.sealed:  # committed: now they are part of the chain; say so outside it
            fields = {key: row[key] for key in _LOGGED} | {"detail": _loggable(row["detail"])}
            told = _told(fields)
            log.info("audit #%d sealed %s · %s", row["id"], row["row_hash"][:16], told, extra={"audit": fields})

    def close(self) -> None:
        """Close this thread's connections."""
        self.database.close()

    def shutdown(self) -> None:
        """Close every connection this process holds."""
        self.database.shutdown()

    def prune(self, before: float) -> int:
        """Forget finished jobs and Gong call records older than `before` (the audit log keeps what happened);
        how many rows went."""
        with self.database.transaction() as sql:
            jobs = sql.execute("DELETE FROM jobs WHERE status = 'done' AND updated_at < ?", [before])
            calls = sql.execute("DELETE FROM gong_calls WHERE at < ?", [before])
        return jobs + calls

    def flush_wal(self) -> bool:
        """After a wipe, empty the write-ahead log (see Database.flush_wal); True when nothing is left to do."""
        return self.database.flush_wal() if self.database.wal_dirty.is_set() else True

    @property
    def batch(self) -> BatchRecords:
        """The batch tables as last committed (see adapters.batches)."""
        return BatchRecords(self.database.reader(), self.cipher)

    # -- requests -------------------------------------------------------------------------------

    def get_request(self, request_id: str) -> ErasureRequest | None:
        """The request with that id, as last committed."""
        return _load(self.database.reader(), request_id, self.cipher)

    def find_by_hash(self, identifier_hash: str) -> list[ErasureRequest]:
        """Every request ever made for the identifier with this keyed hash, oldest first."""
        return self._requests("identifier_hash = ? ORDER BY created_at", [identifier_hash])

    def requests_of(self, requester: str, limit: int) -> list[ErasureRequest]:
        """One person's requests, newest first."""
        return self._requests("requester = ? ORDER BY created_at DESC LIMIT ?", [requester, limit])

    def pending_requests(self, limit: int) -> list[ErasureRequest]:
        """Every request waiting for approval, newest first."""
        return self._requests("state = 'pending' ORDER BY created_at DESC LIMIT ?", [limit])

    def requests_since(self, since: float) -> list[ErasureRequest]:
        """Requests made at or after `since`, oldest first."""
        return self._requests("created_at >= ? ORDER BY created_at, id", [since])

    def due_for_expiry(self, now: float, limit: int = 100) -> list[str]:
        """Ids of open requests past their expiry time."""
        rows = self.database.reader().query(
            "SELECT id FROM requests WHERE state IN ('draft', 'pending') AND expires_at <= ? "
            "ORDER BY expires_at LIMIT ?",
            [now, limit],
        )
        return [row["id"] for row in rows]

    def approval_times(self, request_id: str) -> dict[str, float]:
        """When each approver approved."""
        rows = self.database.reader().query(
            "SELECT user_id, created_at FROM approvals WHERE request_id = ?", [request_id]
        )
        return {row["user_id"]: row["created_at"] for row in rows}

    def _requests(self, condition: str, params: list[Any]) -> list[ErasureRequest]:
        # `condition` is always one of this class's own literals, never input
        sql = self.database.reader()
        rows = sql.query(f"SELECT id FROM requests WHERE {condition}", params)  # noqa: S608
        return [request for row in rows if (request := _load(sql, row["id"], self.cipher)) is not None]

    # -- the audit log --------------------------------------------------------------------------

    def audit_trail(self, request_id: str) -> list[AuditRow]:
        """Everything recorded about one request, oldest first."""
        rows = self.database.reader().query("SELECT * FROM audit WHERE request_id = ? ORDER BY id", [request_id])
        return [_audit_row(row) for row in rows]

    def audit_rows(self) -> list[AuditRow]:
        """The whole log, oldest first."""
        return [_audit_row(row) for row in self.database.reader().query("SELECT * FROM audit ORDER BY id")]

    def audit_head(self) -> tuple[int, str, int] | None:
        """The last sealed row: its id, its seal, and how many rows the log holds."""
        sql = self.database.reader()
        last = sql.one("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1")
        count = sql.one("SELECT COUNT(*) AS n FROM audit")
        return (int(last["id"]), str(last["row_hash"]), int(count["n"] if count else 0)) if last else None

    def audit_seal(self, row_id: int) -> str | None:
        """The seal of row `row_id`, or None when there is no such row."""
        row = self.database.reader().one("SELECT row_hash FROM audit WHERE id = ?", [row_id])
        return str(row["row_hash"]) if row else None

    def audit_guards_missing(self) -> list[str]:
        """What protects the log that is no longer there: the table itself, or its append-only triggers."""
        return self.database.guards_missing("audit")

    def verify_audit(self) -> tuple[int, integrity.BrokenLink | None]:
        """Walk the whole chain (see domain.integrity.verify)."""
        sql = self.database.reader()
        issued = sql.one("SELECT last_id FROM audit_head WHERE id = 1")
        rows = sql.query("SELECT * FROM audit ORDER BY id")
        return integrity.verify(rows, self.chain_key, int(issued["last_id"]) if issued else None,
                                older=self.older_chain_keys)  # fmt: skip

    def all_requests(self) -> list[ErasureRequest]:
        """Every request in the working table, oldest first."""
        return self._requests("1 = 1 ORDER BY created_at, id", [])

    def claim_checkpoint(self, day: str, owner: str, now: float, stale_after: float = 300.0) -> bool:
        """Take the job of posting `day`'s audit checkpoint: first come, or a claim left unposted for a while."""
        with self.database.transaction() as sql:
            row = sql.one("SELECT claimed_at, posted_ts FROM audit_checkpoints WHERE day = ?", [day])
            if row is None:
                sql.execute("INSERT INTO audit_checkpoints (day, claimed_by, claimed_at) VALUES (?, ?, ?)",
                            [day, owner, now])  # fmt: skip
                return True
            if row["posted_ts"] is None and now - float(row["claimed_at"]) > stale_after:
                sql.execute("UPDATE audit_checkpoints SET claimed_by = ?, claimed_at = ? WHERE day = ?",
                            [owner, now, day])  # fmt: skip
                return True
            return False

    def checkpoint_posted(self, day: str, head_id: int, head_hash: str, ts: str) -> None:
        """Record what `day`'s checkpoint said, and where."""
        with self.database.transaction() as sql:
            sql.execute("UPDATE audit_checkpoints SET head_id = ?, head_hash = ?, posted_ts = ? WHERE day = ?",
                        [head_id, head_hash, ts, day])  # fmt: skip

    # -- the job table, for the worker ----------------------------------------------------------

    def claim(self, owner: str, now: float, lease: float) -> Job | None:
        """Take the next due job under a lease (see adapters.queue.claim)."""
        with self.database.queueing() as sql:
            return queue.claim(sql, owner, now, lease, self.database.dialect.skip_locked)

    def renew(self, job: Job, until: float) -> bool:
        """Extend a running job's lease to `until` (see adapters.queue.renew)."""
        with self.database.queueing() as sql:
            return queue.renew(sql, job, until)

    def complete(self, job: Job, now: float) -> None:
        """The job is done and changed nothing else; LeaseLost if another worker holds it now."""
        with self.database.queueing() as sql:
            queue.complete(sql, job, now)

    def release(self, owner: str, now: float) -> int:
        """Hand back the leases `owner` holds, so another process can start at once."""
        with self.database.queueing() as sql:
            return queue.release(sql, owner, now)

    def next_due(self, now: float) -> float | None:
        """When the next job scheduled for later falls due."""
        return queue.next_due(self.database.reader(), now)


class Tx:
    """One transaction on the store: moves, notes and the jobs they cause, all or nothing."""

    def __init__(self, sql: Sql, store: Store) -> None:
        self.sql = sql
        self._store = store
        self.sealed: list[dict[str, Any]] = []  # audit rows written, logged once the transaction commits

    @property
    def batch(self) -> BatchRecords:
        """The batch tables inside this transaction (see adapters.batches)."""
        return BatchRecords(self.sql, self._store.cipher)

    def get_request(self, request_id: str) -> ErasureRequest | None:
        """The request as this transaction sees it (no other writer can change it before the commit)."""
        return _load(self.sql, request_id, self._store.cipher)

    def open_drafts(self, requester: str, now: float) -> int:
        """How many unsubmitted, unexpired requests `requester` has."""
        row = self.sql.one("SELECT COUNT(*) AS n FROM requests WHERE requester = ? AND state = 'draft' "
                           "AND expires_at > ?", [requester, now])  # fmt: skip
        return int(row["n"]) if row else 0

    def find_by_trigger(self, trigger_id: str) -> ErasureRequest | None:
        """The draft a slash command with this trigger_id made, if Slack delivered it before."""
        row = self.sql.one("SELECT id FROM requests WHERE trigger_id = ?", [trigger_id])
        return _load(self.sql, row["id"], self._store.cipher) if row else None

    def insert_request(self, request: ErasureRequest, *, trigger_id: str, team: str) -> None:
        """A new draft, and the audit row that it was created."""
        self.sql.execute(
            """INSERT INTO requests (id, state, identifier, masked, display, country, number_valid, reason,
                   requester, channel, team, trigger_id, created_at, updated_at, expires_at, required_approvals,
                   kind, identifier_hash, received_on, regime)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                request.id, request.state.value, self._sealed(request.id, request.identifier), request.masked,
                self._sealed(request.id, request.display),
                request.country, int(request.number_valid), request.reason, request.requester, request.channel,
                team, trigger_id or None, request.created_at, request.created_at, request.expires_at,
                request.required_approvals, request.kind.value, request.identifier_hash,
                request.deadline.received.isoformat() if request.deadline else None,
                request.deadline.regime.value if request.deadline else None,
            ],
        )  # fmt: skip
        deadline = request.deadline
        sealed = {
            "masked": request.masked, "kind": request.kind.value, "reason": request.reason,
            "identifier_hash": request.identifier_hash, "required_approvals": request.required_approvals,
            "channel": request.channel, "regime": deadline.regime.value if deadline else None,
            "received_on": deadline.received.isoformat() if deadline else None,
        }  # fmt: skip
        self._audit(request.id, AuditEvent.CREATED, actor=request.requester, states=(None, request.state),
                    detail=sealed, at=request.created_at)  # fmt: skip

    def move(
        self,
        request: ErasureRequest,
        event: Event,
        *,
        actor: str,
        now: float,
        detail: Mapping[str, Any] | None = None,
        payloads: Payloads | None = None,
        **columns: Any,
    ) -> State:
        """Apply one move of the transition table: a conditional write of the new state and `columns`, its
        audit row, the jobs it causes, and the wipe of the identifier when the request is over."""
        move = plan_move(request, event, now=now, schedule=self._store.schedule, payloads=payloads)
        if move.wipe:
            columns |= {"identifier": None, "display": None}  # proof is the mask and the keyed hash from now on
            self.sql.wiped = True
        columns = self._sealing(request.id, _checked(columns))
        assignments = "".join(f", {name} = :{name}" for name in columns)
        changed = self.sql.execute(
            f"UPDATE requests SET state = :to, updated_at = :now{assignments} WHERE id = :id AND state = :from",  # noqa: S608
            {"to": move.to_state.value, "now": now, "id": request.id, "from": move.from_state.value, **columns},
        )
        if changed != 1:  # only possible if the caller read the request outside this transaction
            raise StoreConflict(f"request {request.id} changed under a transaction")
        self._audit(request.id, AuditEvent(event.value), actor=actor, states=(move.from_state, move.to_state),
                    detail=detail or {}, at=now)  # fmt: skip
        for job in move.jobs:
            queue.enqueue(self.sql, job, now)
        if request.kind.has_items and move.to_state in _NOTHING_SENT:
            self.batch.wipe_all(request.id)  # its items keep their identifiers only while they may be sent
        return move.to_state

    def note(
        self,
        request: ErasureRequest | None,
        event: AuditEvent,
        *,
        actor: str,
        now: float,
        detail: Mapping[str, Any] | None = None,
        payloads: Payloads | None = None,
    ) -> None:
        """Record what happened without a move (an approval short of the number, a call to Gong, a look at a
        number), with the jobs the domain says it causes. The row says the state the request is in as this
        transaction sees it: `request` may have been read before another process moved it on."""
        state = None
        if request is not None:
            row = self.sql.one("SELECT state FROM requests WHERE id = ?", [request.id])
            state = State(row["state"]) if row else request.state
        self._audit(request.id if request else None, event, actor=actor, states=(state, state), detail=detail or {},
                    at=now)  # fmt: skip
        if request is not None:
            for job in follow_ups(request, event, now=now, schedule=self._store.schedule, payloads=payloads):
                queue.enqueue(self.sql, job, now)

    def enqueue(self, job: NewJob, now: float) -> None:
        """Queue work that no move or note of the tables causes (a batch's next item, its results file)."""
        queue.enqueue(self.sql, job, now)

    def add_approval(self, request_id: str, user_id: str, now: float) -> None:
        """Count one person's approval (once, however often they click)."""
        self.sql.execute(
            "INSERT INTO approvals (request_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [request_id, user_id, now],
        )

    def set_columns(self, request_id: str, now: float, **columns: Any) -> None:
        """Record facts that change no state: the message's ts, a preview, a check's result."""
        columns = self._sealing(request_id, _checked(columns))
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        self.sql.execute(
            f"UPDATE requests SET {assignments}, updated_at = :now WHERE id = :id",  # noqa: S608
            {"id": request_id, "now": now, **columns},
        )

    def _sealed(self, request_id: str, value: str | None) -> str | None:
        return self._store.cipher.seal(request_id, value) if value else None

    def _sealing(self, request_id: str, columns: dict[str, Any]) -> dict[str, Any]:
        """Columns about to be written, the identifier and its display form encrypted (None: wiped)."""
        return {name: self._sealed(request_id, value) if name in _SECRET else value for name, value in columns.items()}

    def complete(self, job: Job, now: float) -> None:
        """The job is done; LeaseLost (and nothing written) if another worker holds it now."""
        queue.complete(self.sql, job, now)

    def retry(self, job: Job, now: float, *, run_at: float, error: str, payload: dict[str, Any] | None = None) -> None:
        """Run the job again at `run_at`; LeaseLost as `complete`."""
        queue.retry(self.sql, job, now, run_at=run_at, error=error, payload=payload)

    def bury(self, job: Job, now: float, error: str) -> None:
        """Give up on the job for good; LeaseLost as `complete`."""
        queue.bury(self.sql, job, now, error)

    def _audit(
        self,
        request_id: str | None,
        event: AuditEvent,
        *,
        actor: str,
        states: tuple[State | None, State | None],
        detail: Mapping[str, Any],
        at: float,
    ) -> None:
        from_state, to_state = states
        row = {
            "at": at, "request_id": request_id, "actor": actor,
            "event": event.value, "from_state": from_state.value if from_state else None,
            "to_state": to_state.value if to_state else None, "detail": json.dumps(dict(detail), sort_keys=True),
        }  # fmt: skip
        # Under the write lock no other writer can slip a row in between: ids are given here, one after the last,
        # so the chain has no gap and follows commit order (a sequence would leave gaps behind rolled-back rows).
        last = self.sql.one("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1")
        row_id = int(last["id"]) + 1 if last else 1
        prev_hash = str(last["row_hash"]) if last else integrity.GENESIS
        row |= {
            "id": row_id,
            "prev_hash": prev_hash,
            "row_hash": integrity.digest(self._store._sealing_key, prev_hash, row),
        }
        self.sql.execute(
            "INSERT INTO audit (id, at, request_id, actor, event, from_state, to_state, detail, prev_hash, row_hash) "
            "VALUES (:id, :at, :request_id, :actor, :event, :from_state, :to_state, :detail, :prev_hash, :row_hash)",
            row,
        )
        self.sql.execute("UPDATE audit_head SET last_id = :id WHERE id = 1 AND last_id < :id", {"id": row_id})
        self.sealed.append(row)


_UPDATABLE = frozenset(
    {"identifier", "masked", "display", "message_ts", "decided_by", "decided_at", "gong_request_id", "failure",
     "gong_errors", "preview", "preview_error", "remaining", "checked_at", "next_check_at", "decision_note",
     "message_channel", "break_glass"}
)  # fmt: skip


def _checked(columns: dict[str, Any]) -> dict[str, Any]:
    """Column names are interpolated into SQL: only our own, known ones may be."""
    unknown = set(columns) - _UPDATABLE
    if unknown:
        raise StoreConflict(f"not an updatable request column: {sorted(unknown)}")
    return columns


_NOTHING_SENT = frozenset({State.REJECTED, State.CANCELLED, State.EXPIRED})
_SECRET = frozenset({"identifier", "display"})  # encrypted before they are written


def _load(sql: Sql, request_id: str, cipher: IdentifierCipher) -> ErasureRequest | None:
    row = sql.one("SELECT * FROM requests WHERE id = ?", [request_id])
    if row is None:
        return None
    identifier, display, unreadable = row["identifier"], row["display"], False
    try:
        if identifier:
            if not cipher.is_sealed(identifier):  # every clear one was sealed when the store opened
                raise Undecryptable("it is stored in clear, which this bot never writes")
            identifier = cipher.open(request_id, identifier)
            display = cipher.open(request_id, display) if display else None
    except Undecryptable as exc:
        log.error("request %s: the stored identifier cannot be decrypted: %s", request_id, exc)
        identifier, display, unreadable = None, None, True
    ordered = "SELECT user_id FROM approvals WHERE request_id = ? ORDER BY created_at, user_id"
    approvals = tuple(r["user_id"] for r in sql.query(ordered, [request_id]))
    return ErasureRequest(
        id=row["id"],
        state=State(row["state"]),
        identifier=identifier,
        masked=row["masked"],
        display=display,
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
        identifier_unreadable=unreadable,
        decision_note=row["decision_note"],
        message_channel=row["message_channel"],
        break_glass=row["break_glass"],
    )


_KNOWN_EVENTS = frozenset(event.value for event in AuditEvent)


_LOGGED = ("id", "request_id", "event", "actor", "from_state", "to_state")
# What of an audit row's detail a log may carry: ids, codes and counts. Never reasons, Gong's error text or anything
# a person typed, though those are masked too: logs travel further than the database.
_SAFE_DETAIL = frozenset({"gong_request_id", "status", "elapsed_ms", "attempt", "nudge", "found", "masked",
                          "reencrypted", "key", "slack_error", "references", "retry_after", "check", "line",
                          "outcome", "items", "accepted", "failed", "refused", "duplicates", "sampled", "held",
                          "verified", "unverified", "still_held"})  # fmt: skip


def _loggable(detail: str) -> dict[str, Any]:
    """The safe part of a row's detail (see _SAFE_DETAIL), scalars only."""
    values = json.loads(detail)
    return {key: value for key, value in values.items() if key in _SAFE_DETAIL and isinstance(value, str | int | float)}


def _told(row: dict[str, Any]) -> str:
    """`ER-… approve by U… (pending → approved) gong_request_id=…`: an audit row's logged fields (its detail
    already reduced by _loggable) as one line of the log."""
    moves = row["to_state"] and row["from_state"] != row["to_state"]
    moved = f" ({row['from_state'] or 'new'} → {row['to_state']})" if moves else ""
    details = "".join(f" {key}={value}" for key, value in sorted(row["detail"].items()))
    return f"{row['request_id'] or '-'} {row['event']} by {row['actor']}{moved}{details}"


def _audit_row(row: dict[str, Any]) -> AuditRow:
    event = row["event"]
    return AuditRow(
        id=row["id"], at=row["at"], request_id=row["request_id"], actor=row["actor"],
        event=AuditEvent(event) if event in _KNOWN_EVENTS else event,
        from_state=row["from_state"], to_state=row["to_state"], detail=json.loads(row["detail"]),
    )  # fmt: skip
