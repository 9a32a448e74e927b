"""The database schema as numbered migrations, applied once each in order (PRAGMA user_version)."""

from __future__ import annotations

import sqlite3

NO_UPDATE_TRIGGER = """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""

MIGRATIONS: list[str] = [
    # 1: requests, approvals, jobs and the append-only audit log
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
    # 2: the Gong call budget shared by all processes (see budget.py)
    """
    CREATE TABLE gong_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL
    );
    CREATE INDEX gong_calls_at ON gong_calls(at);
    """,
    # 3: a pause of all Gong calls after a 429 (Retry-After applies to the company, not to one request)
    """
    CREATE TABLE gong_pause (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        until REAL NOT NULL
    );
    """,
    # 4: email addresses as well as phone numbers; the preview approvers see; verification after the erase
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
    # 5: a keyed hash of the identifier, which outlives it (the identifier is wiped when a request is over)
    """
    ALTER TABLE requests ADD COLUMN identifier_hash TEXT;
    CREATE INDEX requests_identifier_hash ON requests(identifier_hash);
    """,
    # 6: the audit log becomes a hash chain (rows already there are sealed in order by _seal_existing)
    """
    ALTER TABLE audit ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit ADD COLUMN row_hash TEXT;
    """,
    # 7: the legal deadline: the day the data subject asked, and the law that sets the number of days
    """
    ALTER TABLE requests ADD COLUMN received_on TEXT;
    ALTER TABLE requests ADD COLUMN regime TEXT;
    """,
]


def statements(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (which contain ';') whole."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements
