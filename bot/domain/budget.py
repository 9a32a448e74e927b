"""The Gong call budget as a rule (pure): when may the next call go, and is today's allowance spent?

Gong allows 3 calls per second per company and does not say how it measures them. Calls are therefore paced, not
bunched: every call of the deployment gets its own slot, one interval (1/rate, plus a small margin for the jitter
between our send and Gong's clock) after the previous slot, as in GCRA's virtual scheduling. A limiter that
allows no burst at all then sees no two calls closer than 1/rate. A slot may be booked a moment ahead (the
horizon), so a waiting worker sends exactly on time instead of losing a wake-up's latency on every call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["COLD", "HORIZON", "LEAD", "Pace", "Slot", "day_start", "decide", "next_day"]

HORIZON = 0.25  # seconds ahead a slot may be booked; the worker sleeps until it
LEAD = 0.03  # no slot is sooner than this: the call's audit row is written in between, then the call leaves on time
COLD = 0.15  # a call on a new connection (TCP and TLS handshakes first) arrives this much later, at most: the next
# call's slot is moved back by as much, or it would arrive too close behind


@dataclass(frozen=True)
class Pace:
    """How calls are spaced: `per_second` calls, each `margin` seconds later than the rate alone would allow."""

    per_second: float
    margin: float = 0.006

    @property
    def interval(self) -> float:
        """Seconds from one call's slot to the next."""
        return 1.0 / self.per_second + self.margin


@dataclass(frozen=True)
class Slot:
    """The answer to "may I call Gong?": yes, at `at` (now or a moment ahead); or how long to wait, and whether
    the day's allowance is spent."""

    acquired: bool
    at: float = 0.0
    latest: float = 0.0  # a call leaving after this would crowd the one booked behind it
    next_free: float = 0.0  # the slot booked behind this one's, as this booking left it
    wait: float = 0.0
    daily_exhausted: bool = False


def day_start(now: float) -> float:
    """Gong's daily allowance is counted per UTC day."""
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def next_day(now: float) -> float:
    """When the next UTC day, and with it a new allowance, begins."""
    return (datetime.fromtimestamp(day_start(now), UTC) + timedelta(days=1)).timestamp()


def decide(now: float, *, pace: Pace, next_free: float, today: int, daily: int, paused_until: float = 0.0) -> Slot:
    """Given the earliest free slot, today's count and any pause Gong asked for (a 429's Retry-After), the slot
    one more call may take, or how long to wait. The caller books `at + pace.interval` as the next free slot. A
    call may leave up to half the margin late (the next one never leaves early); the other half absorbs what
    delays a call between that check and the wire."""
    if today >= daily:
        return Slot(acquired=False, wait=next_day(now) - now, daily_exhausted=True)
    start = max(now + LEAD, next_free, paused_until)
    if start - now > HORIZON:
        return Slot(acquired=False, wait=start - now - HORIZON / 2)
    return Slot(acquired=True, at=start, latest=start + pace.margin / 2, next_free=start + pace.interval)
