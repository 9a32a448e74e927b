"""Jobs that talk to Slack: the approval message, its updates, thread notes and reminders."""

from __future__ import annotations

import logging

from . import jobs, messages
from .erasure import ErasureRequest, Event, State
from .errors import SlackError
from .jobbase import JobBase
from .jobs import Job, Kind

log = logging.getLogger(__name__)

# Slack errors worth another try later; anything else will not pass by waiting.
_TRANSIENT_SLACK = {
    "ratelimited", "connection_error", "internal_error", "fatal_error", "service_unavailable",
    "request_timeout", "http_error", "team_added_to_org",
}  # fmt: skip
_UNREACHABLE_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
_BLOCKS_REFUSED = {"invalid_blocks", "invalid_blocks_format"}  # then the words go out without the layout
MAX_SLACK_ATTEMPTS = 8


class SlackJobs(JobBase):
    """Handlers of the Slack lane's jobs and of reminders; a Slack failure is classified in _slack_failed."""

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
        try:
            self.slack.respond(response_url, text, blocks, replace)
        except SlackError as exc:  # the ephemeral is a courtesy; the public message is the record
            log.info("could not update the requester's private message (%s)", exc.code)

    def _slack_failed(self, job: Job, request: ErasureRequest, exc: SlackError) -> None:
        transient = exc.code in _TRANSIENT_SLACK or exc.code.startswith("http_5")
        if transient and job.attempts < MAX_SLACK_ATTEMPTS:
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
