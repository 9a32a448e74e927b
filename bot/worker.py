"""The job runner: a few threads per process that claim due jobs and run them, the Kind → handler table, and
what repeated crashes of each kind mean."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .domain.jobs import Job, Kind
from .domain.request import ErasureRequest
from .errors import LeaseLost, StoreError
from .service.jobs import batch, erase, intake, lookups, notify
from .service.jobs.context import Handler, JobContext, retry

__all__ = ["BATCH_HANDLERS", "HANDLERS", "Handling", "Worker", "handling_of", "process_identity"]

log = logging.getLogger(__name__)

GiveUp = Callable[[JobContext, Job, ErasureRequest, str], None]


def bury(ctx: JobContext, job: Job, request: ErasureRequest, error: str) -> None:
    """Give up on a job that changes no decision: it stays in the table, dead, for the operator to see."""
    with ctx.store.transaction() as tx:
        tx.bury(job, ctx.clock(), error)


@dataclass(frozen=True)
class Handling:
    """How one kind of job runs, and what giving up on it after `max_crashes` unexpected errors means."""

    run: Handler
    give_up: GiveUp = bury
    max_crashes: int = 8


HANDLERS: dict[Kind, Handling] = {
    Kind.POST_APPROVAL: Handling(notify.post_approval),
    Kind.REFRESH_PARENT: Handling(notify.refresh_parent),
    Kind.THREAD_NOTE: Handling(notify.thread_note),
    Kind.REMIND: Handling(notify.remind),
    Kind.GONG_ERASE: Handling(erase.erase, give_up=erase.give_up_erase),  # the approvers must hear it failed
    Kind.PREVIEW: Handling(lookups.preview),
    Kind.VERIFY: Handling(lookups.verify),
    Kind.BATCH_INTAKE: Handling(intake.intake, give_up=intake.give_up_intake),
    Kind.ITEM_ERASE: Handling(batch.item_erase, give_up=batch.give_up_item),  # the item fails; the batch goes on
    Kind.RESULTS_FILE: Handling(batch.results_file),
    Kind.RECEIPT: Handling(notify.receipt),
    Kind.BREAK_GLASS: Handling(notify.break_glass),
}

# A batch (a request of kind BATCH) does some of a request's work its own way: its one erase job queues its items,
# its preview looks up a sample, its checks go item by item, its thread says it in counts.
BATCH_HANDLERS: dict[Kind, Handling] = {
    Kind.GONG_ERASE: Handling(batch.start),
    Kind.PREVIEW: Handling(batch.preview),
    Kind.VERIFY: Handling(batch.verify),
    Kind.THREAD_NOTE: Handling(batch.thread_note),
}


def handling_of(kind: Kind, request: ErasureRequest) -> Handling:
    """How a job of `kind` runs for this request (or batch)."""
    if request.kind.has_items and kind in BATCH_HANDLERS:
        return BATCH_HANDLERS[kind]
    return HANDLERS[kind]


def process_identity() -> str:
    """host:pid:random — who holds a lease or a claim, readable in the job table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Claims due jobs and runs them on a few threads; woken at once when work is enqueued in this process."""

    def __init__(
        self,
        ctx: JobContext,
        *,
        doorbell: threading.Event,
        lease: float,
        poll_interval: float,
        chores: Sequence[Callable[[], object]] = (),
        identity: str = "",
    ) -> None:
        self.ctx = ctx
        self.doorbell = doorbell  # rung by ctx.wake and by the use cases when they queue work
        self.lease = lease
        self.poll_interval = poll_interval
        self.chores = chores  # housekeeping the first thread does every second or so (expiry, the WAL, …)
        self.identity = identity or process_identity()
        self._threads: list[threading.Thread] = []
        self._helpers: list[threading.Thread] = []  # the housekeeper and the heartbeat
        self._running: dict[int, Job] = {}  # the jobs this process's threads are running, by id
        self._running_lock = threading.Lock()
        self._last_round = 0.0  # monotonic time the housekeeper last finished its chores (the heartbeat)

    def start(self, threads: int = 4) -> None:
        """Start claiming on `threads` threads, and one more thread for the chores."""
        self._last_round = time.monotonic()
        for index in range(threads):
            thread = threading.Thread(target=self._loop, args=(f"{self.identity}/{index}",), daemon=True)
            thread.name = f"erase-worker-{index}"
            thread.start()
            self._threads.append(thread)
        for target, name in ((self._keep_house, "erase-housekeeper"), (self._beat, "erase-heartbeat")):
            helper = threading.Thread(target=target, name=name, daemon=True)
            helper.start()
            self._helpers.append(helper)
        log.info("worker %s started with %d thread(s)", self.identity, threads)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop claiming; let running jobs finish within `timeout`, then hand back any lease still held."""
        self.ctx.stopping.set()
        self.doorbell.set()
        deadline = time.monotonic() + timeout
        for thread in [*self._threads, *self._helpers]:
            thread.join(max(0.0, deadline - time.monotonic()))
        try:
            for index in range(len(self._threads)):
                self.ctx.store.release(f"{self.identity}/{index}", self.ctx.clock())
        except StoreError as exc:  # a shutdown must finish: what is not handed back expires within one lease
            log.warning("could not hand back the jobs' leases (%s); they expire within %.0f s", exc, self.lease)
        self._threads.clear()

    def trouble(self) -> str | None:
        """Why this worker cannot be trusted to run jobs, or None: stopped, a thread gone, or the housekeeper's
        round (which reads and writes the database every second) not done for a while — a hung database or a
        stuck process."""
        if not self._threads or self.ctx.stopping.is_set():
            return "the job worker is stopped"
        if not all(thread.is_alive() for thread in [*self._threads, *self._helpers]):
            return "a job worker thread has died"
        silent = time.monotonic() - self._last_round
        if silent > max(30.0, 10 * self.poll_interval):
            return f"the job worker's heartbeat is {silent:.0f} s old"
        return None

    def run_once(self, owner: str) -> bool:
        """Claim and run one due job; False when nothing is due."""
        ctx = self.ctx
        job = ctx.store.claim(owner, ctx.clock(), self.lease)
        if job is None:
            return False
        request = ctx.store.get_request(job.request_id)
        if request is None:  # cannot happen with foreign keys on; never loop on it
            with ctx.store.transaction() as tx:
                tx.bury(job, ctx.clock(), "request not found")
            return True
        handling = handling_of(job.kind, request)
        with self._running_lock:
            self._running[job.id] = job
        try:
            handling.run(ctx, job, request)
        except LeaseLost:
            log.warning("job %d (%s) lost its lease; another worker owns it now", job.id, job.kind)
        except Exception as exc:
            log.exception("job %d (%s) for %s crashed", job.id, job.kind, request.id)
            self._crashed(handling, job, request, type(exc).__name__)
        finally:
            with self._running_lock:
                self._running.pop(job.id, None)
        return True

    def _crashed(self, handling: Handling, job: Job, request: ErasureRequest, error: str) -> None:
        """An unexpected error: try again later, until the kind's patience runs out; then give up its way."""
        crashes = int(job.payload.get("crashes", 0)) + 1
        try:
            if crashes < handling.max_crashes:
                retry(self.ctx, job, self.ctx.retry.delay(crashes), error, job.payload | {"crashes": crashes})
            else:
                handling.give_up(self.ctx, job, request, error)
        except LeaseLost:
            log.warning("job %d (%s) lost its lease while crashing; another worker owns it now", job.id, job.kind)

    def _loop(self, owner: str) -> None:
        try:
            self._claim_until_stopped(owner)
        finally:
            self.ctx.store.close()  # this thread's connection

    def _claim_until_stopped(self, owner: str) -> None:
        while not self.ctx.stopping.is_set():
            try:
                if self.run_once(owner):
                    continue
            except Exception:
                log.exception("worker loop error; retrying shortly")
            self.doorbell.wait(self._idle_wait())
            self.doorbell.clear()

    def _beat(self) -> None:
        """Renew the lease of every job running here, three times per lease: a job whose process died is taken
        over within one lease, however long a live one's Gong call lasts."""
        try:
            while not self.ctx.stopping.wait(self.lease / 3):
                with self._running_lock:
                    running = list(self._running.values())
                for job in running:
                    try:
                        if not self.ctx.store.renew(job, self.ctx.clock() + self.lease):
                            log.warning("job %d (%s) was taken over; its result here will not count", job.id, job.kind)
                    except StoreError as exc:
                        log.warning("could not renew the lease of job %d (%s)", job.id, exc)
        finally:
            self.ctx.store.close()

    def _keep_house(self) -> None:
        """Every second or so (sooner with a short poll interval): expiry, the WAL after a wipe, and the like."""
        try:
            while not self.ctx.stopping.wait(min(self.poll_interval, 1.0)):
                for chore in self.chores:
                    try:
                        chore()
                    except Exception:
                        log.exception("housekeeping (%s) failed; trying again shortly", getattr(chore, "__name__", "?"))
                self._last_round = time.monotonic()
        finally:
            self.ctx.store.close()

    def _idle_wait(self) -> float:
        """Sleep until the next queued job is due, or a poll interval, whichever is sooner."""
        now = self.ctx.clock()
        try:
            due = self.ctx.store.next_due(now)
        except StoreError:  # a locked database must not stop the loop; poll again later
            return self.poll_interval
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.0, due - now))
