"""What reaches the disk while a request is pending: no spelling of its number or address, in the SQLite file
and its journals, or in Postgres's dump, heap and WAL files, and its statement log with every parameter."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bot.adapters.store import Store
from bot.domain.approval import ApprovalPolicy
from bot.domain.target import parse_erase_text
from bot.service.decisions import Decisions, RequestRules
from tests.doubles import Groups
from tests.postgres import PostgresServer

KEY = "at-rest-test-key-" + "3b8d4f" * 6
POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), required=1)
NUMBER, NATIONAL = "+44 20 7946 0958", "2079460958"  # used by no other test
ADDRESS = "rest.subject@example.org"


def spelled(digits: str) -> re.Pattern[bytes]:
    """The digits however written: +44 20 7946 0958, 020-7946-0958, 442079460958, (20) 7946 0958…"""
    return re.compile(rb"\D{0,3}".join(digit.encode() for digit in digits))


def leaks(data: bytes) -> list[str]:
    found = [NATIONAL] if spelled(NATIONAL).search(data) else []
    return found + ([ADDRESS] if re.search(re.escape(ADDRESS.encode()), data, re.IGNORECASE) else [])


def pending_requests(location: str) -> None:
    store = Store(location, hash_key=KEY)
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=3600), hash_key=KEY)
    for n, typed in enumerate((NUMBER, ADDRESS)):
        request = decisions.start(parse_erase_text(f"{typed} DSR-9"), requester="U", channel="C", team="T",
                                  trigger_id=f"trigger-{n}")  # fmt: skip
        decisions.submit(request.id, "U", "https://hooks.slack.com/x")
        loaded = store.get_request(request.id)
        assert loaded is not None and loaded.identifier is not None  # the bot itself still reads it
    store.shutdown()


def test_the_detector_finds_every_spelling_it_is_meant_to() -> None:
    """So that the tests below could fail: each way of writing the number or address is caught."""
    for written in (b"+44 20 7946 0958", b"020-7946-0958", b"442079460958", b"(20) 7946 0958", b"20.7946.0958"):
        assert leaks(b"..." + written + b"...") == [NATIONAL]
    assert leaks(b'{"email": "Rest.Subject@Example.org"}') == [ADDRESS]
    assert leaks(b"+44 \xe2\x80\xa2\xe2\x80\xa2 \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 0958") == []


def test_a_pending_request_leaves_no_spelling_in_the_sqlite_file_or_its_journals(tmp_path: Path) -> None:
    """The database file, its write-ahead log and shared memory, read raw, hold neither the number nor the address."""
    location = tmp_path / "at-rest.db"
    pending_requests(str(location))
    files = list(tmp_path.iterdir())
    assert location in files and sum(path.stat().st_size for path in files) > 0
    for path in files:
        assert leaks(path.read_bytes()) == [], path.name


def test_a_pending_request_leaves_no_spelling_in_pg_dump_heap_wal_or_the_statement_log(
    postgres: PostgresServer,
) -> None:
    """With every statement logged with its parameters, then a checkpoint: pg_dump's output, the database's heap
    files, the WAL written meanwhile and the server log hold neither the number nor the address."""
    location = postgres.new_database()
    name = urlsplit(location).path.lstrip("/")
    began = time.time() - 1
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {name} SET log_statement = 'all'")  # type: ignore[arg-type]
        conn.execute(f"ALTER DATABASE {name} SET log_min_duration_statement = 0")  # type: ignore[arg-type]
        oid = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", [name]).fetchone()[0]  # type: ignore[index]
    log_before = postgres.log.stat().st_size
    pending_requests(location)
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    dump = postgres.run("pg_dump", "--data-only", "-h", str(postgres.folder), "-p", str(postgres.port), "-U",
                        "postgres", name).encode()  # fmt: skip
    assert b"enc1:" in dump and leaks(dump) == []
    heap = {path: still_there(path) for path in (postgres.data / "base" / str(oid)).iterdir()}
    wal = {path: data for path in (postgres.data / "pg_wal").iterdir()
           if (data := still_there(path, since=began)) is not None}  # fmt: skip
    assert any(b"enc1:" in (data or b"") for data in heap.values()) and wal  # the tables' own pages were read
    for path, data in (heap | wal).items():
        assert leaks(data or b"") == [], path
    logged = postgres.log.read_bytes()[log_before:]
    assert b"INSERT INTO requests" in logged and b"parameters:" in logged  # the log did get the statements
    assert leaks(logged) == []


def still_there(path: Path, since: float = 0.0) -> bytes | None:
    """A file's bytes (if written since `since`), or None when it is not a file or the server removed it since it
    was listed (it rewrites its relation cache file and recycles WAL segments as other tests' databases change):
    what is gone from the disk cannot leak from it."""
    try:
        if not path.is_file() or path.stat().st_mtime < since:
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None
