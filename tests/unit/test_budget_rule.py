"""The Gong budget as a rule: one slot per interval, booked at most a moment ahead; a daily allowance; pauses."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.budget import HORIZON, LEAD, Pace, decide, next_day

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()
PACE = Pace(per_second=3, margin=0.006)


def test_the_interval_is_the_rate_plus_a_small_margin() -> None:
    """3 calls/s with a 6 ms margin: 339 ms between slots, 98.2% of the rate."""
    pace = Pace(per_second=3, margin=0.006)
    assert abs(pace.interval - (1 / 3 + 0.006)) < 1e-12
    assert 1 / pace.interval / 3 > 0.98


def test_a_free_slot_is_taken_now_and_a_near_one_is_booked_ahead() -> None:
    """Free now: a lead ahead (for the audit row); within the horizon: booked then; further: wait, ask again."""
    assert decide(NOON, pace=PACE, next_free=0.0, today=0, daily=10).at == NOON + LEAD
    near = decide(NOON, pace=PACE, next_free=NOON + HORIZON / 2, today=0, daily=10)
    assert near.acquired and near.at == NOON + HORIZON / 2
    far = decide(NOON, pace=PACE, next_free=NOON + 1.0, today=0, daily=10)
    assert not far.acquired and not far.daily_exhausted and 0 < far.wait < 1.0


def test_decide_waits_for_the_next_utc_day_when_the_allowance_is_spent() -> None:
    """With the day's allowance spent, the wait runs to the next UTC midnight."""
    spent = decide(NOON, pace=PACE, next_free=0.0, today=10, daily=10)
    assert spent.daily_exhausted and not spent.acquired
    assert NOON + spent.wait == next_day(NOON) == datetime(2026, 11, 30, tzinfo=UTC).timestamp()


def test_a_pause_gong_asked_for_comes_before_any_slot() -> None:
    """A 429's Retry-After holds the slot back, however free the pace is."""
    paused = decide(NOON, pace=PACE, next_free=0.0, today=0, daily=10, paused_until=NOON + 5)
    assert not paused.acquired and 4 < paused.wait < 5
