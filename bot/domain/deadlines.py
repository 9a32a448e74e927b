"""Legal deadlines: when the data subject asked, under which law, and so when the erasure is due (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from ..errors import InputRejected, Why


class Regime(StrEnum):
    """The law a deletion request is made under, which sets how long the erasure may take."""

    GDPR = "gdpr"  # Art. 12(3): without undue delay, within one month; we count 30 days
    CCPA = "ccpa"  # Cal. Civ. Code 1798.130: 45 days

    @property
    def days(self) -> int:
        """How many days the law allows."""
        return {Regime.GDPR: 30, Regime.CCPA: 45}[self]


@dataclass(frozen=True)
class Deadline:
    """The day the data subject asked, and the law that says how many days the erasure may take."""

    received: date
    regime: Regime

    @property
    def due(self) -> date:
        """The last day the erasure is on time."""
        return self.received + timedelta(days=self.regime.days)

    def days_left(self, now: float) -> int:
        """Whole days until the due date (UTC), negative once overdue."""
        return (self.due - datetime.fromtimestamp(now, UTC).date()).days


def find_deadline(reason: str, now: float, default: Regime | None) -> Deadline | None:
    """`received:YYYY-MM-DD` and/or `gdpr` / `ccpa` anywhere in the reason; neither: no deadline.

    A regime alone counts from today; a date alone uses the configured default regime."""
    today = datetime.fromtimestamp(now, UTC).date()
    received: date | None = None
    regime: Regime | None = None
    for token in reason.split():
        word = token.lower().strip(".,;()")
        if word.startswith("received:"):
            received = _day(word[len("received:") :], today)
        elif word in {r.value for r in Regime}:
            regime = Regime(word)
    if received is None and regime is None:
        return None
    if regime is None and default is None:
        raise InputRejected(Why.REGIME_NEEDED)
    return Deadline(received or today, regime or default or Regime.GDPR)


def _day(text: str, today: date) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputRejected(Why.BAD_DATE, text=text, today=today.isoformat()) from None
    if day > today:
        raise InputRejected(Why.FUTURE_DATE, text=text)
    return day
