"""Several processes starting on a new SQLite file: the one that switches it to WAL first must not make the
others die at boot with `database is locked` (SQLite answers that at once, without the busy timeout, when two
connections would otherwise deadlock; 3 of 120 rounds of six stores opening one new file did, before)."""

from __future__ import annotations

import concurrent.futures
import sqlite3
from pathlib import Path

import pytest

from bot.adapters import sqlite as sqlite_adapter
from bot.adapters.store import Store


class Locked:
    """A connection whose journal-mode switch is refused `times` times, as the losers of the race are."""

    def __init__(self, times: int, error: str = "database is locked") -> None:
        self.times, self.error, self.asked = times, error, 0

    def execute(self, sql: str) -> None:
        self.asked += 1
        if self.asked <= self.times:
            raise sqlite3.OperationalError(self.error)


def test_the_switch_to_wal_is_asked_again_while_the_file_is_locked() -> None:
    """`database is locked` is waited out; any other error is not hidden."""
    locked = Locked(times=3)
    sqlite_adapter._write_ahead_logging(locked)  # type: ignore[arg-type]
    assert locked.asked == 4
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        sqlite_adapter._write_ahead_logging(Locked(times=1, error="disk I/O error"))  # type: ignore[arg-type]


def test_six_stores_opening_one_new_file_at_once_all_start(tmp_path: Path) -> None:
    """Twenty rounds of six stores (as six processes) opening a new file together: every one of them starts."""
    for round_ in range(20):
        path = str(tmp_path / f"new-{round_}.db")
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            stores = list(pool.map(lambda _: Store(path), range(6)))
        for store in stores:
            store.shutdown()
