"""Each user decision as one atomic transaction: read the request, ask the pure core, write state and jobs."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .deadlines import Regime, find_deadline
from .erasure import (
    OPEN,
    ApprovalPolicy,
    ErasureRequest,
    Event,
    State,
    count_approval,
    explain_closed,
    is_expired,
)
from .errors import NotAllowed, NotFound, Refusal
from .jobs import Kind, enqueue
from .proof import identifier_hash
from .store import Store
from .targets import EraseCommand, Target, parse_erase_text

log = logging.getLogger(__name__)

_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread


def new_request_id() -> str:
    return "ER-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


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
        ttl: int,
        clock: Callable[[], float] = time.time,
        wake: Callable[[], None] = lambda: None,
        remind_after: float = 0.0,
        hash_key: str = "",
        default_regime: Regime | None = Regime.GDPR,
    ) -> None:
        self.default_regime = default_regime
        self.store = store
        self.hash_key = hash_key  # for the keyed hash that outlives the identifier; "" in unit tests only
        self.remind_after = remind_after  # seconds until the first nudge of a pending request; 0: never
        self.policy = policy
        self.ttl = ttl
        self.clock = clock
        self.wake = wake  # tells this process's worker there is new work, so it need not wait for a poll

    def start(self, command: EraseCommand, requester: str, channel: str, team: str, trigger_id: str) -> ErasureRequest:
        """A private draft for the requester to confirm; a repeated delivery of one command gives the same draft."""
        now = self.clock()
        deadline = find_deadline(command.reason, now, self.default_regime)
        with self.store.transaction() as db:
            existing = self.store.find_by_trigger(trigger_id) if trigger_id else None
            if existing is not None:
                return existing
            target = command.target
            request = ErasureRequest(
                id=new_request_id(),
                state=State.DRAFT,
                kind=target.kind,
                identifier=target.identifier,
                masked=target.masked,
                display=target.display,
                country=target.country,
                number_valid=target.valid,
                identifier_hash=identifier_hash(self.hash_key, target.kind, target.identifier)
                if self.hash_key
                else None,
                reason=command.reason,
                deadline=deadline,
                requester=requester,
                channel=channel,
                created_at=now,
                expires_at=now + self.ttl,
                required_approvals=self.policy.required,
            )
            self.store.insert_request(db, request, trigger_id, team)
        log.info("request %s drafted by %s for %s", request.id, requester, request.masked)
        return request

    def submit(self, request_id: str, actor: str, response_url: str) -> ErasureRequest:
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as db:
            request = self._load(request_id)
            if actor != request.requester:
                raise NotAllowed(f"Only <@{request.requester}>, who started this request, can submit it.")
            self._refuse_if_closed(request, {State.DRAFT}, now)
            self.store.move(db, request, Event.SUBMIT, actor, now)
            enqueue(db, Kind.POST_APPROVAL, request.id, now, {"response_url": response_url})
            enqueue(db, Kind.PREVIEW, request.id, now)
            if self.remind_after:
                enqueue(db, Kind.REMIND, request.id, now + self.remind_after, {"nudges": 0})
        self.wake()
        log.info("request %s submitted for approval", request.id)
        return self._load(request_id)

    def approve(self, request_id: str, actor: str, actor_groups: Collection[str]) -> Approved:
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as db:
            request = self._load(request_id)
            self.policy.check_approver(actor, request.requester, actor_groups)
            self._refuse_if_closed(request, {State.PENDING}, now)
            outcome = count_approval(request.state, request.approvals, actor, request.required_approvals)
            if not outcome.newly_recorded:
                waiting = request.required_approvals - len(request.approvals)
                raise Refusal(f"You already approved this request; it is waiting for {waiting} more approval(s).")
            self.store.add_approval(db, request.id, actor, now)
            self.store.audit(db, request.id, actor, "approval", request.state, request.state, {}, at=now)
            if outcome.decided:
                self.store.move(db, request, Event.APPROVE, actor, now, decided_at=now)
                enqueue(db, Kind.GONG_ERASE, request.id, now)
            enqueue(db, Kind.REFRESH_PARENT, request.id, now)
        self.wake()
        log.info("request %s approved by %s%s", request.id, actor, " (decided)" if outcome.decided else "")
        return Approved(request=self._load(request_id), decided=outcome.decided)

    def reject(self, request_id: str, actor: str, actor_groups: Collection[str]) -> ErasureRequest:
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as db:
            request = self._load(request_id)
            if not self.policy.is_approver(actor, actor_groups):
                raise NotAllowed(
                    "Only the configured approvers can reject erase requests "
                    f"(the requester can cancel instead). Approvers: {self.policy.describe_approvers()}."
                )
            self._refuse_if_closed(request, {State.PENDING}, now)
            self._close(db, request, Event.REJECT, actor, now)
        self.wake()
        return self._load(request_id)

    def cancel(self, request_id: str, actor: str) -> ErasureRequest:
        self._expire_if_due(request_id)
        now = self.clock()
        with self.store.transaction() as db:
            request = self._load(request_id)
            if actor != request.requester:
                raise NotAllowed(
                    f"Only <@{request.requester}>, who made this request, can cancel it. "
                    "Approvers can reject it instead."
                )
            self._refuse_if_closed(request, OPEN, now)
            self._close(db, request, Event.CANCEL, actor, now)
        self.wake()
        return self._load(request_id)

    def reveal(self, request_id: str, actor: str, actor_groups: Collection[str]) -> ErasureRequest:
        """An approver asks to see the full identifier privately; who looked, and when, is audited."""
        now = self.clock()
        with self.store.transaction() as db:
            request = self._load(request_id)
            noun = request.kind.noun
            if not self.policy.is_approver(actor, actor_groups):
                raise NotAllowed(
                    f"Only approvers can see the full {noun}; the requester has it in their ticket. "
                    f"Approvers: {self.policy.describe_approvers()}."
                )
            if not request.identifier:
                raise Refusal(f"The full {noun} of request `{request.id}` is no longer kept by the bot.")
            self.store.audit(db, request.id, actor, "revealed", request.state, request.state, {}, at=now)
        log.info("request %s: %s looked at the full %s", request.id, actor, noun)
        return request

    def find_proof(self, text: str, actor: str, actor_groups: Collection[str]) -> tuple[Target, list[ErasureRequest]]:
        """Approvers ask what became of a number or address: found by its keyed hash, and audited."""
        if not self.policy.is_approver(actor, actor_groups):
            raise NotAllowed(
                f"Only approvers can look up erase records. Approvers: {self.policy.describe_approvers()}."
            )
        target = parse_erase_text(text).target
        found = self.store.find_by_hash(identifier_hash(self.hash_key, target.kind, target.identifier))
        with self.store.transaction() as db:
            self.store.audit(
                db, None, actor, "proof_lookup", None, None, {"masked": target.masked, "found": len(found)}
            )
        return target, found

    def status(
        self, request_id: str, actor: str, actor_groups: Callable[[], Collection[str]]
    ) -> tuple[ErasureRequest, list[dict[str, Any]]]:
        """A request and its history, for its requester or an approver (groups are only asked if needed)."""
        request = self._load(request_id)
        if actor != request.requester and not self.policy.is_approver(actor, actor_groups()):
            raise NotAllowed("Only the person who made a request and the approvers can see its history.")
        return request, self.store.audit_trail(request_id)

    def overview(
        self, actor: str, actor_groups: Collection[str], limit: int = 15
    ) -> tuple[list[ErasureRequest], list[ErasureRequest] | None]:
        """Your latest requests, and for approvers every request waiting for approval; newest first."""
        mine = self.store.requests_where("requester = ?", [actor], limit)
        pending = self.store.requests_where("state = 'pending'", [], limit) if self.policy.is_approver(
            actor, actor_groups) else None  # fmt: skip
        return mine, pending

    def expire_due(self) -> list[str]:
        """Expire every open request past its TTL, so its message says so without anyone clicking."""
        expired = []
        for request_id in self.store.due_for_expiry(self.clock()):
            now = self.clock()
            with self.store.transaction() as db:
                request = self.store.get_request(request_id)
                if request is None or request.state not in OPEN or not is_expired(request.created_at, self.ttl, now):
                    continue
                self._close(db, request, Event.EXPIRE, "bot", now)
                expired.append(request_id)
        if expired:
            self.wake()
            log.info("expired %d request(s) past their TTL", len(expired))
        return expired

    # -- helpers --------------------------------------------------------------------------------

    def _load(self, request_id: str) -> ErasureRequest:
        request = self.store.get_request(request_id)
        if request is None:
            raise NotFound("I can't find that erase request. Start a new one with `/gong-erase`.")
        return request

    def _close(self, db: Database, request: ErasureRequest, event: Event, actor: str, now: float) -> None:
        """End an open request; once it was public, its message and thread are told."""
        decided_by = None if actor == "bot" else actor
        self.store.move(db, request, event, actor, now, decided_by=decided_by, decided_at=now)
        if request.state is State.PENDING:
            enqueue(db, Kind.REFRESH_PARENT, request.id, now)
            enqueue(db, Kind.THREAD_NOTE, request.id, now)

    def _refuse_if_closed(self, request: ErasureRequest, allowed: Collection[State], now: float) -> None:
        if request.state not in allowed:
            raise Refusal(explain_closed(request.state))
        if is_expired(request.created_at, self.ttl, now):
            # Expired a moment ago, after _expire_if_due looked: refuse now; the sweeper records it.
            raise Refusal(explain_closed(State.EXPIRED))

    def _expire_if_due(self, request_id: str) -> None:
        """Record an open request's expiry in its own transaction, so a refused click still leaves it expired."""
        now = self.clock()
        with self.store.transaction() as db:
            request = self.store.get_request(request_id)
            if request is not None and request.state in OPEN and is_expired(request.created_at, self.ttl, now):
                self._close(db, request, Event.EXPIRE, "bot", now)
                expired = True
            else:
                expired = False
        if expired:
            self.wake()
