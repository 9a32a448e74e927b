"""The database schema as named migrations, applied once each, in order, by one process at a time.

Each migration is a function registered with `@migration`, taking the transaction and a Migration context (the
dialect, the audit chain's key); the schema version counts how many have run. Types and guards that differ
between SQLite and Postgres come from the dialect, so one list serves both."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..domain import integrity
from ..errors import SchemaTooNew
from .database import Database, Dialect, Sql

__all__ = ["MIGRATIONS", "Migration", "migrate", "migration", "run_script"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """What a migration may need besides its transaction."""

    dialect: Dialect
    chain_key: bytes
    seal: Callable[[str, str], str] = lambda request_id, plaintext: plaintext  # (request id, identifier) → sealed


Step = Callable[[Sql, Migration], None]
MIGRATIONS: list[Step] = []


def migration(step: Step) -> Step:
    """Register `step` as the next migration; the order of definition is the order of application."""
    MIGRATIONS.append(step)
    return step


def migrate(database: Database, chain_key: bytes, seal: Callable[[str, str], str]) -> None:
    """Bring the database up to the newest schema; a database already there is left as it is."""
    context = Migration(database.dialect, chain_key, seal)
    with database.migrating() as sql:
        version = database.schema_version(sql)
        if version > len(MIGRATIONS):
            raise SchemaTooNew(
                f"the database is at schema {version}, and this release of gong-erase-bot knows {len(MIGRATIONS)}: "
                "a newer release has upgraded it. Run that release (or a newer one); this one stops rather than "
                "write rows the newer schema does not expect"
            )
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            step(sql, context)
            database.set_schema_version(sql, number)
            log.info("database %s migrated to schema %d (%s)", database.where, number, step.__name__)


def run_script(sql: Sql, script: str) -> None:
    """Run several statements separated by ';' (none of ours has one inside it but trigger bodies, which
    come from the dialect as single statements)."""
    current = ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            sql.execute(current.strip())
            current = ""


@migration
def create_requests_approvals_jobs_audit(sql: Sql, m: Migration) -> None:
    """Requests, approvals, the job table and the append-only audit log."""
    d = m.dialect
    run_script(
        sql,
        f"""
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
        created_at {d.real} NOT NULL,
        updated_at {d.real} NOT NULL,
        expires_at {d.real} NOT NULL,
        required_approvals INTEGER NOT NULL,
        message_ts TEXT,
        decided_by TEXT,
        decided_at {d.real},
        gong_request_id TEXT,
        failure TEXT,
        gong_errors TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX requests_state ON requests(state, expires_at);
    CREATE TABLE approvals (
        request_id TEXT NOT NULL REFERENCES requests(id),
        user_id TEXT NOT NULL,
        created_at {d.real} NOT NULL,
        PRIMARY KEY (request_id, user_id)
    );
    CREATE TABLE jobs (
        id {d.serial_key},
        kind TEXT NOT NULL,
        lane TEXT NOT NULL,
        request_id TEXT NOT NULL REFERENCES requests(id),
        payload TEXT NOT NULL DEFAULT '{{}}',
        status TEXT NOT NULL DEFAULT 'queued',
        run_at {d.real} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until {d.real},
        owner TEXT,
        last_error TEXT,
        created_at {d.real} NOT NULL,
        updated_at {d.real} NOT NULL
    );
    CREATE INDEX jobs_due ON jobs(status, run_at);
    CREATE INDEX jobs_request ON jobs(request_id, lane, status);
    -- a request is erased at most once, whatever happens above this line
    CREATE UNIQUE INDEX jobs_one_erase ON jobs(request_id) WHERE kind = 'gong_erase';
    CREATE TABLE audit (
        id {d.serial_key},
        at {d.real} NOT NULL,
        request_id TEXT,
        actor TEXT NOT NULL,
        event TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        detail TEXT NOT NULL DEFAULT '{{}}'
    );
    CREATE INDEX audit_request ON audit(request_id, id);
    """,
    )
    for statement in d.append_only("audit"):
        sql.execute(statement)


@migration
def count_gong_calls(sql: Sql, m: Migration) -> None:
    """The Gong call budget shared by all processes (see adapters.budget)."""
    sql.execute(f"CREATE TABLE gong_calls (id {m.dialect.serial_key}, at {m.dialect.real} NOT NULL)")
    sql.execute("CREATE INDEX gong_calls_at ON gong_calls(at)")


@migration
def pause_gong_calls(sql: Sql, m: Migration) -> None:
    """A pause of all Gong calls after a 429 (Retry-After applies to the company, not to one request)."""
    sql.execute(f"CREATE TABLE gong_pause (id INTEGER PRIMARY KEY CHECK (id = 1), until {m.dialect.real} NOT NULL)")


@migration
def email_addresses_previews_and_checks(sql: Sql, m: Migration) -> None:
    """Email addresses as well as phone numbers; the preview approvers see; verification after the erase."""
    run_script(
        sql,
        f"""
    ALTER TABLE requests RENAME COLUMN e164 TO identifier;
    ALTER TABLE requests RENAME COLUMN international TO display;
    ALTER TABLE requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'phone';
    ALTER TABLE requests ADD COLUMN preview TEXT;
    ALTER TABLE requests ADD COLUMN preview_error TEXT;
    ALTER TABLE requests ADD COLUMN remaining TEXT;
    ALTER TABLE requests ADD COLUMN checked_at {m.dialect.real};
    ALTER TABLE requests ADD COLUMN next_check_at {m.dialect.real};
    """,
    )


@migration
def keyed_identifier_hash(sql: Sql, m: Migration) -> None:
    """A keyed hash of the identifier, which outlives it (the identifier is wiped when a request is over)."""
    sql.execute("ALTER TABLE requests ADD COLUMN identifier_hash TEXT")
    sql.execute("CREATE INDEX requests_identifier_hash ON requests(identifier_hash)")


@migration
def chain_the_audit_log(sql: Sql, m: Migration) -> None:
    """The audit log becomes a hash chain; rows already there are sealed in order (the append-only guard
    against updates steps aside for this, and only this)."""
    sql.execute("ALTER TABLE audit ADD COLUMN prev_hash TEXT")
    sql.execute("ALTER TABLE audit ADD COLUMN row_hash TEXT")
    for statement in m.dialect.allow_updates("audit"):
        sql.execute(statement)
    prev = integrity.GENESIS
    for row in sql.query("SELECT * FROM audit ORDER BY id"):
        sealed = integrity.digest(m.chain_key, prev, row)
        sql.execute("UPDATE audit SET prev_hash = ?, row_hash = ? WHERE id = ?", [prev, sealed, row["id"]])
        prev = sealed
    for statement in m.dialect.forbid_updates("audit"):
        sql.execute(statement)


@migration
def legal_deadline(sql: Sql, m: Migration) -> None:
    """The day the data subject asked, and the law that sets the number of days."""
    sql.execute("ALTER TABLE requests ADD COLUMN received_on TEXT")
    sql.execute("ALTER TABLE requests ADD COLUMN regime TEXT")


@migration
def audit_checkpoints(sql: Sql, m: Migration) -> None:
    """The daily checkpoint of the chain's head posted outside the database (GONG_ERASE_AUDIT_CHANNEL): which
    day's was claimed by which process, and what it said once posted."""
    sql.execute(
        f"CREATE TABLE audit_checkpoints (day TEXT PRIMARY KEY, claimed_by TEXT NOT NULL, "
        f"claimed_at {m.dialect.real} NOT NULL, head_id INTEGER, head_hash TEXT, posted_ts TEXT)"
    )


@migration
def index_requests_by_requester(sql: Sql, m: Migration) -> None:
    """One person's requests, and their open drafts (counted at every new request), found by index."""
    sql.execute("CREATE INDEX requests_requester ON requests(requester, state, created_at)")


@migration
def pace_gong_calls(sql: Sql, m: Migration) -> None:
    """Gong calls are paced, not bunched: the next free slot of the whole deployment (see domain.budget)."""
    sql.execute(f"CREATE TABLE gong_pace (id INTEGER PRIMARY KEY CHECK (id = 1), next_free {m.dialect.real} NOT NULL)")


@migration
def count_audit_rows_issued(sql: Sql, m: Migration) -> None:
    """The highest audit row ever written, kept in the same transaction as each row: rows cut off the log's end
    leave it higher than the last row (on SQLite it starts from sqlite_sequence, which did this before)."""
    sql.execute("CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL)")
    issued = 0
    if m.dialect.name == "sqlite":
        row = sql.one("SELECT seq FROM sqlite_sequence WHERE name = 'audit'")
        issued = int(row["seq"]) if row else 0
    last = sql.one("SELECT MAX(id) AS last FROM audit")
    issued = max(issued, int(last["last"]) if last and last["last"] is not None else 0)
    sql.execute("INSERT INTO audit_head (id, last_id) VALUES (1, ?)", [issued])


@migration
def encrypt_identifiers(sql: Sql, m: Migration) -> None:
    """Identifiers kept in clear by releases before encryption are sealed, once (see adapters.cipher); from here
    on a clear one in a row can only have been put there by hand, and is refused. On SQLite, the old pages leave
    the file with the write-ahead log, as after a wipe."""
    rows = sql.query("SELECT id, identifier, display FROM requests WHERE identifier IS NOT NULL")
    for row in rows:
        sql.execute(
            "UPDATE requests SET identifier = ?, display = ? WHERE id = ?",
            [m.seal(row["id"], row["identifier"]), m.seal(row["id"], row["display"]) if row["display"] else None,
             row["id"]],
        )  # fmt: skip
    sql.wiped = sql.wiped or bool(rows)
    if rows:
        log.info("encrypted the identifiers of %d live request(s) kept from before encryption", len(rows))


@migration
def order_due_jobs(sql: Sql, m: Migration) -> None:
    """Due jobs in the order they are claimed (status, run_at, id), so that a claim walks the index and stops at
    the first job it can take, however long the backlog."""
    sql.execute("DROP INDEX jobs_due")
    sql.execute("CREATE INDEX jobs_due ON jobs(status, run_at, id)")


@migration
def remember_the_hash_key(sql: Sql, m: Migration) -> None:
    """Facts about the deployment itself: the hash key's fingerprint (see Store.recognise_hash_key)."""
    sql.execute("CREATE TABLE deployment (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migration
def batches_of_identifiers(sql: Sql, m: Migration) -> None:
    """Bulk erasure: a batch is a request (kind 'batch') with what its intake counted and one row per line of its
    list. An item's identifier is sealed for its own row (`EB-…#line`) and wiped when the item is over; one erase
    job per batch is live at a time, and it works through the items in list order."""
    d = m.dialect
    run_script(
        sql,
        f"""
    CREATE TABLE batches (
        id TEXT PRIMARY KEY REFERENCES requests(id),
        intake TEXT,
        file_url TEXT,
        file_name TEXT,
        phones INTEGER NOT NULL DEFAULT 0,
        addresses INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0,
        refused INTEGER NOT NULL DEFAULT 0,
        read_at {d.real},
        sampled INTEGER,
        sampled_held INTEGER,
        progress_at {d.real},
        resume_at {d.real},
        ended_at {d.real},
        retries INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE batch_items (
        batch_id TEXT NOT NULL REFERENCES requests(id),
        line INTEGER NOT NULL,
        kind TEXT NOT NULL,
        identifier TEXT,
        masked TEXT NOT NULL,
        identifier_hash TEXT,
        reason TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        gong_request_id TEXT,
        error TEXT NOT NULL DEFAULT '',
        checks INTEGER NOT NULL DEFAULT 0,
        updated_at {d.real} NOT NULL,
        PRIMARY KEY (batch_id, line)
    );
    CREATE INDEX batch_items_outcome ON batch_items(batch_id, outcome, line);
    CREATE INDEX batch_items_hash ON batch_items(identifier_hash);
    -- one item erase at a time per batch, whatever happens above this line: the chain cannot fork
    CREATE UNIQUE INDEX jobs_one_item_erase ON jobs(request_id)
        WHERE kind = 'item_erase' AND status IN ('queued', 'running');
    """,
    )


@migration
def reasons_for_decisions(sql: Sql, m: Migration) -> None:
    """The reason an approver gave for rejecting a request (GDPR expects a refusal to be documented)."""
    sql.execute("ALTER TABLE requests ADD COLUMN decision_note TEXT")


@migration
def approval_message_channel(sql: Sql, m: Migration) -> None:
    """Where a request's approval message lives, when that is not the channel it was made in (an approvals
    channel, GONG_ERASE_APPROVAL_CHANNEL; the command may then come from a DM with the bot)."""
    sql.execute("ALTER TABLE requests ADD COLUMN message_channel TEXT")


@migration
def break_glass_approvals(sql: Sql, m: Migration) -> None:
    """The justification a requester gave for approving their own request (GONG_ERASE_ALLOW_SELF_APPROVAL=
    break-glass): shown with the approval, kept with the decision."""
    sql.execute("ALTER TABLE requests ADD COLUMN break_glass TEXT")
