"""The Gong call budget's storage: every process of a deployment takes its slots from the same tables."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from ..domain.budget import COLD, Pace, Slot, day_start, decide
from .store import Store, Tx

__all__ = ["GongBudget"]


class GongBudget:
    """Books one Gong call's slot atomically (BEGIN IMMEDIATE), so that all processes together keep the pace and
    the daily allowance."""

    def __init__(self, store: Store, pace: Pace, daily: int, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.pace = pace
        self.daily = daily
        self.clock = clock

    def acquire(self, on_slot: Callable[[Tx], None] | None = None, *, cold: bool = False) -> Slot:
        """A slot for one call (a moment ahead), or how long to wait; decided and booked in one transaction, in
        which `on_slot` also records the call (so nothing is written between booking and sending). A `cold` call
        (on a new connection) leaves more room before the next one."""
        now = self.clock()
        with self.store.transaction() as tx:
            sql = tx.sql
            counted = sql.one("SELECT COUNT(*) AS n FROM gong_calls WHERE at >= ?", [day_start(now)])
            paused = sql.one("SELECT until FROM gong_pause WHERE id = 1")
            booked = sql.one("SELECT next_free FROM gong_pace WHERE id = 1")
            slot = decide(
                now, pace=self.pace, next_free=float(booked["next_free"]) if booked else 0.0,
                today=int(counted["n"]) if counted else 0, daily=self.daily,
                paused_until=float(paused["until"]) if paused else 0.0,
            )  # fmt: skip
            if slot.acquired:
                slot = dataclasses.replace(slot, next_free=slot.next_free + (COLD if cold else 0.0))
                sql.execute("INSERT INTO gong_calls (at) VALUES (?)", [slot.at])
                sql.execute(
                    "INSERT INTO gong_pace (id, next_free) VALUES (1, :next) "
                    "ON CONFLICT (id) DO UPDATE SET next_free = :next",
                    {"next": slot.next_free},
                )
                if on_slot is not None:
                    on_slot(tx)
        return slot

    def postpone(self, slot: Slot, leaving_at: float) -> Slot | None:
        """The call of `slot` leaves late, at `leaving_at`: move the next free slot back by as much, unless a call
        was already booked behind it (then None, and this call must book a new slot instead)."""
        moved = dataclasses.replace(slot, at=leaving_at, latest=leaving_at + self.pace.margin / 2,
                                    next_free=slot.next_free + (leaving_at - slot.at))  # fmt: skip
        with self.store.transaction() as tx:
            changed = tx.sql.execute(
                "UPDATE gong_pace SET next_free = :moved WHERE id = 1 AND next_free = :booked",
                {"moved": moved.next_free, "booked": slot.next_free},
            )
        return moved if changed == 1 else None

    def pause(self, until: float) -> None:
        """Gong answered 429: no process calls it again before `until` (a later pause wins)."""
        with self.store.transaction() as tx:
            tx.sql.execute(
                "INSERT INTO gong_pause (id, until) VALUES (1, :until) ON CONFLICT (id) DO UPDATE SET until = "
                "CASE WHEN gong_pause.until > excluded.until THEN gong_pause.until ELSE excluded.until END",
                {"until": until},
            )
