"""The Gong call budget's storage: every process of a deployment takes its slots from the same table."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..domain.budget import WINDOW, Slot, day_start, decide
from .sqlite import Database

__all__ = ["GongBudget"]

_KEEP = 2 * 86400.0  # calls older than this no longer count for anything


class GongBudget:
    """Takes a slot for one Gong call atomically, so that all processes together stay under the limits."""

    def __init__(self, database: Database, per_second: int, daily: int, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.per_second = per_second
        self.daily = daily
        self.clock = clock

    def acquire(self) -> Slot:
        """A slot for one call now, or how long to wait; the decision and the slot are one transaction."""
        now = self.clock()
        with self.database.transaction() as sql:
            recent = [row["at"] for row in sql.query("SELECT at FROM gong_calls WHERE at > ? ORDER BY at",
                                                      [now - WINDOW])]  # fmt: skip
            counted = sql.one("SELECT COUNT(*) AS n FROM gong_calls WHERE at >= ?", [day_start(now)])
            today = int(counted["n"]) if counted else 0
            paused = sql.one("SELECT until FROM gong_pause WHERE id = 1")
            slot = decide(now, recent, today, per_second=self.per_second, daily=self.daily,
                          paused_until=paused["until"] if paused else 0.0)  # fmt: skip
            if slot.acquired:
                sql.execute("INSERT INTO gong_calls (at) VALUES (?)", [now])
                if today % 500 == 0:
                    sql.execute("DELETE FROM gong_calls WHERE at < ?", [now - _KEEP])
        return slot

    def pause(self, until: float) -> None:
        """Gong answered 429: no process calls it again before `until` (a later pause wins)."""
        with self.database.transaction() as sql:
            sql.execute(
                "INSERT INTO gong_pause (id, until) VALUES (1, :until) "
                "ON CONFLICT (id) DO UPDATE SET until = MAX(until, :until)",
                {"until": until},
            )
