"""Runs claimed jobs: calls Gong, records every attempt, and tells Slack; retries from the job table."""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from . import jobs, messages
from .budget import GongBudget, Slot
from .erasure import ApprovalPolicy, ErasureRequest, Event, State
from .errors import GongRateLimited, GongRejected, GongUnavailable, SlackError
from .gong import GongClient, GongLookup
from .jobs import Job, Kind
from .slack import Slack
from .store import Store

log = logging.getLogger(__name__)

# Slack errors worth another try later; anything else will not pass by waiting.
_TRANSIENT_SLACK = {
    "ratelimited", "connection_error", "internal_error", "fatal_error", "service_unavailable",
    "request_timeout", "http_error", "team_added_to_org",
}  # fmt: skip
_UNREACHABLE_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
_BLOCKS_REFUSED = {"invalid_blocks", "invalid_blocks_format"}  # then the words go out without the layout
_MAX_SLACK_ATTEMPTS = 8
_MAX_RATE_LIMITED = 100


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # Gong 5xx, timeouts and connection errors
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    retry_after_cap: float = 300.0  # the longest we wait, whatever Gong's Retry-After says

    def delay(self, failures: int) -> float:
        base = self.backoff * 2.0 ** max(0, failures - 1)
        return min(self.retry_after_cap, base * random.uniform(0.8, 1.2))


@dataclass(frozen=True)
class LookupFailed:
    """A lookup that will not succeed by retrying; `reason` is said to people."""

    reason: str


class LeaseLost(Exception):
    """Another worker took this job over (our lease ran out); what we did must not be recorded twice."""


class Worker:
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

    # -- Gong -----------------------------------------------------------------------------------

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
            wait = self._rate_limit_wait(exc.retry_after, limited)
            self.budget.pause(self.clock() + wait)  # Gong's limit is the company's: every process waits
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
            wait = self._rate_limit_wait(exc.retry_after, limited)
            self.budget.pause(self.clock() + wait)
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
                self.store.audit(db, request.id, "gong", "still_held", request.state, request.state, detail, at=now)
                jobs.enqueue(db, Kind.VERIFY, request.id, later[0],
                             {"check": check + 1, "accepted_at": accepted_at})  # fmt: skip
            else:
                self.store.move(db, request, Event.STILL_HELD, "gong", now, detail)
                jobs.enqueue(db, Kind.REFRESH_PARENT, request.id, now)
            jobs.enqueue(db, Kind.THREAD_NOTE, request.id, now, note)
        self.wake()

    def _remind(self, job: Job, request: ErasureRequest) -> None:
        """Nudge the approvers of a request still pending; the next nudge waits twice as long."""
        if request.state is not State.PENDING or not request.message_ts:
            self._finish(job)
            return
        nudges = int(job.payload.get("nudges", 0))
        text, blocks = messages.reminder(request, self.policy, nudges + 1, self.clock())
        self.slack.post_message(request.channel, text, blocks, thread_ts=request.message_ts)
        now = self.clock()
        next_at = now + next_nudge(self.remind_after, nudges + 1, request, now)
        with self.store.transaction() as db:
            self._settle(db, job, now)
            self.store.audit(db, request.id, "bot", "reminded", request.state, request.state,
                             {"nudge": nudges + 1}, at=now)  # fmt: skip
            jobs.enqueue(db, Kind.REFRESH_PARENT, request.id, now)  # the days left on the message move on
            if next_at < request.expires_at:
                jobs.enqueue(db, Kind.REMIND, request.id, next_at, {"nudges": nudges + 1})
        self.wake()

    def _take_slot(self) -> Slot:
        """A slot in the shared Gong budget; short waits are slept here, long ones go back to the job table."""
        while True:
            slot = self.budget.acquire()
            if slot.acquired or slot.daily_exhausted or slot.wait > 1.5 or self._stopping.is_set():
                return slot
            self._stopping.wait(slot.wait)

    def _rate_limit_wait(self, retry_after: float | None, limited: int) -> float:
        """Gong's Retry-After, capped; when it is missing or unreadable, our own backoff of at least a second
        (Gong counts calls per second)."""
        if retry_after is None:
            return max(1.0, self.retry.delay(limited))
        return min(self.retry.retry_after_cap, retry_after)

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

    # -- Slack ----------------------------------------------------------------------------------

    def _post_approval(self, job: Job, request: ErasureRequest) -> None:
        response_url = str(job.payload.get("response_url") or "")
        if request.message_ts is None:
            text, blocks = messages.approval_message(request, self.policy, self.clock())
            ts = self.slack.post_message(request.channel, text, blocks)
            now = self.clock()
            with self.store.transaction() as db:
                self._settle(db, job, now)
                self.store.set_columns(db, request.id, now, message_ts=ts)
                self.store.audit(db, request.id, "bot", "posted", request.state, request.state, {"ts": ts}, at=now)
        else:
            self._finish(job)
        if response_url:
            self._respond(response_url, messages.submitted_ephemeral(request), replace=True)

    def _undeliverable(self, job: Job, request: ErasureRequest, exc: SlackError) -> None:
        """The approval message cannot be posted: cancel (nothing is public yet) and tell the requester why."""
        now = self.clock()
        with self.store.transaction() as db:
            self._settle(db, job, now, error=exc.code)
            if request.state is State.PENDING:
                self.store.move(db, request, Event.CANCEL, "bot", now, {"slack_error": exc.code})
        log.warning("request %s: cannot post in channel %s (%s)", request.id, request.channel, exc.code)
        response_url = str(job.payload.get("response_url") or "")
        if not response_url:
            return
        if exc.code in _UNREACHABLE_CHANNEL:
            text = (
                f"I couldn't post request `{request.id}` in this channel ({exc.code}). Invite me first "
                "(`/invite @gong-erase`), then run `/gong-erase` again. Nothing was sent to Gong."
            )
        else:
            text = (
                f"Slack would not take the approval message for `{request.id}` ({exc.code}), so the request is "
                "cancelled and nothing was sent to Gong. Try `/gong-erase` again in a few minutes; if it keeps "
                "failing, ask the bot's admin to check its log."
            )
        self._respond(response_url, messages.refusal(text), replace=True)

    def _refresh_parent(self, job: Job, request: ErasureRequest) -> None:
        if request.message_ts:
            text, blocks = _plain_if_asked(job, messages.approval_message(request, self.policy, self.clock()))
            self.slack.update_message(request.channel, request.message_ts, text, blocks)
        self._finish(job)

    def _thread_note(self, job: Job, request: ErasureRequest) -> None:
        if request.message_ts:
            if job.payload.get("note") == "daily_budget":
                note = messages.budget_note(request, float(job.payload["resume_at"]))
            elif job.payload.get("note") == "check":
                error = job.payload.get("error")
                note = messages.check_note(request, str(error) if error else None)
            else:
                note = messages.thread_note(request)
            text, blocks = _plain_if_asked(job, note)
            self.slack.post_message(request.channel, text, blocks, thread_ts=request.message_ts)
        self._finish(job)

    def _respond(self, response_url: str, message: tuple[str, messages.Blocks], *, replace: bool) -> None:
        text, blocks = message
        body = {"text": text, "blocks": blocks, "response_type": "ephemeral", "replace_original": replace}
        try:
            self.slack.respond(response_url, body)
        except SlackError as exc:  # the ephemeral is a courtesy; the public message is the record
            log.info("could not update the requester's private message (%s)", exc.code)

    def _slack_failed(self, job: Job, request: ErasureRequest, exc: SlackError) -> None:
        transient = exc.code in _TRANSIENT_SLACK or exc.code.startswith("http_5")
        if transient and job.attempts < _MAX_SLACK_ATTEMPTS:
            delay = exc.retry_after if exc.retry_after is not None else self.retry.delay(job.attempts)
            log.warning("job %d (%s) for %s: Slack %s; retrying in %.1fs", job.id, job.kind, request.id,
                        exc.code, delay)  # fmt: skip
            self._retry(job, min(delay, self.retry.retry_after_cap), exc.code)
            return
        if job.kind is Kind.POST_APPROVAL:
            self._undeliverable(job, request, exc)
            return
        if exc.code in _BLOCKS_REFUSED and not job.payload.get("plain"):
            log.error("job %d (%s) for %s: Slack refused our blocks; sending the words alone", job.id, job.kind,
                      request.id)  # fmt: skip
            self._retry(job, 0.0, exc.code, job.payload | {"plain": True})
            return
        log.error("job %d (%s) for %s: Slack refused (%s); giving up", job.id, job.kind, request.id, exc.code)
        with self.store.transaction() as db:
            jobs.bury(db, job, self.clock(), exc.code)

    def _crashed(self, job: Job, request: ErasureRequest, exc: Exception) -> None:
        error = type(exc).__name__
        if job.attempts < _MAX_SLACK_ATTEMPTS:
            self._retry(job, self.retry.delay(job.attempts), error)
        elif job.kind is Kind.GONG_ERASE and request.state is State.APPROVED:
            self._gong_failed(job, request, f"The bot hit an internal error ({error}); ask an admin to check", exc)
        else:
            with self.store.transaction() as db:
                jobs.bury(db, job, self.clock(), error)

    # -- job bookkeeping ------------------------------------------------------------------------

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


def next_nudge(remind_after: float, nudges: int, request: ErasureRequest, now: float) -> float:
    """Backing off (1×, 2×, 4×…), except as a legal deadline nears: within a week at most 4×, within two days
    (or overdue) every interval."""
    interval: float = remind_after * 2.0**nudges
    if request.deadline is not None:
        left = request.deadline.days_left(now)
        if left <= 2:
            return remind_after
        if left <= 7:
            return min(interval, remind_after * 4)
    return interval


def _plain_if_asked(job: Job, message: tuple[str, messages.Blocks]) -> tuple[str, messages.Blocks]:
    """After Slack refused a message's blocks, the retry carries its words as text, with no blocks at all."""
    text, blocks = message
    return (messages.plain_fallback(blocks), []) if job.payload.get("plain") else (text, blocks)


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
