"""The Gong budget as a rule: at most N calls in any window, a daily allowance, and Gong's pauses."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.budget import WINDOW, decide, next_day

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()


def test_decide_allows_n_per_window_then_says_how_long_to_wait() -> None:
    """N calls in a window pass; the next waits until the oldest of them leaves the window."""
    assert decide(NOON, [], 0, per_second=3, daily=10).acquired
    assert decide(NOON, [NOON - 0.5, NOON - 0.2], 2, per_second=3, daily=10).acquired
    full = decide(NOON, [NOON - 0.5, NOON - 0.2, NOON - 0.1], 3, per_second=3, daily=10)
    assert not full.acquired and not full.daily_exhausted
    assert abs(full.wait - (WINDOW - 0.5)) < 1e-6  # until the oldest of the three leaves the window
    assert decide(NOON, [NOON - WINDOW - 0.01] * 3, 3, per_second=3, daily=10).acquired


def test_decide_waits_for_the_next_utc_day_when_the_allowance_is_spent() -> None:
    """With the day's allowance spent, the wait runs to the next UTC midnight."""
    spent = decide(NOON, [], 10, per_second=3, daily=10)
    assert spent.daily_exhausted and not spent.acquired
    assert NOON + spent.wait == next_day(NOON) == datetime(2026, 11, 30, tzinfo=UTC).timestamp()
