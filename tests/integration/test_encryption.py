"""Identifiers sealed in the application, on both backends: bound to their row, refused in clear, and rotated to a
new key without losing one."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot import cli
from bot.adapters.cipher import DataKey, IdentifierCipher, cipher_for, derived_key
from bot.adapters.database import is_postgres
from bot.adapters.schema import MIGRATIONS, Migration
from bot.adapters.sqlite import SqliteDatabase, SqliteDialect
from bot.adapters.store import Store
from bot.domain.approval import ApprovalPolicy
from bot.domain.audit import AuditEvent
from bot.domain.target import parse_erase_text
from bot.environment import Storage
from bot.service.decisions import Decisions, RequestRules
from tests.conftest import StoreFactory
from tests.doubles import Groups
from tests.tampering import tamper

KEY = "encryption-test-key-" + "7c2e91" * 6
POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), required=1)


def start(store: Store, typed: str, trigger: str) -> str:
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    return decisions.start(parse_erase_text(typed), requester="UREQ", channel="C1", team="T1", trigger_id=trigger).id


def stored(store: Store, request_id: str) -> str:
    row = store.database.reader().one("SELECT identifier FROM requests WHERE id = ?", [request_id])
    assert row is not None
    return str(row["identifier"])


def test_identifiers_are_written_sealed_and_read_back_whole(open_store: StoreFactory) -> None:
    """The row holds `enc1:<key id>:…`; the bot reads the number and the address as they were typed."""
    store = open_store(hash_key=KEY)
    phone, email = start(store, "+1 425 555 2671", "p"), start(store, "Jane.Doe@Example.com", "e")
    assert all(stored(store, r).startswith(f"enc1:{store.cipher.current.id}:") for r in (phone, email))
    assert "2671" not in stored(store, phone) and "doe" not in stored(store, email).lower()
    loaded = store.get_request(phone)
    assert loaded is not None and loaded.identifier == "+14255552671" and not loaded.identifier_unreadable
    loaded = store.get_request(email)
    assert loaded is not None and loaded.identifier is not None and "doe@example.com" in loaded.identifier.lower()


def test_a_ciphertext_moved_to_another_row_or_a_number_written_in_clear_is_refused(
    location: str, open_store: StoreFactory
) -> None:
    """Someone with write access copies one request's ciphertext into another, or writes a number in clear: the
    bot reads neither as an identifier (so it can send nothing to Gong for it)."""
    store = open_store(hash_key=KEY)
    victim, other, clear = (start(store, f"+1 425 555 {n}", f"t{n}") for n in (2671, 2672, 2673))
    tamper(location, f"UPDATE requests SET identifier = (SELECT identifier FROM requests WHERE id = '{victim}') "
                     f"WHERE id = '{other}'",
           f"UPDATE requests SET identifier = '+14255550000' WHERE id = '{clear}'", keep_guards=True)  # fmt: skip
    for request_id in (other, clear):
        loaded = store.get_request(request_id)
        assert loaded is not None and loaded.identifier is None and loaded.identifier_unreadable
    victim_request = store.get_request(victim)
    assert victim_request is not None and victim_request.identifier == "+14255552671"


def test_the_data_key_is_derived_from_the_hash_key_under_its_own_label_unless_set() -> None:
    """No GONG_ERASE_DATA_KEY: HKDF of the hash key (never the hash key itself); with one, that key seals."""
    derived = cipher_for(Storage("x.db", hash_key=KEY))
    assert derived.current.secret == derived_key(KEY) and derived.current.secret not in KEY.encode()
    chosen = cipher_for(Storage("x.db", hash_key=KEY, data_key=bytes(range(32))))
    assert chosen.current.secret == bytes(range(32))
    sealed = derived.seal("ER-1", "+14255552671")
    assert chosen.open("ER-1", sealed) == "+14255552671"  # the derived key still opens what it sealed


def test_rotation_re_encrypts_every_live_identifier_once_and_is_audited(open_store: StoreFactory) -> None:
    """Old key in _OLD, new key set, `keys rotate`: all live identifiers under the new key; a second run has
    nothing to do; then the old key can go and every request still reads."""
    old, new = os.urandom(32), os.urandom(32)
    before = open_store(hash_key=KEY, cipher=IdentifierCipher(old))
    ids = [start(before, f"+1 425 555 {2600 + n}", f"r{n}") for n in range(3)]
    rotating = open_store(hash_key=KEY, cipher=IdentifierCipher(new, [old]))
    assert rotating.rotate_keys() == (3, 0)
    assert rotating.rotate_keys() == (0, 3)
    after = open_store(hash_key=KEY, cipher=IdentifierCipher(new))
    assert [after.get_request(r).identifier for r in ids] == [f"+1425555{2600 + n}" for n in range(3)]  # type: ignore[union-attr]
    rotations = [row for row in after.audit_rows() if row.event == AuditEvent.KEYS_ROTATED.value]
    assert [row.detail["reencrypted"] for row in rotations] == [3, 0]
    unreadable = open_store(hash_key=KEY, cipher=IdentifierCipher(old)).get_request(ids[0])
    assert unreadable is not None and unreadable.identifier_unreadable  # the old key alone no longer opens them


def test_identifiers_kept_in_clear_by_an_older_release_are_sealed_on_upgrade(tmp_path: Path) -> None:
    """A database from before encryption: the upgrade seals its live identifiers once, and they read back."""
    path = str(tmp_path / "old.db")
    before = MIGRATIONS.index(next(step for step in MIGRATIONS if step.__name__ == "encrypt_identifiers"))
    with SqliteDatabase(path).transaction() as sql:
        for step in MIGRATIONS[:before]:
            step(sql, Migration(SqliteDialect(), b""))
        sql.execute(f"PRAGMA user_version = {before}")
    old = Store(path, hash_key=KEY)  # (this release's Store, only to insert rows as the old one would have)
    request_id = start(old, "+1 425 555 2671", "u")
    old.shutdown()
    with SqliteDatabase(path).transaction() as sql:
        sql.execute("UPDATE requests SET identifier = '+14255552671', display = '+1 425-555-2671'")
        for made_later in (
            "DROP TABLE deployment",
            "DROP TABLE batch_items",
            "DROP TABLE batches",
            "DROP INDEX jobs_one_item_erase",
            "ALTER TABLE requests DROP COLUMN decision_note",
            "ALTER TABLE requests DROP COLUMN message_channel",
            "ALTER TABLE requests DROP COLUMN break_glass",
        ):  # what later migrations add, made again after the rewind
            sql.execute(made_later)
        sql.execute(f"PRAGMA user_version = {before}")
    store = Store(path, hash_key=KEY)
    try:
        assert stored(store, request_id).startswith("enc1:")
        loaded = store.get_request(request_id)
        assert loaded is not None and loaded.identifier == "+14255552671" and loaded.display == "+1 425-555-2671"
    finally:
        store.shutdown()


def test_keys_rotate_from_the_command_line_reads_the_keys_from_the_environment(
    location: str, open_store: StoreFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m bot keys rotate` with GONG_ERASE_DATA_KEY and the old one in GONG_ERASE_DATA_KEY_OLD: says what
    it did and reminds that old backups need the old key; a second run finds nothing to do."""
    old, new = os.urandom(32), os.urandom(32)
    request_id = start(open_store(hash_key=KEY, cipher=IdentifierCipher(old)), "+1 425 555 2699", "k")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL" if is_postgres(location) else "GONG_ERASE_DB", location)
    monkeypatch.setenv("GONG_ERASE_HASH_KEY", KEY)
    monkeypatch.setenv("GONG_ERASE_DATA_KEY", new.hex())
    monkeypatch.setenv("GONG_ERASE_DATA_KEY_OLD", old.hex())
    said = [io.StringIO() for _ in range(2)]
    assert [cli.main(["keys", "rotate"], out, io.StringIO()) for out in said] == [0, 0]
    assert (
        said[0].getvalue().startswith("1 live identifier(s) re-encrypted")
        and "Backups made before today still need the old key" in said[0].getvalue()
    )
    again = f"0 live identifier(s) re-encrypted under key {DataKey(new).id}; 1 already were"
    assert said[1].getvalue().startswith(again)
    loaded = open_store(hash_key=KEY, cipher=IdentifierCipher(new)).get_request(request_id)
    assert loaded is not None and loaded.identifier == "+14255552699"
