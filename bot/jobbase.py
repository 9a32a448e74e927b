"""What every job handler shares: the worker's collaborators, settling a job under its lease, retrying."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from . import jobs
from .budget import GongBudget
from .erasure import ApprovalPolicy
from .gong import GongClient
from .jobs import Job
from .slack import Slack
from .store import Store


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # Gong 5xx, timeouts and connection errors
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    retry_after_cap: float = 300.0  # the longest we wait, whatever Gong's Retry-After says

    def delay(self, failures: int) -> float:
        base = self.backoff * 2.0 ** max(0, failures - 1)
        return min(self.retry_after_cap, base * random.uniform(0.8, 1.2))


class LeaseLost(Exception):
    """Another worker took this job over (our lease ran out); what we did must not be recorded twice."""


class JobBase:
    """The state a worker's handlers share; Worker sets it all in its constructor."""

    store: Store
    gong: GongClient
    slack: Slack
    policy: ApprovalPolicy
    budget: GongBudget
    retry: RetryPolicy
    verify_after: tuple[float, ...]
    remind_after: float
    clock: Callable[[], float]
    _wake: threading.Event
    _stopping: threading.Event

    def wake(self) -> None:
        self._wake.set()

    def _settle(self, db: Database, job: Job, now: float, error: str | None = None) -> None:
        settled = jobs.complete(db, job, now) if error is None else jobs.bury(db, job, now, error)
        if not settled:
            raise LeaseLost()

    def _finish(self, job: Job) -> None:
        with self.store.transaction() as db:
            self._settle(db, job, self.clock())

    def _retry(self, job: Job, delay: float, error: str, payload: dict[str, object] | None = None) -> None:
        now = self.clock()
        with self.store.transaction() as db:
            if not jobs.retry_at(db, job, now, now + delay, error, payload):
                raise LeaseLost()
