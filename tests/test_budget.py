"""The shared Gong budget: at most N calls in any second across processes, and a daily allowance."""

from __future__ import annotations

import concurrent.futures
from datetime import UTC, datetime
from pathlib import Path

from bot.budget import WINDOW, GongBudget, decide, next_day
from bot.store import Store

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()


def test_decide_allows_n_per_window_then_says_how_long_to_wait() -> None:
    assert decide(NOON, [], 0, 3, 10).acquired
    assert decide(NOON, [NOON - 0.5, NOON - 0.2], 2, 3, 10).acquired
    full = decide(NOON, [NOON - 0.5, NOON - 0.2, NOON - 0.1], 3, 3, 10)
    assert not full.acquired and not full.daily_exhausted
    assert abs(full.wait - (WINDOW - 0.5)) < 1e-6  # until the oldest of the three leaves the window
    assert decide(NOON, [NOON - WINDOW - 0.01] * 3, 3, 3, 10).acquired


def test_decide_waits_for_the_next_utc_day_when_the_allowance_is_spent() -> None:
    spent = decide(NOON, [], 10, 3, 10)
    assert spent.daily_exhausted and not spent.acquired
    assert NOON + spent.wait == next_day(NOON) == datetime(2026, 11, 30, tzinfo=UTC).timestamp()


def test_processes_sharing_the_database_share_the_budget(tmp_path: Path) -> None:
    """Eight threads, two Store objects (as two processes would have): never more than 3 slots per window."""
    path = str(tmp_path / "b.db")
    clock = [NOON]
    budgets = [GongBudget(Store(path), 3, 10_000, clock=lambda: clock[0]) for _ in range(2)]

    def take(i: int) -> bool:
        return budgets[i % 2].acquire().acquired

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(take, range(20))) == 3
    clock[0] += WINDOW
    assert budgets[0].acquire().acquired


def test_daily_limit_counts_across_the_day(tmp_path: Path) -> None:
    clock = [NOON]
    budget = GongBudget(Store(str(tmp_path / "b.db")), 100, 2, clock=lambda: clock[0])
    assert budget.acquire().acquired and budget.acquire().acquired
    assert budget.acquire().daily_exhausted
    clock[0] = next_day(NOON) + 1
    assert budget.acquire().acquired


def test_a_pause_after_a_429_holds_every_process_until_it_ends(tmp_path: Path) -> None:
    """Gong's Retry-After is for the whole company: a pause taken by one process stops the others too."""
    path = str(tmp_path / "b.db")
    clock = [NOON]
    first, second = (GongBudget(Store(path), 3, 10_000, clock=lambda: clock[0]) for _ in range(2))
    first.pause(NOON + 30)
    first.pause(NOON + 10)  # a shorter pause asked later does not shorten the first
    slot = second.acquire()
    assert not slot.acquired and not slot.daily_exhausted and abs(slot.wait - 30) < 1e-6
    clock[0] = NOON + 30
    assert second.acquire().acquired
