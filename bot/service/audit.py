"""What an auditor asks of the log: is it whole (verify), what does it say (export), and the daily checkpoint of
its head posted outside the database, where whoever can rewrite the file cannot reach it."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..adapters.store import Store
from ..domain.batch import BatchItem, ItemOutcome, item_facts
from ..domain.history import History, ItemHistory, replay
from ..domain.integrity import items_digest
from ..domain.request import ErasureRequest, State
from ..errors import SlackError
from ..render.reports import audit_checkpoint
from .ports import Slack

__all__ = ["EXPORT_COLUMNS", "Checkpoints", "Verdict", "export", "verify"]

log = logging.getLogger(__name__)

EXPORT_COLUMNS = (
    "request_id", "kind", "masked", "identifier_hash", "state", "outcome", "requested_at", "requester", "reason",
    "required_approvals", "approvers", "approved_at", "decided_by", "decided_at", "gong_request_id",
    "gong_attempts", "gong_attempt_request_ids", "failure", "verification", "checked_at", "next_check_at",
    "regime", "received_on", "due_on", "batch_id", "line", "decision_reason",
)  # fmt: skip
_OUTCOMES = {
    "draft": "not submitted", "pending": "waiting for approval", "approved": "approved, erase pending",
    "submitted": "erase accepted by Gong", "verified": "erase accepted by Gong", "unverified": "erase accepted by Gong",
    "failed": "erase failed", "rejected": "rejected", "cancelled": "cancelled", "expired": "expired",
}  # fmt: skip
_UNAPPROVED = {"draft", "pending", "rejected", "cancelled", "expired"}
_HEAD = re.compile(r"(\d+):([0-9a-f]{12,64})")


@dataclass(frozen=True)
class Verdict:
    """What `audit verify` found: how many rows it walked, and every problem in words (none: intact)."""

    checked: int
    problems: tuple[str, ...]


def verify(store: Store, head: str | None = None) -> Verdict:
    """The log's guards, its chain, a head posted outside it, and the working table against the sealed rows."""
    with store.database.snapshot():  # one moment of a live database, so a request moving meanwhile is no finding
        missing = store.audit_guards_missing()
        if missing == ["the audit table"]:
            return Verdict(0, ("there is no audit table: it was dropped, or this is not the bot's database",))
        problems = []
        checked, broken = store.verify_audit()
        if broken is not None:
            where = f"at row {broken.row_id}" if broken.row_id is not None else "at the end"
            problems.append(f"{where}: {broken.problem}")
        problems += [f"the append-only trigger {name} is gone: someone with write access dropped it"
                     for name in missing]  # fmt: skip
        if head is not None:
            problems += _head_problems(store, head)
        histories = replay(store.audit_rows())
        for request in store.all_requests():
            problems += _disagreements(request, histories.get(request.id), store.approval_times(request.id))
            if request.kind.has_items:
                problems += _batch_disagreements(store, request, histories.get(request.id))
    return Verdict(checked, tuple(problems))


def export(store: Store, since: float) -> list[dict[str, object]]:
    """One row per request made since `since`, from the sealed audit rows (not from the working table, which
    anyone with the file could edit): people, times, Gong's ids, outcome; the identifier only masked, with its
    keyed hash. Rows sealed before a fact was sealed (a reason, say) take it from the working table."""
    histories = replay(store.audit_rows())
    records = []
    for request in store.requests_since(since):
        history = histories.get(request.id)
        if history is None or not history.created:
            continue  # nothing sealed says this request was ever made: `audit verify` reports it
        record = _record(request, history)
        if request.kind.has_items:
            records += [_item_record(record, item, history) for item in store.batch.items(request.id)]
        else:
            records.append(record)
    return records


class Checkpoints:
    """Once a day, the head of the chain (row number and seal) posted to GONG_ERASE_AUDIT_CHANNEL."""

    def __init__(self, store: Store, slack: Slack, channel: str, *, owner: str, clock: Callable[[], float] = time.time):
        self.store = store
        self.slack = slack
        self.channel = channel
        self.owner = owner
        self.clock = clock

    def post_if_due(self) -> None:
        """Post today's checkpoint unless a process of this deployment already did (or is doing) it."""
        now = self.clock()
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        head = self.store.audit_head()
        if head is None or not self.store.claim_checkpoint(day, self.owner, now):
            return
        head_id, head_hash, rows = head
        text, blocks = audit_checkpoint(day, head_id=head_id, head_hash=head_hash, rows=rows)
        try:
            ts = self.slack.post_message(self.channel, text, blocks)
        except SlackError as exc:
            log.warning("could not post the audit checkpoint to %s (%s); trying again later", self.channel, exc.code)
            return
        self.store.checkpoint_posted(day, head_id, head_hash, ts)
        log.info("audit checkpoint for %s posted: #%d sealed %s", day, head_id, head_hash[:16])


def _head_problems(store: Store, head: str) -> list[str]:
    match = _HEAD.fullmatch(head.strip().lower())
    if not match:
        return [f"--head {head!r} is not ROW:SEAL (a row number, a colon, at least 12 hex digits of its seal)"]
    row_id, seal = int(match.group(1)), match.group(2)
    found = store.audit_seal(row_id)
    if found is None:
        return [f"row {row_id}, a head posted outside the database, is gone: the log was cut back past it"]
    if not found.startswith(seal):
        return [f"row {row_id} no longer carries the seal posted outside the database: the log was rewritten"]
    return []


def _disagreements(request: ErasureRequest, history: History | None, approved: dict[str, float]) -> list[str]:
    """Where the working table says something the sealed rows do not."""
    if history is None or not history.created:
        return [f"request {request.id} has no sealed row saying it was made: it was added to the table by hand"]
    said = {
        "state": (request.state.value, history.state),
        "requester": (request.requester, history.requester),
        "approvers": (sorted(approved), sorted(history.approvals)),
        "decided by": (request.decided_by, history.decided_by),
        "Gong requestId": (request.gong_request_id, history.gong_request_id),
    }
    if history.sealed("reason") is not None:
        said["reason"] = (request.reason, history.sealed("reason"))
    return [
        f"request {request.id}: the table says {name} {table!r}, the sealed log says {log_says!r}"
        for name, (table, log_says) in said.items()
        if table != log_says
    ]


def _record(request: ErasureRequest, history: History) -> dict[str, object]:
    state = history.state or request.state.value
    ids = [str(a["gong_request_id"]) for a in history.attempts if a.get("gong_request_id")]
    verification = {"verified": "verified erased", "unverified": "not verified"}.get(state)
    if verification is None and state == State.SUBMITTED.value:
        verification = "check scheduled" if request.next_check_at else "not checked"

    def sealed_or_table(name: str, table: object) -> object:
        value = history.sealed(name)
        return table if value is None else value

    deadline = request.deadline
    return {
        "request_id": request.id, "kind": sealed_or_table("kind", request.kind.value),
        "masked": sealed_or_table("masked", request.masked),
        "identifier_hash": sealed_or_table("identifier_hash", request.identifier_hash) or "", "state": state,
        "outcome": _OUTCOMES.get(state, state), "requested_at": _iso(history.created_at),
        "requester": history.requester, "reason": sealed_or_table("reason", request.reason),
        "required_approvals": sealed_or_table("required_approvals", request.required_approvals),
        "approvers": ";".join(history.approvals),
        "approved_at": _iso(max(history.approvals.values())) if history.approvals and state not in _UNAPPROVED
        else "",
        "decided_by": history.decided_by or "", "decided_at": _iso(history.decided_at),
        "gong_request_id": history.gong_request_id or "", "gong_attempts": len(history.attempts),
        "gong_attempt_request_ids": ";".join(ids), "failure": history.failure or "",
        "verification": verification or "", "checked_at": _iso(history.checked_at),
        "next_check_at": _iso(request.next_check_at),
        "regime": sealed_or_table("regime", deadline.regime.value if deadline else "") or "",
        "received_on": sealed_or_table("received_on", deadline.received.isoformat() if deadline else "") or "",
        "due_on": deadline.due.isoformat() if deadline else "", "batch_id": "", "line": "",
        "decision_reason": history.decision_reason or "",
    }  # fmt: skip


def _batch_disagreements(store: Store, batch: ErasureRequest, history: History | None) -> list[str]:
    """A batch's items against the digest sealed when its list was read."""
    items = store.batch.items(batch.id)
    sealed = history.sealed("items_digest") if history else None
    if sealed is None:
        return [f"batch {batch.id} has items but no sealed row saying its list was read"] if items else []
    if items_digest(item_facts(items)) != sealed:
        return [
            f"batch {batch.id}: its items are not the ones sealed when its list was read (edited, added or removed)"
        ]
    return []


def _item_record(batch: dict[str, object], item: BatchItem, history: History) -> dict[str, object]:
    """One line of a batch for the export: the batch's people and times, the item's own facts (the working table's
    mask and hash, which `audit verify` checks against the sealed digest) and its sealed answers from Gong."""
    sealed = history.items.get(item.line, ItemHistory(item.line))
    state = "refused" if item.outcome is ItemOutcome.REFUSED else sealed.outcome
    if batch["state"] in _UNAPPROVED and state == "waiting":
        state = "not sent"
    ids = [str(a["gong_request_id"]) for a in sealed.attempts if a.get("gong_request_id")]
    return batch | {
        "request_id": f"{item.batch_id}#{item.line}", "kind": item.kind.value if state != "refused" else "",
        "masked": item.masked, "identifier_hash": item.identifier_hash or "", "state": state,
        "outcome": _ITEM_OUTCOMES.get(state, state), "gong_request_id": sealed.gong_request_id or "",
        "gong_attempts": sealed.calls, "gong_attempt_request_ids": ";".join(ids),
        "failure": sealed.failure or (item.error if state == "refused" else ""),
        "verification": {"verified": "verified erased", "unverified": "not verified"}.get(state, ""),
        "checked_at": _iso(sealed.checked_at), "batch_id": item.batch_id, "line": item.line,
    }  # fmt: skip


_ITEM_OUTCOMES = {
    "waiting": "approved, erase pending", "accepted": "erase accepted by Gong", "verified": "erase accepted by Gong",
    "unverified": "erase accepted by Gong", "failed": "erase failed", "refused": "refused when the list was read",
    "not sent": "not sent: the batch was not approved",
}  # fmt: skip


def _iso(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else ""
