"""The shared Gong budget: at most N calls in any second across processes, and a daily allowance."""

from __future__ import annotations

import concurrent.futures
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.budget import GongBudget
from bot.adapters.store import Store
from bot.domain.budget import WINDOW, next_day

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()


def test_processes_sharing_the_database_share_the_budget(tmp_path: Path) -> None:
    """Eight threads, two Store objects (as two processes would have): never more than 3 slots per window."""
    path = str(tmp_path / "b.db")
    clock = [NOON]
    budgets = [GongBudget(Store(path).database, 3, 10_000, clock=lambda: clock[0]) for _ in range(2)]

    def take(i: int) -> bool:
        return budgets[i % 2].acquire().acquired

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(take, range(20))) == 3
    clock[0] += WINDOW
    assert budgets[0].acquire().acquired


def test_daily_limit_counts_across_the_day(tmp_path: Path) -> None:
    """The day's allowance, once spent, is spent for every process until the next UTC day."""
    clock = [NOON]
    budget = GongBudget(Store(str(tmp_path / "b.db")).database, 100, 2, clock=lambda: clock[0])
    assert budget.acquire().acquired and budget.acquire().acquired
    assert budget.acquire().daily_exhausted
    clock[0] = next_day(NOON) + 1
    assert budget.acquire().acquired


def test_a_pause_after_a_429_holds_every_process_until_it_ends(tmp_path: Path) -> None:
    """Gong's Retry-After is for the whole company: a pause taken by one process stops the others too."""
    path = str(tmp_path / "b.db")
    clock = [NOON]
    first, second = (GongBudget(Store(path).database, 3, 10_000, clock=lambda: clock[0]) for _ in range(2))
    first.pause(NOON + 30)
    first.pause(NOON + 10)  # a shorter pause asked later does not shorten the first
    slot = second.acquire()
    assert not slot.acquired and not slot.daily_exhausted and abs(slot.wait - 30) < 1e-6
    clock[0] = NOON + 30
    assert second.acquire().acquired
