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
    clock = DatabaseClock(database.now, resync=HOUR, samples=3)
    for _ in range(100):
        clock()
    assert database.reads == 3  # one sync: its three readings
    quick = DatabaseClock(database.now, resync=0.0, samples=1)
    quick(), quick()
    assert database.reads == 5


def test_a_database_that_cannot_be_read_leaves_the_last_reading_in_force() -> None:
    """A failed reading is no reason to stop the clock or jump back to this host's time."""
    database = Database(ahead=HOUR)
    clock = DatabaseClock(database.now, resync=0.0, samples=1)
    clock()
    database.down = True
    assert abs(clock() - (time.time() + HOUR)) < 60 and database.reads == 2


class SlowFirstRead(Database):
    """The first reading waits before the database reads its clock, as when the pool opens a connection first."""

    def now(self) -> float:
        if self.reads == 0:
            time.sleep(0.2)
        return super().now()


def test_a_lopsided_first_reading_does_not_set_the_clock() -> None:
    """A reading delayed on the way out (a connection being opened) would put the clock 100 ms ahead if taken
    alone; the shortest of several round trips keeps two hosts within a few milliseconds of each other."""
    database = SlowFirstRead(ahead=0.0)
    clock = DatabaseClock(database.now, samples=5)
    assert abs(clock() - time.time()) < 0.05
    alone = DatabaseClock(SlowFirstRead(ahead=0.0).now, samples=1)
    assert alone() - time.time() > 0.05  # what a single reading did: proof the slow read is lopsided
