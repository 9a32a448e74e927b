"""A database refuses a hash key it was not made with, and a release older than its schema, before anything is
written: no false tamper evidence, no rows a newer release does not expect."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from bot import cli
from bot.adapters.database import is_postgres
from bot.adapters.schema import MIGRATIONS
from bot.adapters.store import Store
from bot.domain.approval import ApprovalPolicy
from bot.domain.target import parse_erase_text
from bot.errors import SchemaTooNew, WrongHashKey
from bot.service.decisions import Decisions, RequestRules
from tests.conftest import StoreFactory
from tests.doubles import Groups
from tests.tampering import tamper

KEY = "guard-test-key-" + "7c1e5b" * 6
OTHER_KEY = "another-key-entirely-" + "d94a20" * 6
POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), required=1)


def with_a_finished_request(store: Store) -> None:
    """One approved request: audit rows sealed under the store's key."""
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    command = parse_erase_text("+1 425 555 2671 DSR-1")
    request = decisions.start(command, requester="UREQ", channel="C1", team="T1", trigger_id="t1")
    decisions.submit(request.id, "UREQ", "https://hooks.slack.com/x")
    decisions.approve(request.id, "UA")


def audit_count(store: Store) -> int:
    """How many rows the log holds."""
    return len(store.audit_rows())


def test_another_hash_key_is_refused_and_nothing_is_written(open_store: StoreFactory) -> None:
    """The database remembers its key's fingerprint: another key cannot open it, the error says what is at stake
    and what to do, and the log is exactly as it was; the right key still opens it."""
    store = open_store(hash_key=KEY)
    with_a_finished_request(store)
    rows = audit_count(store)
    with pytest.raises(WrongHashKey) as refused:
        open_store(hash_key=OTHER_KEY)
    assert "GONG_ERASE_HASH_KEY" in str(refused.value) and "original key" in str(refused.value)
    assert OTHER_KEY not in str(refused.value) and KEY not in str(refused.value)
    assert audit_count(open_store(hash_key=KEY)) == rows


def test_a_database_from_before_fingerprints_is_stamped_only_by_the_key_that_sealed_it(
    open_store: StoreFactory, location: str
) -> None:
    """Without a fingerprint yet, the newest audit row decides: another key is refused, the sealing key is
    recorded, and from then on the fingerprint alone decides."""
    with_a_finished_request(open_store(hash_key=KEY))
    tamper(location, "DELETE FROM deployment", keep_guards=True)
    with pytest.raises(WrongHashKey):
        open_store(hash_key=OTHER_KEY)
    open_store(hash_key=KEY)
    with pytest.raises(WrongHashKey):
        open_store(hash_key=OTHER_KEY)


def test_the_audit_command_line_refuses_another_key_instead_of_reporting_tampering(
    open_store: StoreFactory, location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`audit verify` with the wrong key used to report every row as edited, for ever; now it exits 2 with the
    reason, and with the right key the log verifies."""
    with_a_finished_request(open_store(hash_key=KEY))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL" if is_postgres(location) else "GONG_ERASE_DB", location)
    monkeypatch.setenv("GONG_ERASE_HASH_KEY", OTHER_KEY)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["audit", "verify"], out, err) == 2
    assert "not the key this database was made with" in err.getvalue() and "BROKEN" not in out.getvalue()
    monkeypatch.setenv("GONG_ERASE_HASH_KEY", KEY)
    assert cli.main(["audit", "verify"], io.StringIO(), io.StringIO()) == 0


def test_an_older_release_refuses_a_newer_schema(open_store: StoreFactory) -> None:
    """A schema version past this release's migrations stops the store before it writes, saying to run the newer
    release."""
    store = open_store(hash_key=KEY)
    with store.database.migrating() as sql:
        store.database.set_schema_version(sql, len(MIGRATIONS) + 1)
    with pytest.raises(SchemaTooNew, match=f"schema {len(MIGRATIONS) + 1}.*knows {len(MIGRATIONS)}"):
        open_store(hash_key=KEY)


def keyed_cli(
    monkeypatch: pytest.MonkeyPatch, location: str, key: str, old: str = ""
) -> Callable[..., tuple[int, str]]:
    """`python -m bot …` in-process, with this database and these hash keys in the environment."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL" if is_postgres(location) else "GONG_ERASE_DB", location)
    monkeypatch.setenv("GONG_ERASE_HASH_KEY", key)
    monkeypatch.setenv("GONG_ERASE_HASH_KEY_OLD", old)

    def run(*argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(list(argv), out, err)
        return code, out.getvalue() + err.getvalue()

    return run


def test_rotating_the_hash_key_hands_the_chain_over_and_keeps_every_proof(
    open_store: StoreFactory, location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the new key set and the old one in GONG_ERASE_HASH_KEY_OLD: the bot refuses to start until
    `keys rotate-hash` has run; then the chain verifies across the handover, lookups find requests made under
    either key, a live identifier sealed under the old key's data key still opens, and running it again changes
    nothing. Without the old key, verify says it is needed rather than calling the rows edited."""
    with_a_finished_request(open_store(hash_key=KEY))
    live = open_store(hash_key=KEY)
    pending = Decisions(live, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY).start(
        parse_erase_text("+44 20 7946 0958 DSR-2"), requester="UREQ", channel="C1", team="T1", trigger_id="t2"
    )
    with pytest.raises(WrongHashKey, match="rotate-hash"):
        open_store(hash_key=OTHER_KEY, old_hash_keys=(KEY,))
    run = keyed_cli(monkeypatch, location, OTHER_KEY, old=KEY)
    code, said = run("keys", "rotate-hash")
    assert code == 0 and "now sealed with the new GONG_ERASE_HASH_KEY" in said
    assert "2 live identifier(s) re-encrypted" in said  # the approved one and the pending one
    assert run("keys", "rotate-hash") == (0, "the database is already under GONG_ERASE_HASH_KEY: nothing to hand "
                                             "over\n")  # fmt: skip
    rotated = open_store(hash_key=OTHER_KEY, old_hash_keys=(KEY,))
    Decisions(rotated, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=OTHER_KEY).start(
        parse_erase_text("+1 425 555 2671 DSR-3"), requester="UREQ", channel="C1", team="T1", trigger_id="t3"
    )
    loaded = rotated.get_request(pending.id)
    assert loaded is not None and loaded.identifier == "+442079460958"
    code, said = run("audit", "verify")
    assert code == 0, said
    code, said = run("audit", "lookup", "+1 425 555 2671")
    assert code == 0 and "2 erase request(s)" in said  # one under each key
    code, said = keyed_cli(monkeypatch, location, OTHER_KEY)("audit", "verify")
    assert code == 1 and "GONG_ERASE_HASH_KEY_OLD" in said and "edited" not in said
    with pytest.raises(WrongHashKey):
        open_store(hash_key=KEY)  # the old key alone no longer opens it
