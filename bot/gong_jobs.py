"""Jobs that call Gong: the one erase, the preview before approval, the checks after; every call budgeted."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from . import jobs
from .budget import Slot
from .erasure import ErasureRequest, Event, State
from .errors import GongRateLimited, GongRejected, GongUnavailable
from .gong import GongLookup
from .jobbase import JobBase, LeaseLost
from .jobs import Job, Kind

log = logging.getLogger(__name__)

_MAX_RATE_LIMITED = 100


@dataclass(frozen=True)
class LookupFailed:
    """A lookup that will not succeed by retrying; `reason` is said to people."""

    reason: str


class GongJobs(JobBase):
    """Handlers of the jobs that call Gong; each call first takes a slot in the shared budget."""

    def _gong_erase(self, job: Job, request: ErasureRequest) -> None:
        if request.state is not State.APPROVED or not request.identifier:
            log.warning("erase job %d skipped: request %s is %s", job.id, request.id, request.state)
            self._finish(job)
            return
        slot = self._take_slot()
        if not slot.acquired:
            self._wait_for_budget(job, request, slot)
            return
        attempt = {"attempt": job.attempts, "masked": request.masked}
        # Written before the call: if this process dies mid-call, the audit still shows the request went out.
        with self.store.transaction() as db:
            self.store.audit(db, request.id, "gong", "gong_call", request.state, request.state, attempt)
        started = time.monotonic()
        try:
            accepted = self.gong.erase(request.kind, request.identifier)
        except GongRateLimited as exc:
            limited = int(job.payload.get("rate_limited", 0)) + 1
            wait = self._pause_after_429(exc.retry_after, limited)
            self._record_attempt(
                request,
                attempt
                | {"status": 429, "retry_after": exc.retry_after, "gong_request_id": exc.request_id, "error": str(exc)},
                started,
            )
            if limited > _MAX_RATE_LIMITED:
                self._gong_failed(job, request, "Gong kept answering that the API rate limit was reached.", exc)
                return
            log.info("request %s: Gong rate limit, retrying in %.1fs", request.id, wait)
            self._retry(job, wait, "rate limited", job.payload | {"rate_limited": limited})
            return
        except GongUnavailable as exc:
            failures = int(job.payload.get("failures", 0)) + 1
            self._record_attempt(
                request, attempt | {"status": exc.status, "error": str(exc), "gong_request_id": exc.request_id}, started
            )
            if failures >= self.retry.max_attempts:
                self._gong_failed(
                    job, request,
                    f"Gong could not be reached or kept failing ({exc}) after {failures} attempts. Try again "
                    "later with a new request; if it persists, contact help@gong.io.",
                    exc,
                )  # fmt: skip
                return
            delay = self.retry.delay(failures)
            log.warning("request %s: %s; retry %d in %.1fs", request.id, exc, failures, delay)
            self._retry(job, delay, str(exc), job.payload | {"failures": failures})
            return
        except GongRejected as exc:
            self._record_attempt(
                request,
                attempt
                | {
                    "status": exc.status,
                    "error": str(exc),
                    "errors": list(exc.errors),
                    "gong_request_id": exc.request_id,
                },
                started,
            )
            self._gong_failed(job, request, _explain_rejection(exc.status), exc)
            return
        now = self.clock()
        with self.store.transaction() as db:
            self._settle(db, job, now)
            self.store.audit(db, request.id, "gong", "gong_attempt", request.state, request.state,
                             attempt | {"status": accepted.status, "gong_request_id": accepted.request_id,
                                        "elapsed_ms": accepted.elapsed_ms}, at=now)  # fmt: skip
            first_check = now + self.verify_after[0] if self.verify_after else None
            # with no checks to come the request is over: from now on the mask and the keyed hash are the proof
            wipe = {"identifier": None, "display": None} if first_check is None else {}
            self.store.move(db, request, Event.GONG_ACCEPTED, "gong", now, gong_request_id=accepted.request_id,
                            next_check_at=first_check, **wipe)  # fmt: skip
            jobs.enqueue(db, Kind.REFRESH_PARENT, request.id, now)
            jobs.enqueue(db, Kind.THREAD_NOTE, request.id, now)
            if first_check is not None:
                jobs.enqueue(db, Kind.VERIFY, request.id, first_check, {"check": 0, "accepted_at": now})
        self.wake()
        log.info("request %s: Gong accepted the erase (requestId %s)", request.id, accepted.request_id)

    # -- lookups: the preview before approval, the checks after the erase -----------------------

    def _lookup(self, job: Job, request: ErasureRequest) -> GongLookup | LookupFailed | None:
        """Ask Gong what it holds; None when the job was put back to run again (budget, 429, a passing error)."""
        if not request.identifier:
            return LookupFailed(f"the {request.kind.noun} is no longer kept")
        slot = self._take_slot()
        if not slot.acquired:
            self._retry(job, slot.wait, "waiting for the Gong call budget")
            return None
        try:
            return self.gong.lookup(request.kind, request.identifier)
        except GongRateLimited as exc:
            limited = int(job.payload.get("rate_limited", 0)) + 1
            if limited > _MAX_RATE_LIMITED:
                return LookupFailed("Gong kept answering that the API rate limit was reached")
            wait = self._pause_after_429(exc.retry_after, limited)
            self._retry(job, wait, "rate limited", job.payload | {"rate_limited": limited})
            return None
        except GongUnavailable as exc:
            failures = int(job.payload.get("failures", 0)) + 1
            if failures >= self.retry.max_attempts:
                return LookupFailed(f"Gong did not answer ({exc})")
            self._retry(job, self.retry.delay(failures), str(exc), job.payload | {"failures": failures})
            return None
        except GongRejected as exc:
            if exc.status in {401, 403}:
                return LookupFailed(
                    f"Gong refused the lookup ({exc.status}): the API key may lack the api:data-privacy:read scope"
                )
            return LookupFailed(f"Gong refused the lookup ({exc.status})")

    def _preview(self, job: Job, request: ErasureRequest) -> None:
        """Show the approvers what Gong holds; a failure says why, and the flow goes on without it."""
        if request.state is not State.PENDING:
            self._finish(job)  # decided before the lookup ran: nobody needs the preview any more
            return
        found = self._lookup(job, request)
        if found is None:
            return
        now = self.clock()
        with self.store.transaction() as db:
            self._settle(db, job, now)
            if isinstance(found, LookupFailed):
                self.store.set_columns(db, request.id, now, preview_error=found.reason)
                detail: dict[str, object] = {"error": found.reason}
            else:
                self.store.set_columns(db, request.id, now, preview=found.holdings.to_json(), preview_error=None)
                detail = {"references": found.holdings.references, "gong_request_id": found.request_id}
            self.store.audit(db, request.id, "gong", "previewed", request.state, request.state, detail, at=now)
            jobs.enqueue(db, Kind.REFRESH_PARENT, request.id, now)
        self.wake()

    def _verify(self, job: Job, request: ErasureRequest) -> None:
        """One scheduled check after the erase: gone → verified; still there → the next check, or give up."""
        if request.state is not State.SUBMITTED:
            self._finish(job)
            return
        found = self._lookup(job, request)
        if found is None:
            return
        check = int(job.payload.get("check", 0))
        accepted_at = float(job.payload.get("accepted_at", request.decided_at or self.clock()))
        later = [accepted_at + after for after in self.verify_after[check + 1 :]]
        now = self.clock()
        with self.store.transaction() as db:
            self._settle(db, job, now)
            if isinstance(found, LookupFailed):
                columns: dict[str, object] = {"checked_at": now, "next_check_at": later[0] if later else None}
                detail: dict[str, object] = {"check": check + 1, "error": found.reason}
                note: dict[str, object] = {"note": "check", "error": found.reason}
            else:
                held = found.holdings
                columns = {"checked_at": now, "remaining": None if held.empty else held.to_json(),
                           "next_check_at": None if held.empty or not later else later[0]}  # fmt: skip
                detail = {"check": check + 1, "references": held.references, "gong_request_id": found.request_id}
                note = {"note": "check"}
            self.store.set_columns(db, request.id, now, **columns)
            if not isinstance(found, LookupFailed) and found.holdings.empty:
                self.store.move(db, request, Event.VERIFIED_ERASED, "gong", now, detail)
                jobs.enqueue(db, Kind.REFRESH_PARENT, request.id, now)
            elif later:
                event = "check_failed" if isinstance(found, LookupFailed) else "still_held"
                self.store.audit(db, request.id, "gong", event, request.state, request.state, detail, at=now)
                jobs.enqueue(db, Kind.VERIFY, request.id, later[0],
                             {"check": check + 1, "accepted_at": accepted_at})  # fmt: skip
            else:
                self.store.move(db, request, Event.STILL_HELD, "gong", now, detail)
                jobs.enqueue(db, Kind.REFRESH_PARENT, request.id, now)
            jobs.enqueue(db, Kind.THREAD_NOTE, request.id, now, note)
        self.wake()

    def _take_slot(self) -> Slot:
        """A slot in the shared Gong budget; short waits are slept here, long ones go back to the job table."""
        while True:
            slot = self.budget.acquire()
            if slot.acquired or slot.daily_exhausted or slot.wait > 1.5 or self._stopping.is_set():
                return slot
            self._stopping.wait(slot.wait)

    def _pause_after_429(self, retry_after: float | None, limited: int) -> float:
        """Hold every process's Gong calls for Gong's Retry-After, capped (missing or unreadable: our own backoff
        of at least a second, as Gong counts calls per second); returns that wait. The limit is the company's."""
        if retry_after is None:
            wait = max(1.0, self.retry.delay(limited))
        else:
            wait = min(self.retry.retry_after_cap, retry_after)
        self.budget.pause(self.clock() + wait)
        return wait

    def _wait_for_budget(self, job: Job, request: ErasureRequest, slot: Slot) -> None:
        """Put the erase back until the budget allows it; the first time the day's budget is spent, say so."""
        now = self.clock()
        resume_at = now + slot.wait
        with self.store.transaction() as db:
            payload = dict(job.payload)
            if slot.daily_exhausted and not payload.get("budget_noted"):
                payload["budget_noted"] = True
                jobs.enqueue(db, Kind.THREAD_NOTE, request.id, now, {"note": "daily_budget", "resume_at": resume_at})
                self.store.audit(db, request.id, "bot", "gong_budget_spent", request.state, request.state,
                                 {"resume_at": resume_at}, at=now)  # fmt: skip
            if not jobs.retry_at(db, job, now, resume_at, "waiting for the Gong call budget", payload):
                raise LeaseLost()
        if slot.daily_exhausted:
            self.wake()
            log.warning("request %s: Gong's daily call budget is spent; resuming at %s", request.id,
                        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(resume_at)))  # fmt: skip

    def _record_attempt(self, request: ErasureRequest, detail: dict[str, object], started: float) -> None:
        detail["elapsed_ms"] = int((time.monotonic() - started) * 1000)
        with self.store.transaction() as db:
            self.store.audit(db, request.id, "gong", "gong_attempt", request.state, request.state, detail)

    def _gong_failed(self, job: Job, request: ErasureRequest, failure: str, exc: Exception) -> None:
        errors = list(getattr(exc, "errors", ()))
        gong_request_id = getattr(exc, "request_id", None)
        now = self.clock()
        with self.store.transaction() as db:
            self._settle(db, job, now)
            self.store.move(
                db, request, Event.GONG_FAILED, "gong", now,
                {"failure": failure, "errors": errors, "gong_request_id": gong_request_id},
                failure=failure, gong_request_id=gong_request_id, gong_errors=json.dumps(errors),
            )  # fmt: skip
            jobs.enqueue(db, Kind.REFRESH_PARENT, request.id, now)
            jobs.enqueue(db, Kind.THREAD_NOTE, request.id, now)
        self.wake()
        log.error("request %s: erase failed: %s", request.id, failure)


def _explain_rejection(status: int) -> str:
    if status == 401:
        return (
            "Gong rejected the bot's API credentials (401). An admin should check GONG_ACCESS_KEY and "
            "GONG_ACCESS_KEY_SECRET; then start a new request."
        )
    if status == 403:
        return "The Gong API key is not allowed to erase data (403). An admin should check its permissions."
    if status == 400:
        return (
            "Gong refused the erase request (400). If Gong's data-integrity protection stopped an unusually "
            "large deletion, contact help@gong.io with the requestId below."
        )
    return f"Gong refused the erase request ({status})."
