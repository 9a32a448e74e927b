"""The decisions people make, each one transaction: read the request, ask the domain, write the move and the jobs
it causes. Whoever loses a race reads the new state and is refused (Closed), and nothing changes."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from ..adapters.store import Store, Tx
from ..domain.approval import ApprovalPolicy, count_approval
from ..domain.audit import AuditEvent
from ..domain.batch import scrub_batch_reason
from ..domain.deadlines import Regime, find_deadline
from ..domain.integrity import identifier_hash
from ..domain.jobs import Kind, NewJob
from ..domain.request import OPEN, ErasureRequest, Event, State, is_expired
from ..domain.target import EraseCommand, Target, scrub_reason
from ..domain.text import clean
from ..errors import Closed, InputRejected, NotAllowed, NotFound, Refusal, Why
from .ports import Directory

__all__ = ["Approved", "Decisions", "RequestRules", "approver_groups", "draft_already_made", "load", "new_request_id",
           "scrubbed_note"]  # fmt: skip

log = logging.getLogger(__name__)

_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread


def new_request_id(prefix: str = "ER-") -> str:
    """`ER-` (a batch: `EB-`) and eight characters nobody misreads."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def load(store: Store | Tx, request_id: str) -> ErasureRequest:
    """The request, or NotFound for the person who asked."""
    request = store.get_request(request_id)
    if request is None:
        raise NotFound(Why.UNKNOWN_REQUEST)
    return request


def scrubbed_note(request: ErasureRequest, text: str) -> str:
    """A decider's free text, cleaned, at most 500 characters, with the request's identifier (a batch: any typed
    number or address) taken out: it is shown in the channel."""
    cleaned = clean(text).strip()[:500]
    if request.kind.has_items or not request.identifier:
        return scrub_batch_reason(cleaned)
    target = Target(request.kind, request.identifier, request.display or request.identifier, request.masked)
    return scrub_reason(cleaned, target)


def draft_already_made(
    tx: Tx, rules: RequestRules, trigger_id: str, requester: str, now: float
) -> ErasureRequest | None:
    """The draft this delivery of a command (or modal submission) made before, if Slack delivered it twice; else
    None, once the requester has room for another draft (a flood of drafts stops here: TOO_MANY_DRAFTS)."""
    existing = tx.find_by_trigger(trigger_id) if trigger_id else None
    if existing is not None:
        return existing
    drafts = tx.open_drafts(requester, now)
    if drafts >= rules.max_open_drafts:
        raise Refusal(Why.TOO_MANY_DRAFTS, count=drafts)
    return None


def approver_groups(policy: ApprovalPolicy, directory: Directory, actor: str, *, deciding: bool) -> frozenset[str]:
    """The approver groups of `actor`, asking Slack only when they matter (not for a listed approver); for a
    decision (approve, reject, a look at the full identifier) asked afresh, never from the display cache."""
    return directory.groups_of(actor, fresh=deciding) if policy.needs_groups(actor) else frozenset()


@dataclass(frozen=True)
class RequestRules:
    """A deployment's rules for requests: how long they stay open, how many drafts one person may hold at once,
    which law a `received:` date without `gdpr`/`ccpa` falls under (None: the requester must say), and what a
    reason must contain."""

    ttl: int = 86400
    max_open_drafts: int = 10
    default_regime: Regime | None = Regime.GDPR
    reason_pattern: str = ""  # a reason must contain a match of it (a ticket reference); "": any reason

    def check_reason(self, reason: str) -> None:
        """InputRejected (saying the expected form) when the reason lacks the ticket reference the deployment asks."""
        if self.reason_pattern and not re.search(self.reason_pattern, reason):
            raise InputRejected(Why.REASON_PATTERN, pattern=self.reason_pattern)


@dataclass(frozen=True)
class Approved:
    """An approval click that counted; `decided` when it was the last one needed."""

    request: ErasureRequest
    decided: bool


class Decisions:
    """The use cases behind the slash command and the buttons."""

    def __init__(
        self,
        store: Store,
        policy: ApprovalPolicy,
        directory: Directory,
        *,
        rules: RequestRules,
        hash_key: str = "",
        clock: Callable[[], float] = time.time,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.directory = directory
        self.rules = rules
        self.ttl = rules.ttl
        self.hash_key = hash_key  # for the keyed hash that outlives the identifier; "" in unit tests only
        self.clock = clock
        self.wake = wake  # tells this process's worker there is new work, so it need not wait for a poll

    def start(
        self, command: EraseCommand, *, requester: str, channel: str, team: str, trigger_id: str
    ) -> ErasureRequest:
        """A private draft for the requester to confirm; a repeated delivery of one command gives the same draft."""
        self.rules.check_reason(command.reason)
        now = self.clock()
        deadline = find_deadline(command.reason, now, self.rules.default_regime)
        target = command.target
        with self.store.transaction() as tx:
            existing = draft_already_made(tx, self.rules, trigger_id, requester, now)
            if existing is not None:
                return existing
            request = ErasureRequest(
                id=new_request_id(), state=State.DRAFT, kind=target.kind, identifier=target.identifier,
                masked=target.masked, display=target.display, country=target.country, number_valid=target.valid,
                identifier_hash=identifier_hash(self.hash_key, target.kind, target.identifier) if self.hash_key
                else None,
                reason=command.reason, deadline=deadline, requester=requester, channel=channel, created_at=now,
                expires_at=now + self.ttl, required_approvals=self.policy.required,
            )  # fmt: skip
            tx.insert_request(request, trigger_id=trigger_id, team=team)
        log.info("request %s drafted by %s for %s", request.id, requester, request.masked)
        return request

    def submit(self, request_id: str, actor: str, response_url: str) -> ErasureRequest:
        """The requester confirms: the request goes public for approval (posting is a job)."""
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as tx:
            request = load(tx, request_id)
            if actor != request.requester:
                raise NotAllowed(Why.NOT_REQUESTER_SUBMIT, requester=request.requester)
            self._refuse_if_closed(request, {State.DRAFT}, now)
            tx.move(request, Event.SUBMIT, actor=actor, now=now,
                    payloads={Kind.POST_APPROVAL: {"response_url": response_url}})  # fmt: skip
        self.wake()
        log.info("request %s submitted for approval", request.id)
        return load(self.store, request_id)

    def asks_break_glass(self, request_id: str, actor: str) -> ErasureRequest | None:
        """The request, when `actor` is its requester approving it under break-glass (a justification is asked
        first); None for any other approval."""
        request = load(self.store, request_id)
        if actor != request.requester or not self.policy.break_glass:
            return None
        return request if self.policy.asks_break_glass(actor, request.requester, self.groups_of(actor)) else None

    def approve(self, request_id: str, actor: str, justification: str = "") -> Approved:
        """One approval; the one that reaches the required number decides, and causes the one erase. A requester
        approving their own request under break-glass gives a `justification`: it is kept, shown with the
        approval, and every other approver is told by DM."""
        groups = self.groups_of(actor)
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as tx:
            request = load(tx, request_id)
            self.policy.check_approver(actor, request.requester, groups, justification)
            own = actor == request.requester and bool(justification.strip())
            self._refuse_if_closed(request, {State.PENDING}, now)
            outcome = count_approval(request.state, request.approvals, actor, request.required_approvals)
            if not outcome.newly_recorded:
                raise Refusal(Why.ALREADY_APPROVED, waiting=request.required_approvals - len(request.approvals))
            tx.add_approval(request.id, actor, now)
            if own:
                note = scrubbed_note(request, justification)
                tx.set_columns(request.id, now, break_glass=note)
                tx.note(request, AuditEvent.APPROVAL, actor=actor, now=now, detail={"break_glass": note})
                tx.enqueue(NewJob(Kind.BREAK_GLASS, request.id, now), now)
                tx.enqueue(NewJob(Kind.THREAD_NOTE, request.id, now, {"note": "break_glass"}), now)
            else:
                tx.note(request, AuditEvent.APPROVAL, actor=actor, now=now)
            if outcome.decided:
                tx.move(request, Event.APPROVE, actor=actor, now=now, decided_at=now)
        self.wake()
        log.info("request %s approved by %s%s", request.id, actor, " (decided)" if outcome.decided else "")
        return Approved(request=load(self.store, request_id), decided=outcome.decided)

    def may_reject(self, request_id: str, actor: str) -> ErasureRequest:
        """Whether `actor` may reject the request now (before they are asked why): the request, or the refusal.
        Changes nothing; `reject` asks again when they answer."""
        groups = self.groups_of(actor)
        self._expire_if_due(request_id)
        request = load(self.store, request_id)
        if not self.policy.is_approver(actor, groups):
            raise NotAllowed(Why.NOT_APPROVER_REJECT)
        self._refuse_if_closed(request, {State.PENDING}, self.clock())
        return request

    def reject(self, request_id: str, actor: str, reason: str = "") -> ErasureRequest:
        """An approver turns the request down, saying why; nothing reaches Gong. The reason is kept with the
        decision (in the table and its sealed audit row) with the identifier scrubbed out of it."""
        groups = self.groups_of(actor)
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as tx:
            request = load(tx, request_id)
            if not self.policy.is_approver(actor, groups):
                raise NotAllowed(Why.NOT_APPROVER_REJECT)
            self._refuse_if_closed(request, {State.PENDING}, now)
            note = scrubbed_note(request, reason)
            self._close(tx, request, Event.REJECT, actor, now, note=note)
        self.wake()
        log.info("request %s rejected by %s", request.id, actor)
        return load(self.store, request_id)

    def cancel(self, request_id: str, actor: str) -> ErasureRequest:
        """The requester withdraws a draft or a pending request."""
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as tx:
            request = load(tx, request_id)
            if actor != request.requester:
                raise NotAllowed(Why.NOT_REQUESTER_CANCEL, requester=request.requester)
            self._refuse_if_closed(request, OPEN, now)
            self._close(tx, request, Event.CANCEL, actor, now)
        self.wake()
        log.info("request %s cancelled by its requester", request.id)
        return load(self.store, request_id)

    def expire_due(self) -> list[str]:
        """Expire every open request past its TTL, so its message says so without anyone clicking."""
        expired = []
        for request_id in self.store.due_for_expiry(self.clock()):
            now = self.clock()
            with self.store.transaction() as tx:
                request = tx.get_request(request_id)
                if request is None or request.state not in OPEN or not is_expired(request.created_at, self.ttl, now):
                    continue
                self._close(tx, request, Event.EXPIRE, "bot", now)
                expired.append(request_id)
        if expired:
            self.wake()
            log.info("expired %d request(s) past their TTL", len(expired))
        return expired

    def groups_of(self, actor: str) -> frozenset[str]:
        """The approver groups of `actor`, asked afresh: every use here decides something."""
        return approver_groups(self.policy, self.directory, actor, deciding=True)

    def _close(self, tx: Tx, request: ErasureRequest, event: Event, actor: str, now: float, *, note: str = "") -> None:
        """End an open request (with the decider's reason, if they gave one); the domain's table says who is told."""
        decided_by = None if actor == "bot" else actor
        tx.move(request, event, actor=actor, now=now, decided_by=decided_by, decided_at=now,
                detail={"reason": note} if note else None, decision_note=note or None)  # fmt: skip

    def _refuse_if_closed(self, request: ErasureRequest, allowed: Collection[State], now: float) -> None:
        if request.state not in allowed:
            raise Closed(Why.CLOSED, state=request.state.value)
        if is_expired(request.created_at, self.ttl, now):
            # Expired a moment ago, after _expire_if_due looked: refuse now; the sweeper records it.
            raise Closed(Why.CLOSED, state=State.EXPIRED.value)

    def _expire_if_due(self, request_id: str) -> None:
        """Record an open request's expiry in its own transaction, so a refused click still leaves it expired."""
        now = self.clock()
        with self.store.transaction() as tx:
            request = tx.get_request(request_id)
            expired = request is not None and request.state in OPEN and is_expired(request.created_at, self.ttl, now)
            if request is not None and expired:
                self._close(tx, request, Event.EXPIRE, "bot", now)
        if expired:
            self.wake()
