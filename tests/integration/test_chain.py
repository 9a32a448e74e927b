"""The audit log is a keyed hash chain: editing, deleting, inserting, reordering or cutting rows is caught."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.schema import MIGRATIONS, Migration
from bot.adapters.sqlite import SqliteDatabase, SqliteDialect
from bot.adapters.store import Store
from bot.domain import integrity
from bot.domain.approval import ApprovalPolicy
from bot.domain.audit import AuditEvent
from bot.domain.target import parse_erase_text
from bot.errors import StoreConflict
from bot.service.decisions import Decisions, RequestRules
from tests.conftest import StoreFactory
from tests.doubles import Groups
from tests.tampering import tamper

KEY = "chain-test-key-" + "0" * 32
POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), required=1)


def store_with_history(open_store: StoreFactory) -> Store:
    """Three requests' worth of audit rows: drafted, submitted, rejected or cancelled."""
    store = open_store(hash_key=KEY)
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


def test_an_untouched_log_verifies(open_store: StoreFactory) -> None:
    """The bot's own log, unchanged, verifies row by row."""
    store = store_with_history(open_store)
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
        (["INSERT INTO audit (id, at, request_id, actor, event, detail, prev_hash, row_hash) SELECT 10, at, "
          "request_id, 'UMALLORY', 'approve', '{}', row_hash, 'forged' FROM audit WHERE id = 9"], 10, "edited"),
        (["DELETE FROM audit WHERE id = 9", "DELETE FROM audit WHERE id = 8"], None, "cut off the end"),
    ],
    ids=["edited-actor", "edited-last-row", "deleted", "reordered", "inserted", "tail-cut"],
)  # fmt: skip
def test_each_kind_of_tampering_is_caught_at_the_first_broken_link(
    open_store: StoreFactory, location: str, statements: list[str], row: int | None, says: str
) -> None:
    """Edited, deleted, reordered, inserted or cut rows: verify names the first broken link and what it means."""
    store_with_history(open_store)
    tamper(location, *statements)
    _, broken = open_store(hash_key=KEY).verify_audit()
    assert broken is not None and broken.row_id == row and says in broken.problem


def test_resealing_without_the_key_is_caught(open_store: StoreFactory, location: str) -> None:
    """Someone edits a row and recomputes every seal with the wrong key: the first resealed row fails."""
    store = store_with_history(open_store)
    tamper(location, "UPDATE audit SET actor = 'UMALLORY' WHERE id = 1")
    forger_key = integrity.chain_key("not-the-key-" + "x" * 40)  # the bot would not even open under it
    prev = ""
    for audit_row in store.database.reader().query("SELECT * FROM audit ORDER BY id"):
        sealed = integrity.digest(forger_key, prev, audit_row)
        tamper(location, f"UPDATE audit SET prev_hash = '{prev}', row_hash = '{sealed}' WHERE id = {audit_row['id']}")
        prev = sealed
    forged = store.database.reader().query("SELECT * FROM audit ORDER BY id")
    assert integrity.verify(forged, forger_key, None)[1] is None  # consistent under the forger's key…
    _, broken = open_store(hash_key=KEY).verify_audit()
    assert broken is not None and broken.row_id == 1  # …but not under the real one


def test_a_sqlite_database_from_before_the_chain_is_sealed_on_upgrade(tmp_path: Path) -> None:
    """Rows written by a release before the chain are sealed, in order, by the migration that adds it."""
    path = tmp_path / "old.db"
    with SqliteDatabase(str(path)).transaction() as sql:
        for step in MIGRATIONS[:5]:
            step(sql, Migration(SqliteDialect(), b""))
        sql.execute("PRAGMA user_version = 5")
        for i in range(4):
            sql.execute("INSERT INTO audit (at, actor, event, detail) VALUES (?, 'UA', 'old', '{}')", [1000.0 + i])
    store = Store(str(path), hash_key=KEY)
    checked, broken = store.verify_audit()
    assert broken is None and checked == 4
    with pytest.raises(StoreConflict, match="append-only"), store.transaction() as tx:
        tx.sql.execute("UPDATE audit SET actor = 'UB' WHERE id = 1")


def test_concurrent_writers_keep_one_chain(open_store: StoreFactory) -> None:
    """Two Store objects (two processes) appending at once still leave one unbroken, gap-free chain in commit
    order, even when some of the writers' transactions roll back."""
    import concurrent.futures

    stores = [open_store(hash_key=KEY) for _ in range(2)]
    decisions = [Decisions(s, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY) for s in stores]

    def make(i: int) -> None:
        d = decisions[i % 2]
        command = parse_erase_text(f"+1 425 555 {2000 + i}")
        request = d.start(command, requester="UREQ", channel="C1", team="T1", trigger_id=f"c{i}")
        d.submit(request.id, "UREQ", "https://hooks.example/x")

    def roll_back(i: int) -> None:
        """A writer that seals a row and then fails: the row, and its id, go with its transaction."""
        with contextlib.suppress(RuntimeError), stores[i % 2].transaction() as tx:
            tx.note(None, AuditEvent.PROOF_LOOKUP, actor="U", now=1.0)
            raise RuntimeError("and then the process failed")

    run: Callable[[int], None] = make
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: run(i) if i % 4 else roll_back(i), range(60)))
    checked, broken = stores[0].verify_audit()
    assert broken is None and checked == 90
    ids = [row["id"] for row in stores[0].database.reader().query("SELECT id FROM audit ORDER BY id")]
    assert ids == list(range(1, 91))  # no gap where a rolled-back row was
