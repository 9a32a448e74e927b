"""A request's history replayed from its sealed audit rows: what the export shows and `audit verify` trusts."""

from __future__ import annotations

from bot.domain.audit import AuditEvent, AuditRow
from bot.domain.history import replay

_ids = iter(range(1, 1000))


def row(event: AuditEvent, actor: str, states: tuple[str | None, str | None], **detail: object) -> AuditRow:
    n = next(_ids)
    return AuditRow(id=n, at=1000.0 + n, request_id="ER-1", actor=actor, event=event, from_state=states[0],
                    to_state=states[1], detail=dict(detail))  # fmt: skip


def test_a_request_is_told_from_creation_through_approvals_to_gongs_answer() -> None:
    """Who asked, who approved in order, who decided, the state reached and Gong's requestId."""
    history = replay([
        row(AuditEvent.CREATED, "UREQ", (None, "draft"), reason="DSR-1"),
        row(AuditEvent.SUBMIT, "UREQ", ("draft", "pending")),
        row(AuditEvent.APPROVAL, "UA", ("pending", "pending")),
        row(AuditEvent.APPROVAL, "UB", ("pending", "pending")),
        row(AuditEvent.APPROVE, "UB", ("pending", "approved")),
        row(AuditEvent.GONG_ATTEMPT, "gong", ("approved", "approved"), status=200, gong_request_id="G-7"),
        row(AuditEvent.GONG_ACCEPTED, "gong", ("approved", "submitted")),
    ])["ER-1"]  # fmt: skip
    assert history.created and history.requester == "UREQ" and history.sealed("reason") == "DSR-1"
    assert list(history.approvals) == ["UA", "UB"] and history.state == "submitted"
    assert history.gong_request_id == "G-7"


def test_a_note_naming_a_state_read_before_a_move_does_not_turn_the_request_back() -> None:
    """A reminder or preview written by a process that read the request while pending, sealed after another
    process rejected it: the history stays rejected (only moves change the state)."""
    history = replay([
        row(AuditEvent.CREATED, "UREQ", (None, "draft")),
        row(AuditEvent.SUBMIT, "UREQ", ("draft", "pending")),
        row(AuditEvent.REJECT, "UB", ("pending", "rejected")),
        row(AuditEvent.REMINDED, "bot", ("pending", "pending")),
        row(AuditEvent.PREVIEWED, "bot", ("pending", "pending")),
    ])["ER-1"]  # fmt: skip
    assert history.state == "rejected" and history.decided_by == "UB"
