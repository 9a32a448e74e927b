"""The database schema as named migrations, applied once each, in order, under the write lock.

`PRAGMA user_version` counts the migrations a database has had; each is a function registered with
`@migration`, so a step that must do more than DDL (sealing old audit rows) is ordinary code in its own step."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from ..domain import integrity
from .sqlite import Database, Sql

__all__ = ["MIGRATIONS", "NO_UPDATE_TRIGGER", "migrate", "migration", "run_script"]

log = logging.getLogger(__name__)

Migration = Callable[[Sql, bytes], None]  # (the transaction, the audit chain's key)
MIGRATIONS: list[Migration] = []

NO_UPDATE_TRIGGER = """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""


def migration(step: Migration) -> Migration:
    """Register `step` as the next migration; the order of definition is the order of application."""
    MIGRATIONS.append(step)
    return step


def migrate(database: Database, chain_key: bytes) -> None:
    """Bring the database up to the newest schema; a database already there is left as it is."""
    with database.transaction() as sql:
        row = sql.one("PRAGMA user_version")
        version = int(row["user_version"]) if row else 0
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            step(sql, chain_key)
            sql.execute(f"PRAGMA user_version = {number}")
            log.info("database %s migrated to schema %d (%s)", database.path, number, step.__name__)


def run_script(sql: Sql, script: str) -> None:
    """Run several statements, keeping trigger bodies (which contain ';') whole."""
    current = ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            sql.execute(current.strip())
            current = ""


@migration
def create_requests_approvals_jobs_audit(sql: Sql, chain_key: bytes) -> None:
    """Requests, approvals, the job table and the append-only audit log."""
    run_script(
        sql,
        """
    CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        e164 TEXT,
        masked TEXT NOT NULL,
        international TEXT,
        country TEXT NOT NULL DEFAULT '',
        number_valid INTEGER NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        requester TEXT NOT NULL,
        channel TEXT NOT NULL,
        team TEXT,
        trigger_id TEXT UNIQUE,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        required_approvals INTEGER NOT NULL,
        message_ts TEXT,
        decided_by TEXT,
        decided_at REAL,
        gong_request_id TEXT,
        failure TEXT,
        gong_errors TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX requests_state ON requests(state, expires_at);
    CREATE TABLE approvals (
        request_id TEXT NOT NULL REFERENCES requests(id),
        user_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (request_id, user_id)
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        lane TEXT NOT NULL,
        request_id TEXT NOT NULL REFERENCES requests(id),
        payload TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'queued',
        run_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until REAL,
        owner TEXT,
        last_error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX jobs_due ON jobs(status, run_at);
    CREATE INDEX jobs_request ON jobs(request_id, lane, status);
    -- a request is erased at most once, whatever happens above this line
    CREATE UNIQUE INDEX jobs_one_erase ON jobs(request_id) WHERE kind = 'gong_erase';
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        request_id TEXT,
        actor TEXT NOT NULL,
        event TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_request ON audit(request_id, id);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    )


@migration
def count_gong_calls(sql: Sql, chain_key: bytes) -> None:
    """The Gong call budget shared by all processes (see adapters.budget)."""
    sql.execute("CREATE TABLE gong_calls (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL)")
    sql.execute("CREATE INDEX gong_calls_at ON gong_calls(at)")


@migration
def pause_gong_calls(sql: Sql, chain_key: bytes) -> None:
    """A pause of all Gong calls after a 429 (Retry-After applies to the company, not to one request)."""
    sql.execute("CREATE TABLE gong_pause (id INTEGER PRIMARY KEY CHECK (id = 1), until REAL NOT NULL)")


@migration
def email_addresses_previews_and_checks(sql: Sql, chain_key: bytes) -> None:
    """Email addresses as well as phone numbers; the preview approvers see; verification after the erase."""
    run_script(
        sql,
        """
    ALTER TABLE requests RENAME COLUMN e164 TO identifier;
    ALTER TABLE requests RENAME COLUMN international TO display;
    ALTER TABLE requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'phone';
    ALTER TABLE requests ADD COLUMN preview TEXT;
    ALTER TABLE requests ADD COLUMN preview_error TEXT;
    ALTER TABLE requests ADD COLUMN remaining TEXT;
    ALTER TABLE requests ADD COLUMN checked_at REAL;
    ALTER TABLE requests ADD COLUMN next_check_at REAL;
    """,
    )


@migration
def keyed_identifier_hash(sql: Sql, chain_key: bytes) -> None:
    """A keyed hash of the identifier, which outlives it (the identifier is wiped when a request is over)."""
    sql.execute("ALTER TABLE requests ADD COLUMN identifier_hash TEXT")
    sql.execute("CREATE INDEX requests_identifier_hash ON requests(identifier_hash)")


@migration
def chain_the_audit_log(sql: Sql, chain_key: bytes) -> None:
    """The audit log becomes a hash chain; rows already there are sealed in order (the append-only trigger
    steps aside for this, and only this)."""
    sql.execute("ALTER TABLE audit ADD COLUMN prev_hash TEXT")
    sql.execute("ALTER TABLE audit ADD COLUMN row_hash TEXT")
    sql.execute("DROP TRIGGER audit_no_update")
    prev = integrity.GENESIS
    for row in sql.query("SELECT * FROM audit ORDER BY id"):
        sealed = integrity.digest(chain_key, prev, row)
        sql.execute("UPDATE audit SET prev_hash = ?, row_hash = ? WHERE id = ?", [prev, sealed, row["id"]])
        prev = sealed
    sql.execute(NO_UPDATE_TRIGGER)


@migration
def legal_deadline(sql: Sql, chain_key: bytes) -> None:
    """The day the data subject asked, and the law that sets the number of days."""
    sql.execute("ALTER TABLE requests ADD COLUMN received_on TEXT")
    sql.execute("ALTER TABLE requests ADD COLUMN regime TEXT")


@migration
def audit_checkpoints(sql: Sql, chain_key: bytes) -> None:
    """The daily checkpoint of the chain's head posted outside the database (GONG_ERASE_AUDIT_CHANNEL): which
    day's was claimed by which process, and what it said once posted."""
    sql.execute(
        "CREATE TABLE audit_checkpoints (day TEXT PRIMARY KEY, claimed_by TEXT NOT NULL, claimed_at REAL NOT NULL, "
        "head_id INTEGER, head_hash TEXT, posted_ts TEXT)"
    )


@migration
def index_requests_by_requester(sql: Sql, chain_key: bytes) -> None:
    """One person's requests, and their open drafts (counted at every new request), found by index."""
    sql.execute("CREATE INDEX requests_requester ON requests(requester, state, created_at)")


@migration
def pace_gong_calls(sql: Sql, chain_key: bytes) -> None:
    """Gong calls are paced, not bunched: the next free slot of the whole deployment (see domain.budget)."""
    sql.execute("CREATE TABLE gong_pace (id INTEGER PRIMARY KEY CHECK (id = 1), next_free REAL NOT NULL)")
