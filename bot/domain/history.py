"""A request as its sealed audit rows tell it (pure): who asked, why, who approved or decided, what Gong said.

The audit log is the record an auditor trusts, because every row is sealed into the chain; the `requests` table is
a working copy anyone with the file could edit. So the export is built from this replay, and `audit verify`
compares the working copy against it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .audit import AuditEvent, AuditRow

__all__ = ["History", "ItemHistory", "replay"]

_DECISIONS = {AuditEvent.REJECT, AuditEvent.CANCEL, AuditEvent.EXPIRE}
_CHECKS = {AuditEvent.VERIFIED_ERASED, AuditEvent.STILL_HELD, AuditEvent.CHECK_FAILED}


@dataclass
class History:
    """What the sealed rows say of one request; `created` is False when no sealed row says it was ever made."""

    request_id: str
    created: bool = False
    requester: str = ""
    created_at: float | None = None
    facts: dict[str, Any] = field(default_factory=dict)  # what the `created` row sealed: reason, masked, kind, …
    state: str | None = None
    approvals: dict[str, float] = field(default_factory=dict)  # approver → when, in order
    decided_by: str | None = None
    decided_at: float | None = None
    gong_request_id: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)  # each gong_attempt's detail, in order
    failure: str | None = None
    checked_at: float | None = None
    items: dict[int, ItemHistory] = field(default_factory=dict)  # a batch's lines, by line number
    decision_reason: str | None = None  # what the approver who rejected it wrote

    def sealed(self, name: str) -> Any:
        """A fact the `created` row sealed, or None when it predates that fact being sealed."""
        return self.facts.get(name)


@dataclass
class ItemHistory:
    """One line of a batch as its sealed rows tell it: its answers from Gong and its outcome."""

    line: int
    outcome: str = "waiting"
    gong_request_id: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)  # gong_attempt details of this line
    calls: int = 0  # gong_call rows: calls that went out, answered or not
    failure: str | None = None
    checked_at: float | None = None


def replay(rows: Iterable[AuditRow]) -> dict[str, History]:
    """Every request's history from the audit rows, in the order they were sealed."""
    histories: dict[str, History] = {}
    for row in rows:
        if row.request_id is None:
            continue
        history = histories.setdefault(row.request_id, History(row.request_id))
        _apply(history, row)
    return histories


def _apply(history: History, row: AuditRow) -> None:
    line = row.detail.get("line")
    if isinstance(line, int):  # one item of a batch: its own history, never the batch's
        _apply_item(history.items.setdefault(line, ItemHistory(line)), row)
        return
    if row.to_state is not None and row.to_state != row.from_state:
        history.state = row.to_state  # a move; a note's states say where the request stood, and older notes
        # could name a state their writer had read before another process moved the request on
    event = row.event
    if event is AuditEvent.CREATED:
        history.created, history.requester, history.created_at = True, row.actor, row.at
        history.facts = dict(row.detail)
    elif event in {AuditEvent.APPROVAL, AuditEvent.APPROVE}:
        history.approvals.setdefault(row.actor, row.at)
        if event is AuditEvent.APPROVE:
            history.decided_at = row.at
    elif event in _DECISIONS:
        history.decided_by = None if row.actor == "bot" else row.actor
        history.decided_at = row.at
        history.decision_reason = row.detail.get("reason") or None
    elif event is AuditEvent.GONG_ATTEMPT:
        history.attempts.append(dict(row.detail))
    elif event is AuditEvent.GONG_ACCEPTED:
        history.gong_request_id = row.detail.get("gong_request_id") or _accepted_id(history.attempts)
        history.failure = None  # a batch's retry that went through
    elif event is AuditEvent.GONG_FAILED:
        history.failure = row.detail.get("failure")
        history.gong_request_id = row.detail.get("gong_request_id")
    elif event is AuditEvent.BATCH_READ:
        history.facts["items_digest"] = row.detail.get("items_digest")
    elif event is AuditEvent.RETRY:
        for item in history.items.values():
            if item.outcome == "failed":
                item.outcome, item.failure = "waiting", None
    if event in _CHECKS:
        history.checked_at = row.at


def _apply_item(item: ItemHistory, row: AuditRow) -> None:
    detail = row.detail
    if row.event is AuditEvent.GONG_CALL:
        item.calls += 1
    elif row.event is AuditEvent.GONG_ATTEMPT:
        item.attempts.append(dict(detail))
    elif row.event is AuditEvent.ITEM_FAILED:
        item.failure = detail.get("failure")
    elif row.event is AuditEvent.ITEM_CHECKED:
        item.checked_at = row.at
    if detail.get("outcome"):
        item.outcome = str(detail["outcome"])
        if row.event is not AuditEvent.ITEM_CHECKED:
            item.gong_request_id = detail.get("gong_request_id")


def _accepted_id(attempts: list[dict[str, Any]]) -> str | None:
    """Rows sealed before the acceptance carried its requestId: the last successful attempt's."""
    accepted = [a for a in attempts if isinstance(a.get("status"), int) and 200 <= a["status"] < 300]
    return accepted[-1].get("gong_request_id") if accepted else None
