"""Keeping the database small: finished jobs and old Gong call records go after the retention period."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..adapters.store import Store

__all__ = ["Retention"]

log = logging.getLogger(__name__)

BUDGET_MEMORY = 2 * 86400.0  # the daily Gong budget counts calls of the current UTC day: keep two days at least
EVERY = 3600.0  # prune at most this often per process


class Retention:
    """Deletes finished jobs and Gong call records older than the retention period, about once an hour."""

    def __init__(self, store: Store, retention: float, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.retention = max(retention, BUDGET_MEMORY)
        self.clock = clock
        self._last = float("-inf")

    def prune_if_due(self) -> None:
        """Prune now if an hour has passed since this process last did."""
        now = self.clock()
        if now - self._last < EVERY:
            return
        self._last = now
        gone = self.store.prune(now - self.retention)
        if gone:
            log.info("retention: %d finished job(s) and Gong call record(s) older than %.0f day(s) deleted", gone,
                     self.retention / 86400)  # fmt: skip
