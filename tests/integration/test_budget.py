"""The shared Gong budget on a real file: one slot per interval across processes, a daily allowance, pauses."""

from __future__ import annotations

import concurrent.futures
import itertools
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.adapters.budget import GongBudget
from bot.domain.budget import HORIZON, LEAD, Pace, next_day
from bot.service.jobs.gong_calls import POSTPONING, on_time
from tests.conftest import StoreFactory

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()
PACE = Pace(per_second=3, margin=0.006)


def test_processes_sharing_the_database_get_slots_one_interval_apart(open_store: StoreFactory) -> None:
    """Eight threads on two Store objects (as two processes): every slot granted is unique and one interval
    after the last; none falls further ahead than the booking horizon."""
    clock = [NOON]
    budgets = [GongBudget(open_store(), PACE, 10_000, clock=lambda: clock[0]) for _ in range(2)]

    def take(i: int) -> float | None:
        slot = budgets[i % 2].acquire()
        return slot.at if slot.acquired else None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        slots = sorted(at for at in pool.map(take, range(20)) if at is not None)
    assert slots[0] == NOON + LEAD and len(slots) == 1 + int((HORIZON - LEAD) / PACE.interval)
    assert all(abs(b - a - PACE.interval) < 1e-9 for a, b in itertools.pairwise(slots))
    clock[0] = slots[-1] + PACE.interval
    assert budgets[0].acquire().at == clock[0] + LEAD


def test_an_idle_budget_gives_no_burst_afterwards(open_store: StoreFactory) -> None:
    """After a quiet minute, calls still come one interval apart: idleness does not save up a burst."""
    clock = [NOON]
    budget = GongBudget(open_store(), PACE, 10_000, clock=lambda: clock[0])
    assert budget.acquire().at == NOON + LEAD
    clock[0] += 60
    first, second = budget.acquire(), budget.acquire()
    assert first.at == clock[0] + LEAD and not second.acquired  # the next slot is a whole interval away
    clock[0] += second.wait
    assert budget.acquire().at == pytest.approx(first.at + PACE.interval)


def test_daily_limit_counts_across_the_day(open_store: StoreFactory) -> None:
    """The day's allowance, once spent, is spent for every process until the next UTC day."""
    clock = [NOON]
    budget = GongBudget(open_store(), Pace(per_second=100), 2, clock=lambda: clock[0])
    assert budget.acquire().acquired
    clock[0] += 1
    assert budget.acquire().acquired
    assert budget.acquire().daily_exhausted
    clock[0] = next_day(NOON) + 1
    assert budget.acquire().acquired


def test_a_pause_after_a_429_holds_every_process_until_it_ends(open_store: StoreFactory) -> None:
    """Gong's Retry-After is for the whole company: a pause taken by one process stops the others too."""
    clock = [NOON]
    first, second = (GongBudget(open_store(), PACE, 10_000, clock=lambda: clock[0]) for _ in range(2))
    first.pause(NOON + 30)
    first.pause(NOON + 10)  # a shorter pause asked later does not shorten the first
    slot = second.acquire()
    assert not slot.acquired and not slot.daily_exhausted and 29 < slot.wait <= 30
    clock[0] = NOON + 30
    assert second.acquire().at == NOON + 30 + LEAD


def test_a_late_call_moves_the_next_slot_back_unless_one_is_booked_behind_it(open_store: StoreFactory) -> None:
    """Leaving 20 ms late pushes the next free slot 20 ms later; once a call is booked behind, it cannot."""
    clock = [NOON]
    budget = GongBudget(open_store(), PACE, 10_000, clock=lambda: clock[0])
    first = budget.acquire()
    moved = budget.postpone(first, first.at + 0.02)
    assert moved is not None and moved.at == first.at + 0.02
    clock[0] = moved.next_free - LEAD
    second = budget.acquire()
    assert second.at == pytest.approx(first.at + 0.02 + PACE.interval)
    assert budget.postpone(moved, moved.at + 0.01) is None  # `second` is booked behind it now


class Stalled:
    """The process's stopping event as `on_time` uses it: never set; a wait moves the test's clock on."""

    def __init__(self, clock: list[float]) -> None:
        self.clock, self.waited = clock, []

    def is_set(self) -> bool:
        return False

    def wait(self, seconds: float) -> bool:
        self.waited.append(seconds)
        self.clock[0] += seconds
        return False


def test_a_call_found_late_as_it_is_written_moves_the_next_slot_back_and_waits_for_it(open_store: StoreFactory) -> None:
    """The last check, made as the request is written: on time, nothing moves; stalled 30 ms past its slot, the
    call moves the next free slot back by its lateness and leaves a moment later, so the call booked next keeps a
    whole interval after it; with a call booked behind already, it goes as it is, without waiting."""
    clock = [NOON]
    budget = GongBudget(open_store(), PACE, 10_000, clock=lambda: clock[0])
    stopping = Stalled(clock)
    ctx = SimpleNamespace(clock=lambda: clock[0], budget=budget, stopping=stopping)
    first = budget.acquire()
    clock[0] = first.latest
    on_time(ctx, first)()  # type: ignore[arg-type]
    assert stopping.waited == []
    clock[0] = first.at + 0.03
    on_time(ctx, first)()  # type: ignore[arg-type]
    assert stopping.waited == [pytest.approx(POSTPONING)]
    left = clock[0]
    clock[0] = left + PACE.interval - LEAD
    second = budget.acquire()
    assert second.at == pytest.approx(left + PACE.interval)
    clock[0] = second.next_free - LEAD
    assert budget.acquire().acquired  # a third call booked behind the second
    clock[0] = second.at + 0.03
    on_time(ctx, second)()  # type: ignore[arg-type]
    assert stopping.waited == [pytest.approx(POSTPONING)]  # nothing more waited
