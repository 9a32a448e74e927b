"""The audit log is a keyed hash chain: editing, deleting, inserting, reordering or cutting rows is caught."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.schema import MIGRATIONS
from bot.adapters.sqlite import Database
from bot.adapters.store import Store
from bot.domain import integrity
from bot.domain.approval import ApprovalPolicy
from bot.domain.target import parse_erase_text
from bot.errors import StoreConflict
from bot.service.decisions import Decisions, RequestRules
from tests.doubles import Groups

KEY = "chain-test-key-" + "0" * 32
POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), required=1)


def store_with_history(path: Path) -> Store:
    """Three requests' worth of audit rows: drafted, submitted, rejected or cancelled."""
    store = Store(str(path), hash_key=KEY)
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    for i, end in enumerate(["reject", "cancel", "reject"]):
        command = parse_erase_text(f"+1 425 555 {1000 + i} DSR-{i}")
        request = decisions.start(command, requester="UREQ", channel="C1", team="T1", trigger_id=f"t{i}")
        decisions.submit(request.id, "UREQ", "https://hooks.example/x")
        if end == "reject":
            decisions.reject(request.id, "UA")
        else:
            decisions.cancel(request.id, "UREQ")
    return store


def tamper(path: Path, *statements: str) -> None:
    """What someone with write access to the file could do: drop the append-only triggers and rewrite rows."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    """The bot's own log, unchanged, verifies row by row."""
    store = store_with_history(tmp_path / "a.db")
    checked, broken = store.verify_audit()
    assert broken is None and checked == 9


SWAP = (
    "UPDATE audit SET detail = (SELECT detail FROM audit WHERE id = 3), event = (SELECT event FROM audit WHERE id = 3),"
    " prev_hash = (SELECT prev_hash FROM audit WHERE id = 3), row_hash = (SELECT row_hash FROM audit WHERE id = 3),"
    " at = (SELECT at FROM audit WHERE id = 3), request_id = (SELECT request_id FROM audit WHERE id = 3),"
    " from_state = (SELECT from_state FROM audit WHERE id = 3), to_state = (SELECT to_state FROM audit WHERE id = 3)"
    " WHERE id = 2"
)


@pytest.mark.parametrize(
    ("statements", "row", "says"),
    [
        (["UPDATE audit SET actor = 'UMALLORY' WHERE id = 5"], 5, "edited"),
        (["UPDATE audit SET detail = '{\"forged\": 1}' WHERE id = 9"], 9, "edited"),
        (["DELETE FROM audit WHERE id = 4"], 5, "deleted"),
        ([SWAP], 2, "reordered"),
        (["INSERT INTO audit (at, request_id, actor, event, detail, prev_hash, row_hash) SELECT at, request_id, "
          "'UMALLORY', 'approve', '{}', row_hash, 'forged' FROM audit WHERE id = 9"], 10, "edited"),
        (["DELETE FROM audit WHERE id = 9", "DELETE FROM audit WHERE id = 8"], None, "cut off the end"),
    ],
    ids=["edited-actor", "edited-last-row", "deleted", "reordered", "inserted", "tail-cut"],
)  # fmt: skip
def test_each_kind_of_tampering_is_caught_at_the_first_broken_link(
    tmp_path: Path, statements: list[str], row: int | None, says: str
) -> None:
    """Edited, deleted, reordered, inserted or cut rows: verify names the first broken link and what it means."""
    path = tmp_path / "a.db"
    store_with_history(path)
    tamper(path, *statements)
    _, broken = Store(str(path), hash_key=KEY).verify_audit()
    assert broken is not None and broken.row_id == row and says in broken.problem


def test_resealing_without_the_key_is_caught(tmp_path: Path) -> None:
    """Someone edits a row and recomputes every seal with the wrong key: the first resealed row fails."""
    path = tmp_path / "a.db"
    store_with_history(path)
    tamper(path, "UPDATE audit SET actor = 'UMALLORY' WHERE id = 1")
    forger = Store(str(path), hash_key="not-the-key-" + "x" * 40)
    prev = ""
    for audit_row in forger.database.reader().query("SELECT * FROM audit ORDER BY id"):
        sealed = integrity.digest(forger.chain_key, prev, audit_row)
        tamper(path, f"UPDATE audit SET prev_hash = '{prev}', row_hash = '{sealed}' WHERE id = {audit_row['id']}")
        prev = sealed
    assert forger.verify_audit()[1] is None  # consistent under the forger's key…
    _, broken = Store(str(path), hash_key=KEY).verify_audit()
    assert broken is not None and broken.row_id == 1  # …but not under the real one


def test_a_database_from_before_the_chain_is_sealed_on_upgrade(tmp_path: Path) -> None:
    """Rows written by a release before the chain are sealed, in order, by the migration that adds it."""
    path = tmp_path / "old.db"
    with Database(str(path)).transaction() as sql:
        for step in MIGRATIONS[:5]:
            step(sql, b"")
        sql.execute("PRAGMA user_version = 5")
        for i in range(4):
            sql.execute("INSERT INTO audit (at, actor, event, detail) VALUES (?, 'UA', 'old', '{}')", [1000.0 + i])
    store = Store(str(path), hash_key=KEY)
    checked, broken = store.verify_audit()
    assert broken is None and checked == 4
    with pytest.raises(StoreConflict, match="append-only"), store.transaction() as tx:
        tx.sql.execute("UPDATE audit SET actor = 'UB' WHERE id = 1")


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    """Two Store objects (two processes) appending at once still leave one unbroken chain."""
    import concurrent.futures

    path = tmp_path / "a.db"
    stores = [Store(str(path), hash_key=KEY) for _ in range(2)]
    decisions = [Decisions(s, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY) for s in stores]

    def make(i: int) -> None:
        d = decisions[i % 2]
        command = parse_erase_text(f"+1 425 555 {2000 + i}")
        request = d.start(command, requester="UREQ", channel="C1", team="T1", trigger_id=f"c{i}")
        d.submit(request.id, "UREQ", "https://hooks.example/x")

    run: Callable[[int], None] = make
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(run, range(40)))
    checked, broken = stores[0].verify_audit()
    assert broken is None and checked == 80
