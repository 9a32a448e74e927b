"""Bulk erasure's use cases: a batch received from the modal, the failed items sent again, and what a batch looks
like to the people who follow it. A batch is a request (kind BATCH, id `EB-…`): submit, approve, reject, cancel and
expire are the single request's own decisions (service.decisions), with their rules, races and one-decision
guarantee; only what is a batch's own lives here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..adapters.store import Store, Tx
from ..domain.audit import AuditEvent
from ..domain.batch import (
    BatchFacts,
    BatchLine,
    BatchView,
    Intake,
    ItemOutcome,
    Refused,
    item_facts,
    scrub_batch_reason,
)
from ..domain.deadlines import find_deadline
from ..domain.integrity import identifier_hash, items_digest
from ..domain.jobs import Kind, NewJob
from ..domain.phones import check_reason_length
from ..domain.request import ErasureRequest, Event, State
from ..domain.subject import SubjectCommand
from ..domain.target import Target, TargetKind
from ..domain.text import clean
from ..errors import Closed, InputRejected, NotAllowed, NotFound, Refusal, Why
from ..render.batches import refused_words
from .decisions import Decisions, draft_already_made, load, new_request_id

__all__ = ["Batches", "BulkForm", "view_of"]

log = logging.getLogger(__name__)

SHOWN_FAILURES = 20  # failed items named in the summary; the results file has them all
RETRIED_STATES = frozenset({State.SUBMITTED, State.FAILED, State.VERIFIED, State.UNVERIFIED})


@dataclass(frozen=True)
class BulkForm:
    """What the bulk modal's submission holds: the pasted list, the file, the reason, and where it came from."""

    pasted: str
    file_url: str | None
    file_name: str | None
    reason: str
    channel: str
    view_id: str  # one submission, however often Slack delivers it


def view_of(store: Store | Tx, request: ErasureRequest, *, rate: float, checks: int) -> BatchView:
    """What the messages of a batch need, read in one go."""
    records = store.batch
    facts = records.facts(request.id) or BatchFacts(id=request.id)
    sample = records.items(request.id, [ItemOutcome.WAITING, ItemOutcome.ACCEPTED, ItemOutcome.VERIFIED,
                                        ItemOutcome.UNVERIFIED, ItemOutcome.FAILED], limit=5)  # fmt: skip
    failures = records.items(request.id, [ItemOutcome.FAILED], limit=SHOWN_FAILURES)
    every = tuple(records.items(request.id)) if request.kind is TargetKind.SUBJECT else ()
    return BatchView(request, facts, records.counts(request.id), tuple(item.masked for item in sample),
                     tuple(failures), rate, 1.0 + checks, every)  # fmt: skip


class Batches:
    """The use cases only a batch has; the decisions it shares with a single request are `decisions`'."""

    def __init__(self, decisions: Decisions, *, retry_window: float) -> None:
        self.decisions = decisions
        self.store = decisions.store
        self.retry_window = retry_window  # how long after a batch ended its failed items may be sent again
        self._forget_at = 0.0

    def receive(self, form: BulkForm, *, requester: str, team: str) -> ErasureRequest:
        """A draft batch, to be read by a job (a file is fetched from Slack, which may take longer than Slack lets
        a modal wait); a repeated delivery of one submission gives the same batch. InputRejected when there is
        nothing to read or the reason will not do (the modal shows it beside the field)."""
        if not form.pasted.strip() and not form.file_url:
            raise InputRejected(Why.BATCH_EMPTY)
        reason = scrub_batch_reason(clean(form.reason).strip())
        if not reason:
            raise InputRejected(Why.BATCH_NEEDS_REASON)
        check_reason_length(reason)
        d = self.decisions
        d.rules.check_reason(reason)
        now = d.clock()
        deadline = find_deadline(reason, now, d.rules.default_regime)
        with self.store.transaction() as tx:
            existing = draft_already_made(tx, d.rules, form.view_id, requester, now)
            if existing is not None:
                return existing
            request = ErasureRequest(
                id=new_request_id("EB-"), state=State.DRAFT, kind=TargetKind.BATCH, identifier=None,
                masked="a batch", display=None, country="", number_valid=True, reason=reason, deadline=deadline,
                requester=requester, channel=form.channel, created_at=now, expires_at=now + d.ttl,
                required_approvals=d.policy.required,
            )  # fmt: skip
            tx.insert_request(request, trigger_id=form.view_id, team=team)
            tx.batch.open(request.id, pasted=form.pasted, file_url=form.file_url, file_name=form.file_name)
            tx.enqueue(NewJob(Kind.BATCH_INTAKE, request.id, now), now)
        d.wake()
        log.info(
            "batch %s received from %s (%s)",
            request.id,
            requester,
            "list and file" if form.pasted.strip() and form.file_url else "file" if form.file_url else "list",
        )
        return request

    def start_subject(
        self, command: SubjectCommand, *, requester: str, channel: str, team: str, trigger_id: str
    ) -> ErasureRequest:
        """One person's several identifiers: a private draft, as for one (a repeated delivery of the command gives
        the same draft); each identifier an item, sealed for its own row, the refused ones kept by position."""
        d = self.decisions
        d.rules.check_reason(command.reason)
        now = d.clock()
        deadline = find_deadline(command.reason, now, d.rules.default_regime)
        masked = ", ".join(target.masked for target in command.targets)
        intake = Intake(tuple(BatchLine(n, target) for n, target in enumerate(command.targets, start=1)),
                        tuple(Refused(len(command.targets) + n, r.masked, r.refusal)
                              for n, r in enumerate(command.refused, start=1)), command.duplicates)  # fmt: skip

        def hash_of(target: Target) -> str | None:
            return identifier_hash(d.hash_key, target.kind, target.identifier) if d.hash_key else None

        with self.store.transaction() as tx:
            existing = draft_already_made(tx, d.rules, trigger_id, requester, now)
            if existing is not None:
                return existing
            request = ErasureRequest(
                id=new_request_id(), state=State.DRAFT, kind=TargetKind.SUBJECT, identifier=None,
                masked=masked[:300], display=None, country="", number_valid=all(t.valid for t in command.targets),
                reason=command.reason, deadline=deadline, requester=requester, channel=channel, created_at=now,
                expires_at=now + d.ttl, required_approvals=d.policy.required,
            )  # fmt: skip
            tx.insert_request(request, trigger_id=trigger_id, team=team)
            tx.batch.open(request.id, pasted="", file_url=None, file_name=None)
            tx.batch.record_intake(request.id, intake, hash_of, refused_words, now)
            sealed = items_digest(item_facts(tx.batch.items(request.id)))
            tx.note(
                request,
                AuditEvent.BATCH_READ,
                actor=requester,
                now=now,
                detail={"items": len(intake.items), "refused": len(intake.refused), "items_digest": sealed},
            )
        log.info("request %s drafted by %s for one person's %d identifiers", request.id, requester,
                 len(command.targets))  # fmt: skip
        return request

    def retry_failed(self, batch_id: str, actor: str) -> int:
        """An approver sends the failed items again, without another approval (it was given for every item);
        audited as a move back to approved. How many items go again."""
        d = self.decisions
        groups = d.groups_of(actor)
        now = d.clock()
        with self.store.transaction() as tx:
            batch = load(tx, batch_id)
            if not batch.kind.has_items:
                raise NotFound(Why.UNKNOWN_REQUEST)
            if not d.policy.is_approver(actor, groups):
                raise NotAllowed(Why.NOT_APPROVER_RETRY)
            if batch.state not in RETRIED_STATES:
                raise Closed(Why.CLOSED, state=batch.state.value)
            again = tx.batch.retry_failed(batch_id, now)
            if not again:
                raise Refusal(Why.NOTHING_TO_RETRY)
            tx.move(batch, Event.RETRY, actor=actor, now=now, detail={"items": again})  # which redraws the message
            facts = tx.batch.facts(batch_id)
            tx.batch.set_facts(batch_id, progress_at=now, ended_at=None, retries=(facts.retries if facts else 0) + 1)
            first = tx.batch.next_waiting(batch_id)
            tx.enqueue(NewJob(Kind.ITEM_ERASE, batch_id, now, {"line": first}), now)
        d.wake()
        log.info("batch %s: %d failed item(s) sent again by %s", batch_id, again, actor)
        return again

    def forget_failed(self) -> int:
        """Past the retry window, failed items' identifiers go (a housekeeping chore: a write at most a minute)."""
        now = self.decisions.clock()
        if now < self._forget_at:
            return 0
        self._forget_at = now + 60.0
        with self.store.transaction() as tx:
            wiped = tx.batch.wipe_failed(self.decisions.clock() - self.retry_window)
        if wiped:
            log.info("forgot the identifiers of %d failed batch item(s) past the retry window", wiped)
        return wiped
