"""What the audit log records: every kind of row, and a row as the rest of the bot reads it (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["AuditEvent", "AuditRow"]


class AuditEvent(StrEnum):
    """Every kind of row in the audit log: the moves (named as their Event), and what happened without one."""

    CREATED = "created"
    SUBMIT = "submit"
    APPROVE = "approve"  # the approval that decided
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"
    GONG_ACCEPTED = "gong_accepted"
    GONG_FAILED = "gong_failed"
    VERIFIED_ERASED = "verified_erased"
    STILL_HELD = "still_held"  # a move after the last check; a note when another check follows
    APPROVAL = "approval"  # one approval counted, not (yet) the deciding one
    POSTED = "posted"  # the approval message is in the channel
    PREVIEWED = "previewed"  # what Gong holds, looked up for the approvers
    GONG_CALL = "gong_call"  # an erase call about to be sent (written before it goes)
    GONG_ATTEMPT = "gong_attempt"  # what that call came back with
    CHECK_FAILED = "check_failed"  # a verification lookup that could not run; another follows
    REMINDED = "reminded"
    REVEALED = "revealed"  # an approver looked at the full identifier
    BUDGET_SPENT = "gong_budget_spent"  # the day's Gong allowance is used up; the erase waits
    PROOF_LOOKUP = "proof_lookup"  # someone asked what became of an identifier
    KEYS_ROTATED = "keys_rotated"  # live identifiers re-encrypted under a new data key
    HASH_KEY_ROTATED = "hash_key_rotated"  # the chain handed from the old hash key to the new (sealed by the old)
    RETRY = "retry"  # an approver sent a batch's failed items again (a move back to approved)
    BATCH_READ = "batch_read"  # a batch's list was read: how many items, duplicates, refused lines
    ITEM_CHECKED = "item_checked"  # one verification lookup of one item of a batch
    ITEM_FAILED = "item_failed"  # Gong did not accept one item of a batch (or we gave up on it)


@dataclass(frozen=True)
class AuditRow:
    """One sealed row of the log; `event` is a plain string only for rows older than this vocabulary."""

    id: int
    at: float
    request_id: str | None
    actor: str
    event: AuditEvent | str
    from_state: str | None
    to_state: str | None
    detail: dict[str, Any]
