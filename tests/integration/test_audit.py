"""What the audit command line proves on a real file, against an attacker who can write it: a head kept outside
the database, dropped guards, forged working rows; and an export that spreadsheets and terminals cannot run."""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from bot import cli
from bot.adapters.database import is_postgres
from bot.domain.approval import ApprovalPolicy
from bot.domain.audit import AuditEvent
from bot.domain.target import parse_erase_text
from bot.service.audit import verify
from bot.service.decisions import Decisions, RequestRules
from tests.conftest import StoreFactory
from tests.doubles import Groups
from tests.tampering import tamper

KEY = "audit-test-key-" + "5a3f9c" * 6
POLICY = ApprovalPolicy(users=frozenset({"UA", "UB"}), groups=frozenset(), required=1)


@pytest.fixture()
def db(location: str, open_store: StoreFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with three finished requests (approved, rejected, cancelled), as the CLI's environment sees it
    (GONG_ERASE_DB for SQLite, DATABASE_URL for Postgres)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL" if is_postgres(location) else "GONG_ERASE_DB", location)
    monkeypatch.setenv("GONG_ERASE_HASH_KEY", KEY)
    store = open_store(hash_key=KEY)
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    for i, end in enumerate(["approve", "reject", "cancel"]):
        command = parse_erase_text(f"+1 425 555 {3000 + i} DSR-{i}")
        request = decisions.start(command, requester="UREQ", channel="C1", team="T1", trigger_id=f"a{i}")
        decisions.submit(request.id, "UREQ", "https://hooks.slack.com/x")
        {"approve": lambda r: decisions.approve(r, "UA"), "reject": lambda r: decisions.reject(r, "UB"),
         "cancel": lambda r: decisions.cancel(r, "UREQ")}[end](request.id)  # fmt: skip
    return location


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["audit", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def read_rows(location: str, sql: str) -> list[dict[str, Any]]:
    """Read the database the way an auditor would, outside the bot."""
    if is_postgres(location):
        with psycopg.connect(location, row_factory=dict_row) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]
    conn = sqlite3.connect(location)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def head_of(location: str) -> str:
    last = read_rows(location, "SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1")[0]
    return f"{last['id']}:{last['row_hash']}"


def test_the_untouched_log_verifies_with_and_without_a_head(db: str) -> None:
    """The bot's own log is intact, and still holds the head taken from it (full seal or a 16-digit prefix)."""
    head = head_of(db)
    assert run("verify")[0] == 0
    code, out, _ = run("verify", "--head", head)
    assert code == 0 and "still holds the head" in out
    assert run("verify", "--head", head[: head.index(":") + 17])[0] == 0


@pytest.mark.parametrize(
    "cut",
    [["DELETE FROM audit WHERE id > (SELECT MAX(id) - 3 FROM audit)",
      "UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM audit) WHERE name = 'audit'",
      "UPDATE audit_head SET last_id = (SELECT MAX(id) FROM audit)"],
     ["DELETE FROM audit", "DELETE FROM sqlite_sequence WHERE name = 'audit'", "DELETE FROM audit_head"],
     ["DROP TABLE audit", "CREATE TABLE audit (id INTEGER PRIMARY KEY, at REAL NOT NULL, "
      "request_id TEXT, actor TEXT NOT NULL, event TEXT NOT NULL, from_state TEXT, to_state TEXT, "
      "detail TEXT NOT NULL DEFAULT '{}', prev_hash TEXT, row_hash TEXT)"]],
    ids=["tail-cut-and-sequence-fixed", "emptied", "dropped-and-recreated"],
)  # fmt: skip
def test_cutting_the_tail_is_caught_against_a_head_kept_outside_the_database(db: str, cut: list[str]) -> None:
    """Rows cut off the end with the evidence tidied away: only a head posted elsewhere can tell, and it does."""
    head = head_of(db)
    tamper(db, *cut)
    code, out, _ = run("verify", "--head", head)
    assert code == 1 and "BROKEN" in out and f"row {head.split(':')[0]}" in out and "cut back" in out


def test_dropped_guards_and_a_missing_table_are_said_plainly_not_crashed_on(db: str) -> None:
    """Dropped append-only triggers are a finding; a missing audit table too, with exit 1 and no traceback."""
    tamper(db)
    code, out, err = run("verify")
    assert code == 1 and "audit_no_update is gone" in out and "audit_no_delete is gone" in out
    tamper(db, "DROP TABLE audit")
    code, out, err = run("verify")
    assert code == 1 and "no audit table" in out and "Traceback" not in out + err


def test_working_rows_that_disagree_with_the_sealed_log_are_found_and_kept_out_of_the_export(db: str) -> None:
    """A forged request, a forged approval and an edited decision: verify names each; the export ignores them."""
    rejected = read_rows(db, "SELECT id FROM requests WHERE state = 'rejected'")[0]["id"]
    approved = read_rows(db, "SELECT id FROM requests WHERE state = 'submitted' OR state = 'approved'")[0]["id"]
    tamper(db, "INSERT INTO requests (id, state, masked, country, number_valid, reason, requester, channel, "
           "created_at, updated_at, expires_at, required_approvals) SELECT 'ER-FORGED00', 'submitted', masked, country,"
           " 1, 'nothing to see', 'UMALLORY', channel, created_at, updated_at, expires_at, 1 FROM requests LIMIT 1",
           f"INSERT INTO approvals (request_id, user_id, created_at) VALUES ('{approved}', 'UMALLORY', 1.0)",
           f"UPDATE requests SET decided_by = 'UMALLORY' WHERE id = '{rejected}'")  # fmt: skip
    code, out, _ = run("verify")
    assert code == 1 and "at row" not in out  # the chain itself is whole: only the working rows were forged
    assert "ER-FORGED00 has no sealed row" in out
    assert f"request {approved}: the table says approvers" in out and "UMALLORY" in out
    assert f"request {rejected}: the table says decided by 'UMALLORY', the sealed log says 'UB'" in out
    code, exported, _ = run("export", "--format", "json")
    rows = {row["request_id"]: row for row in json.loads(exported)}
    assert "ER-FORGED00" not in rows and rows[approved]["approvers"] == "UA" and rows[rejected]["decided_by"] == "UB"


def test_each_audit_row_is_logged_as_sealed_once_committed(
    open_store: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """`audit #N sealed <prefix>` for every row, after the commit: a head anyone can keep outside the database."""
    store = open_store(hash_key=KEY)
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    with caplog.at_level(logging.INFO, logger="bot.adapters.store"):
        request = decisions.start(parse_erase_text("+1 425 555 3100"), requester="U", channel="C", team="T",
                                  trigger_id="t")  # fmt: skip
        decisions.submit(request.id, "U", "https://hooks.slack.com/x")
    sealed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("audit #")]
    rows = store.database.reader().query("SELECT id, row_hash FROM audit ORDER BY id")
    assert [line.split(" · ")[0] for line in sealed] == [
        f"audit #{row['id']} sealed {row['row_hash'][:16]}" for row in rows
    ] and len(rows) == 2


def test_the_csv_export_cannot_run_formulas_and_lookup_prints_no_control_characters(
    db: str, open_store: StoreFactory
) -> None:
    """Reasons like =HYPERLINK(…) or @SUM(…) reach the CSV as text; an ANSI escape never reaches the terminal."""
    escape = "chr(27)" if is_postgres(db) else "char(27)"
    tamper(db, "UPDATE requests SET reason = '=HYPERLINK(\"http://evil.example\",\"x\")' WHERE reason = 'DSR-0'",
           f"UPDATE requests SET reason = {escape} || '[2J@SUM(1+1)' WHERE reason = 'DSR-1'")  # fmt: skip
    # the reasons above are in the working table only; the export reads sealed ones, so seal one of each too
    store = open_store(hash_key=KEY)
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    for i, reason in enumerate(['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "-2+3", "+cmd|' /C calc'!A0"]):
        decisions.start(parse_erase_text(f"+1 425 555 {3200 + i} {reason}"), requester="UREQ", channel="C1",
                        team="T1", trigger_id=f"f{i}")  # fmt: skip
    code, exported, _ = run("export", "--format", "csv")
    assert code == 0
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'@SUM(1+1)" in cells
    _, said, _ = run("lookup", "+1 425 555 3001")
    assert "\x1b" not in said and "[2J@SUM" in said


def test_a_note_from_a_process_that_read_the_request_before_it_was_decided_keeps_verify_green(
    open_store: StoreFactory,
) -> None:
    """One process reads a pending request (to remind its approvers); another rejects it; the first then writes
    its note: the row says 'rejected', and `audit verify` finds the table and the sealed log agreeing."""
    store = open_store(hash_key=KEY)
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    request = decisions.start(parse_erase_text("+1 425 555 3300 DSR-S"), requester="UREQ", channel="C1", team="T1",
                              trigger_id="s")  # fmt: skip
    decisions.submit(request.id, "UREQ", "https://hooks.slack.com/x")
    read_early = store.get_request(request.id)
    decisions.reject(request.id, "UB")
    with store.transaction() as tx:
        tx.note(read_early, AuditEvent.REMINDED, actor="bot", now=store.database.now())
    assert [(row.from_state, row.to_state) for row in store.audit_trail(request.id)][-1] == ("rejected", "rejected")
    assert verify(store).problems == ()
