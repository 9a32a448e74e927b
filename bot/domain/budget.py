"""The Gong call budget as a rule (pure): may one more call go now, or how long must it wait?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["WINDOW", "Slot", "day_start", "decide", "next_day"]

# Gong measures on its side; a little slack keeps network jitter from bunching calls into one of its seconds.
WINDOW = 1.05  # 3 calls per 1.05 s is still 95% of the limit


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
    """When the next UTC day, and with it a new allowance, begins."""
    return (datetime.fromtimestamp(day_start(now), UTC) + timedelta(days=1)).timestamp()


def decide(
    now: float, recent: Sequence[float], today: int, *, per_second: int, daily: int, paused_until: float = 0.0
) -> Slot:
    """Given the times of recent calls (ascending), today's count and any pause Gong asked for (a 429's
    Retry-After), may one more call go now?"""
    if today >= daily:
        return Slot(acquired=False, wait=next_day(now) - now, daily_exhausted=True)
    if paused_until > now:
        return Slot(acquired=False, wait=paused_until - now)
    in_window = [t for t in recent if now - t < WINDOW]
    if len(in_window) < per_second:
        return Slot(acquired=True)
    return Slot(acquired=False, wait=max(0.001, in_window[-per_second] + WINDOW - now))
