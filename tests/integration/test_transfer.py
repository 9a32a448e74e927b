"""`python -m bot db copy --to postgresql://…`: a SQLite deployment moves to Postgres whole, its audit chain still
verifying there; a target already in use, or a copy that could not be run afterwards, is refused."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot import cli
from bot.adapters.store import Store
from bot.domain.approval import ApprovalPolicy
from bot.domain.request import State
from bot.domain.target import parse_erase_text
from bot.service.decisions import Decisions, RequestRules
from tests.doubles import Groups
from tests.postgres import PostgresServer

KEY = "transfer-test-key-" + "9e1c47" * 6
POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), required=1)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return cli.main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture()
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A SQLite deployment with a pending, an approved (its erase job queued) and a rejected request."""
    path = str(tmp_path / "gong-erase.db")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("GONG_ERASE_DB", path)
    monkeypatch.setenv("GONG_ERASE_HASH_KEY", KEY)
    store = Store(path, hash_key=KEY)
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    ids = {}
    for i, end in enumerate(["pending", "approved", "rejected"]):
        request = decisions.start(parse_erase_text(f"+1 425 555 {4000 + i} DSR-{i}"), requester="UREQ",
                                  channel="C1", team="T1", trigger_id=f"t{i}")  # fmt: skip
        decisions.submit(request.id, "UREQ", "https://hooks.slack.com/x")
        if end == "approved":
            decisions.approve(request.id, "UA")
        elif end == "rejected":
            decisions.reject(request.id, "UA")
        ids[end] = request.id
    store.shutdown()
    return ids


def test_a_sqlite_deployment_moves_to_postgres_whole_and_its_chain_verifies_there(
    deployment: dict[str, str], postgres: PostgresServer
) -> None:
    """Requests (identifiers still sealed and readable), jobs and the audit chain arrive as they were; the new
    home then goes on numbering its jobs and audit rows after the copied ones."""
    url = postgres.new_database()
    code, out, err = run("db", "copy", "--to", url)
    assert code == 0, err
    assert "the audit log verifies there" in out and "***" not in out  # (no password in this URL to hide)
    store = Store(url, hash_key=KEY)
    try:
        pending = store.get_request(deployment["pending"])
        assert pending is not None and pending.state is State.PENDING and pending.identifier == "+14255554000"
        assert store.get_request(deployment["rejected"]).state is State.REJECTED  # type: ignore[union-attr]
        jobs = store.database.reader().query("SELECT kind, request_id FROM jobs ORDER BY id")
        assert {"kind": "gong_erase", "request_id": deployment["approved"]} in jobs
        copied_rows = store.verify_audit()[0]
        decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
        decisions.approve(deployment["pending"], "UA")  # a new job and audit rows after the copied ones
        checked, broken = store.verify_audit()
        assert broken is None and checked > copied_rows
    finally:
        store.shutdown()
    code, out, _ = run("audit", "lookup", "+1 425 555 4002")
    assert code == 0 and deployment["rejected"] in out  # the SQLite file is left as it was


def test_a_target_that_already_holds_records_is_refused_and_left_as_it_was(
    deployment: dict[str, str], postgres: PostgresServer
) -> None:
    """A second copy into the same database (or one in use) would mix two deployments: refused, exit 2."""
    url = postgres.new_database()
    assert run("db", "copy", "--to", url)[0] == 0
    code, _, err = run("db", "copy", "--to", url)
    assert code == 2 and "already holds requests" in err and "copy only into an empty database" in err
    store = Store(url, hash_key=KEY)
    try:
        assert len(store.all_requests()) == 3
    finally:
        store.shutdown()


def test_a_copy_without_the_deployments_key_or_to_something_else_is_refused(
    deployment: dict[str, str], postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key in a file beside the SQLite database (a development deployment) rather than GONG_ERASE_HASH_KEY:
    the hosts of a Postgres deployment would not have it, so the copy says to set it first. --to not Postgres:
    exit 2 too."""
    code, _, err = run("db", "copy", "--to", "mysql://somewhere/db")
    assert code == 2 and "postgres:// or postgresql://" in err
    monkeypatch.delenv("GONG_ERASE_HASH_KEY")
    Path(os.environ["GONG_ERASE_DB"] + ".hashkey").write_text(KEY)
    url = postgres.new_database()
    code, _, err = run("db", "copy", "--to", url)
    assert code == 2 and "set GONG_ERASE_HASH_KEY" in err and "Traceback" not in err
