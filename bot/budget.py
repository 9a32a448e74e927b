"""The Gong call budget shared by every process of a deployment: calls per second and per day, in SQLite."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .store import Store

# Gong measures on its side; a little slack keeps network jitter from bunching calls into one of its seconds.
WINDOW = 1.05  # 3 calls per 1.05 s is still 95% of the limit
_KEEP = 2 * 86400.0


@dataclass(frozen=True)
class Slot:
    """The answer to "may I call Gong now?": yes, or how long to wait and whether the day's budget is spent."""

    acquired: bool
    wait: float = 0.0
    daily_exhausted: bool = False


def day_start(now: float) -> float:
    """Gong's daily allowance is counted per UTC day."""
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def next_day(now: float) -> float:
    return (datetime.fromtimestamp(day_start(now), UTC) + timedelta(days=1)).timestamp()


def decide(
    now: float, recent: Sequence[float], today: int, per_second: int, daily: int, paused_until: float = 0.0
) -> Slot:
    """Pure: given the times of recent calls (ascending), today's count and any pause Gong asked for
    (a 429's Retry-After), may one more call go now?"""
    if today >= daily:
        return Slot(acquired=False, wait=next_day(now) - now, daily_exhausted=True)
    if paused_until > now:
        return Slot(acquired=False, wait=paused_until - now)
    in_window = [t for t in recent if now - t < WINDOW]
    if len(in_window) < per_second:
        return Slot(acquired=True)
    return Slot(acquired=False, wait=max(0.001, in_window[-per_second] + WINDOW - now))


class GongBudget:
    """Takes a slot for one Gong call atomically, so that all processes together stay under the limits."""

    def __init__(self, store: Store, per_second: int, daily: int, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.per_second = per_second
        self.daily = daily
        self.clock = clock

    def acquire(self) -> Slot:
        now = self.clock()
        with self.store.transaction() as db:
            recent = [row["at"] for row in db.query(
                "SELECT at FROM gong_calls WHERE at > ? ORDER BY at", [now - WINDOW]
            )]  # fmt: skip
            today = next(db.query("SELECT COUNT(*) AS n FROM gong_calls WHERE at >= ?", [day_start(now)]))["n"]
            paused = [row["until"] for row in db.query("SELECT until FROM gong_pause WHERE id = 1")]
            slot = decide(now, recent, today, self.per_second, self.daily, paused[0] if paused else 0.0)
            if slot.acquired:
                db.execute("INSERT INTO gong_calls (at) VALUES (?)", [now])
                if today % 500 == 0:
                    db.execute("DELETE FROM gong_calls WHERE at < ?", [now - _KEEP])
        return slot

    def pause(self, until: float) -> None:
        """Gong answered 429: no process calls it again before `until` (a later pause wins)."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO gong_pause (id, until) VALUES (1, :until) "
                "ON CONFLICT (id) DO UPDATE SET until = MAX(until, :until)",
                {"until": until},
            )
