"""The clock hosts agree on: the database's, carried forward between readings, whatever each host's says."""

from __future__ import annotations

import time

from bot.adapters.postgres import DatabaseClock
from bot.errors import StoreError

HOUR = 3600.0


class Database:
    """A database whose clock runs `ahead` of this host's; it can be made unreachable."""

    def __init__(self, ahead: float) -> None:
        self.ahead = ahead
        self.reads = 0
        self.down = False

    def now(self) -> float:
        self.reads += 1
        if self.down:
            raise StoreError("OperationalError: connection refused")
        return time.time() + self.ahead


def test_a_host_whose_clock_is_an_hour_off_still_reads_the_databases_time() -> None:
    """Leases and the Gong budget compare times written by different hosts: each host reads the database's."""
    database = Database(ahead=HOUR)
    clock = DatabaseClock(database.now)
    assert abs(clock() - (time.time() + HOUR)) < 60  # an hour off would be 3600
    assert abs(DatabaseClock(Database(ahead=-HOUR).now)() - (time.time() - HOUR)) < 60


def test_the_database_is_read_once_a_resync_not_on_every_call() -> None:
    """Every job and booking asks the time: that costs no round trip, until the reading is `resync` old."""
    database = Database(ahead=HOUR)
    clock = DatabaseClock(database.now, resync=HOUR)
    for _ in range(100):
        clock()
    assert database.reads == 1
    quick = DatabaseClock(database.now, resync=0.0)
    quick(), quick()
    assert database.reads == 3


def test_a_database_that_cannot_be_read_leaves_the_last_reading_in_force() -> None:
    """A failed reading is no reason to stop the clock or jump back to this host's time."""
    database = Database(ahead=HOUR)
    clock = DatabaseClock(database.now, resync=0.0)
    clock()
    database.down = True
    assert abs(clock() - (time.time() + HOUR)) < 60 and database.reads == 2
