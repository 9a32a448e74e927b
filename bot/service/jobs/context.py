"""What every job handler gets: one context object with the store, the outside world and the clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...adapters.store import Store
from ...domain.approval import ApprovalPolicy
from ...domain.jobs import Job, RetryPolicy
from ...domain.request import ErasureRequest, Schedule
from ..ports import Budget, Gong, Slack

__all__ = ["Handler", "JobContext", "finish", "retry"]


@dataclass(frozen=True)
class JobContext:
    """The collaborators of the job handlers; the composition root builds one per process."""

    store: Store
    gong: Gong
    slack: Slack
    budget: Budget
    policy: ApprovalPolicy
    retry: RetryPolicy
    schedule: Schedule
    clock: Callable[[], float]
    wake: Callable[[], None]  # new work is queued: the worker need not wait for its next poll
    stopping: threading.Event  # the process is shutting down: wait no longer than needed
    calls_per_second: float = 3.0  # the pace the budget keeps: a batch's time left is told from it
    approval_channel: str = ""  # GONG_ERASE_APPROVAL_CHANNEL: approval messages go there ("": where asked)
    hash_key: str = ""  # for the keyed hash of a batch's items ("" in unit tests only)


Handler = Callable[[JobContext, Job, ErasureRequest], None]


def finish(ctx: JobContext, job: Job) -> None:
    """The job is done and changed nothing else (LeaseLost if another worker holds it now)."""
    ctx.store.complete(job, ctx.clock())


def retry(ctx: JobContext, job: Job, delay: float, error: str, payload: dict[str, Any] | None = None) -> None:
    """Run the job again in `delay` seconds, keeping counters in its payload (LeaseLost as `finish`)."""
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.retry(job, now, run_at=now + delay, error=error, payload=payload)
