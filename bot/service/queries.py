"""What people ask about requests: status, lists, proof lookups, a look at the full number, the auditor's export.

Who may see what is decided here; looks at a full identifier and proof lookups are written to the audit log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..adapters.store import Store
from ..domain.approval import ApprovalPolicy
from ..domain.audit import AuditEvent, AuditRow
from ..domain.batch import BatchItem, ItemOutcome
from ..domain.integrity import identifier_hash
from ..domain.request import ErasureRequest, State
from ..domain.target import Target, TargetKind, parse_erase_text
from ..errors import Closed, NotAllowed, Refusal, Why
from .decisions import approver_groups, load
from .ports import Directory

__all__ = ["BatchRecord", "Queries", "batch_records_for", "records_for"]

log = logging.getLogger(__name__)


class Queries:
    """Answers for the requester, the approvers and the auditor."""

    def __init__(
        self,
        store: Store,
        policy: ApprovalPolicy,
        directory: Directory,
        *,
        hash_key: str,
        older_hash_keys: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.policy = policy
        self.directory = directory
        self.hash_keys = (hash_key, *older_hash_keys)  # requests made before a rotation carry an older key's hash
        self.clock = clock

    def reveal(self, request_id: str, actor: str) -> tuple[ErasureRequest, list[BatchItem]]:
        """An approver asks to see the full identifier privately (one person's request: each of its identifiers
        still kept); who looked, and when, is audited. Only once the request is public: a draft is its requester's
        alone. A batch's identifiers are not shown in Slack: its list or file is where they are checked."""
        groups = self._groups_of(actor, deciding=True)
        with self.store.transaction() as tx:
            request = load(tx, request_id)
            if not self.policy.is_approver(actor, groups):
                raise NotAllowed(Why.NOT_APPROVER_REVEAL, kind=request.kind.value)
            if request.state is State.DRAFT:
                raise Closed(Why.CLOSED, state=request.state.value)
            if request.kind is TargetKind.BATCH:
                raise Refusal(Why.BATCH_NOT_SHOWN, request_id=request.id)
            items = tx.batch.items(request.id) if request.kind is TargetKind.SUBJECT else []
            kept = [item for item in items if item.identifier]
            if request.identifier_unreadable or (items and not kept and any(item.unreadable for item in items)):
                raise Refusal(Why.IDENTIFIER_UNREADABLE, request_id=request.id, kind=request.kind.value)
            if not (kept if items else request.identifier):
                raise Refusal(Why.IDENTIFIER_GONE, request_id=request.id, kind=request.kind.value)
            tx.note(request, AuditEvent.REVEALED, actor=actor, now=self.clock(),
                    detail={"identifiers": len(kept)} if items else None)  # fmt: skip
        log.info("request %s: %s looked at the full identifier(s)", request.id, actor)
        return request, kept

    def find_proof(self, text: str, actor: str) -> tuple[Target, list[ErasureRequest], list[BatchRecord]]:
        """Approvers ask what became of a number or address: found by its keyed hash, and audited."""
        if not self.policy.is_approver(actor, self._groups_of(actor, deciding=True)):
            raise NotAllowed(Why.NOT_APPROVER_LOOKUP)
        target = parse_erase_text(text).target
        found = self.records_for(target)
        in_batches = batch_records_for(self.store, self.hash_keys, target)
        with self.store.transaction() as tx:
            tx.note(None, AuditEvent.PROOF_LOOKUP, actor=actor, now=self.clock(),
                    detail={"masked": target.masked, "found": len(found) + len(in_batches)})  # fmt: skip
        return target, found, in_batches

    def records_for(self, target: Target) -> list[ErasureRequest]:
        """Every request ever made for this identifier (see records_for)."""
        return records_for(self.store, self.hash_keys, target)

    def status(self, request_id: str, actor: str) -> tuple[ErasureRequest, list[AuditRow]]:
        """A request and its history, for its requester or an approver (groups are only asked if needed)."""
        request = load(self.store, request_id)
        if actor != request.requester and not self.policy.is_approver(actor, self._groups_of(actor, deciding=False)):
            raise NotAllowed(Why.NOT_ALLOWED_STATUS)
        return request, self.store.audit_trail(request_id)

    def item_counts(self, request: ErasureRequest) -> dict[ItemOutcome, int] | None:
        """Where a batch's items stand; None for a single request."""
        return self.store.batch.counts(request.id) if request.kind.has_items else None

    def items_listed(self, request: ErasureRequest) -> list[BatchItem]:
        """One person's identifiers (ten at most), to list in a status; none for a batch or a single request."""
        return self.store.batch.items(request.id) if request.kind is TargetKind.SUBJECT else []

    def overview(self, actor: str, limit: int = 15) -> tuple[list[ErasureRequest], list[ErasureRequest] | None]:
        """Your latest requests, and for approvers every request waiting for approval; newest first."""
        mine = self.store.requests_of(actor, limit)
        approver = self.policy.is_approver(actor, self._groups_of(actor, deciding=False))
        return mine, self.store.pending_requests(limit) if approver else None

    def _groups_of(self, actor: str, *, deciding: bool) -> frozenset[str]:
        return approver_groups(self.policy, self.directory, actor, deciding=deciding)


def records_for(store: Store, hash_keys: tuple[str, ...], target: Target) -> list[ErasureRequest]:
    """Every request ever made for this identifier, found by its keyed hash under the current hash key or an older
    one, oldest first (no access check: the audit command line has the database and the keys already)."""
    found = {request.id: request for key in hash_keys
             for request in store.find_by_hash(identifier_hash(key, target.kind, target.identifier))}  # fmt: skip
    return sorted(found.values(), key=lambda request: request.created_at)


BatchRecord = tuple[ErasureRequest, BatchItem]  # a batch, and the line of it that was for the identifier


def batch_records_for(store: Store, hash_keys: tuple[str, ...], target: Target) -> list[BatchRecord]:
    """Every line of a batch ever listed for this identifier, by its keyed hash (as records_for), oldest first."""
    hashes = {identifier_hash(key, target.kind, target.identifier) for key in hash_keys}
    found = []
    for item in (item for value in hashes for item in store.batch.find_by_hash(value)):
        batch = store.get_request(item.batch_id)
        if batch is not None:
            found.append((batch, item))
    return sorted(found, key=lambda pair: (pair[0].created_at, pair[1].line))
