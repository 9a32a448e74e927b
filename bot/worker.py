"""Runs claimed jobs on a few threads per process: claims, dispatches to the Gong and Slack handlers, and
retries from the job table."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable

from . import jobs
from .budget import GongBudget
from .erasure import ApprovalPolicy, ErasureRequest, State
from .errors import SlackError
from .gong import GongClient
from .gong_jobs import GongJobs
from .jobbase import LeaseLost, RetryPolicy
from .jobs import Job, Kind
from .slack import Slack
from .slack_jobs import MAX_SLACK_ATTEMPTS, SlackJobs
from .store import Store

__all__ = ["RetryPolicy", "Worker"]

log = logging.getLogger(__name__)


class Worker(GongJobs, SlackJobs):
    """A few threads per process that claim due jobs and run them; woken at once when work is enqueued."""

    def __init__(
        self,
        store: Store,
        gong: GongClient,
        slack: Slack,
        policy: ApprovalPolicy,
        *,
        budget: GongBudget,
        retry: RetryPolicy,
        lease: float,
        poll_interval: float,
        expire: Callable[[], object],
        verify_after: tuple[float, ...] = (),
        remind_after: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.gong = gong
        self.budget = budget
        self.slack = slack
        self.policy = policy
        self.retry = retry
        self.lease = lease
        self.poll_interval = poll_interval
        self.expire = expire
        self.verify_after = verify_after
        self.remind_after = remind_after
        self.clock = clock
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._handlers: dict[Kind, Callable[[Job, ErasureRequest], None]] = {
            Kind.GONG_ERASE: self._gong_erase,
            Kind.POST_APPROVAL: self._post_approval,
            Kind.REFRESH_PARENT: self._refresh_parent,
            Kind.THREAD_NOTE: self._thread_note,
            Kind.PREVIEW: self._preview,
            Kind.VERIFY: self._verify,
            Kind.REMIND: self._remind,
        }

    # -- running --------------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self, threads: int = 2) -> None:
        for index in range(threads):
            thread = threading.Thread(target=self._loop, args=(f"{self.identity}/{index}",), daemon=True)
            thread.name = f"erase-worker-{index}"
            thread.start()
            self._threads.append(thread)
        log.info("worker %s started with %d thread(s)", self.identity, threads)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop claiming; let running jobs finish within `timeout`, then hand back any lease still held."""
        self._stopping.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for index in range(len(self._threads)):
            jobs.release(self.store, f"{self.identity}/{index}", self.clock())
        self._threads.clear()

    def _loop(self, owner: str) -> None:
        last_sweep = 0.0
        while not self._stopping.is_set():
            try:
                if time.monotonic() - last_sweep >= max(self.poll_interval, 1.0):
                    last_sweep = time.monotonic()
                    self.expire()
                if self.run_once(owner):
                    continue
            except Exception:
                log.exception("worker loop error; retrying shortly")
            self._wake.wait(self._idle_wait())
            self._wake.clear()

    def _idle_wait(self) -> float:
        """Sleep until the next queued job is due, or a poll interval, whichever is sooner."""
        now = self.clock()
        try:
            due = jobs.next_due(self.store, now)
        except sqlite3.OperationalError:  # a locked database must not stop the loop; poll again later
            return self.poll_interval
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.0, due - now))

    def run_once(self, owner: str) -> bool:
        """Claim and run one due job; False when nothing is due."""
        job = jobs.claim(self.store, owner, self.clock(), self.lease)
        if job is None:
            return False
        request = self.store.get_request(job.request_id)
        if request is None:  # cannot happen with foreign keys on; never loop on it
            with self.store.transaction() as db:
                jobs.bury(db, job, self.clock(), "request not found")
            return True
        try:
            self._handlers[job.kind](job, request)
        except LeaseLost:
            log.warning("job %d (%s) lost its lease; another worker owns it now", job.id, job.kind)
        except SlackError as exc:
            self._slack_failed(job, request, exc)
        except Exception as exc:
            log.exception("job %d (%s) for %s crashed", job.id, job.kind, request.id)
            self._crashed(job, request, exc)
        return True

    def _crashed(self, job: Job, request: ErasureRequest, exc: Exception) -> None:
        error = type(exc).__name__
        if job.attempts < MAX_SLACK_ATTEMPTS:
            self._retry(job, self.retry.delay(job.attempts), error)
        elif job.kind is Kind.GONG_ERASE and request.state is State.APPROVED:
            self._gong_failed(job, request, f"The bot hit an internal error ({error}); ask an admin to check", exc)
        else:
            with self.store.transaction() as db:
                jobs.bury(db, job, self.clock(), error)
