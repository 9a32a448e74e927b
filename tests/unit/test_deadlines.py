"""Legal deadlines from the command's reason, shown with the days left, and reminders that escalate."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from bot.domain.approval import ApprovalPolicy
from bot.domain.deadlines import Deadline, Regime, find_deadline
from bot.domain.request import ErasureRequest, State, next_nudge
from bot.render import requests
from bot.render.words import due_text
from tests.refusing import words_of

NOW = datetime(2026, 11, 29, 15, 0, tzinfo=UTC).timestamp()
POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset())


@pytest.mark.parametrize(
    ("reason", "default", "received", "regime", "due"),
    [
        ("DSR-1 received:2026-11-20", Regime.GDPR, date(2026, 11, 20), Regime.GDPR, date(2026, 12, 20)),
        ("DSR-1 received:2026-11-20 CCPA", Regime.GDPR, date(2026, 11, 20), Regime.CCPA, date(2027, 1, 4)),
        ("GDPR request from the subject.", None, date(2026, 11, 29), Regime.GDPR, date(2026, 12, 29)),
    ],
)
def test_received_date_and_law_set_the_due_date(
    reason: str, default: Regime | None, received: date, regime: Regime, due: date
) -> None:
    """`received:` and the law (or the default law) give the due date."""
    deadline = find_deadline(reason, NOW, default)
    assert deadline == Deadline(received, regime) and deadline.due == due


def test_no_date_and_no_law_means_no_deadline() -> None:
    """A reason with neither a date nor a law has no deadline (a ticket number is not a date)."""
    assert find_deadline("DSR-1234 ticket 20261120", NOW, Regime.GDPR) is None


@pytest.mark.parametrize(
    ("reason", "default", "says"),
    [("received:2026-13-01", Regime.GDPR, "not a date"), ("received:yesterday", Regime.GDPR, "received:2026-11-29"),
     ("received:2026-12-01", Regime.GDPR, "in the future"), ("received:2026-11-01", None, "`gdpr`")],
)  # fmt: skip
def test_unusable_deadlines_are_refused_with_what_to_write(reason: str, default: Regime | None, says: str) -> None:
    """A bad or future date, or a date without a law when none is assumed: refused, saying what to write."""
    assert says in words_of(find_deadline, reason, NOW, default)


REQUEST = ErasureRequest(
    id="ER-ABCDEFGH", state=State.PENDING, identifier="+14255552671", masked="+1 ••• ••• 2671",
    display="+1 425-555-2671", country="United States", number_valid=True, reason="DSR", requester="UREQ",
    channel="C1", created_at=NOW, expires_at=NOW + 86400, required_approvals=1,
)  # fmt: skip


@pytest.mark.parametrize(
    ("received", "shows"),
    [(date(2026, 11, 20), "21 days left"), (date(2026, 10, 30), "*due today*"),
     (date(2026, 10, 19), ":rotating_light: *overdue by 11 days*")],
)  # fmt: skip
def test_messages_show_the_due_date_and_days_left(received: date, shows: str) -> None:
    """Open requests show the due date and days left; a finished one shows the date alone."""
    request = dataclasses.replace(REQUEST, deadline=Deadline(received, Regime.GDPR))
    text = due_text(request, NOW)
    assert text is not None and text.endswith(shows) and "GDPR" in text
    _, blocks = requests.approval_message(request, POLICY, NOW)
    assert shows in str(blocks)
    closed = dataclasses.replace(request, state=State.SUBMITTED)
    assert "left" not in str(due_text(closed, NOW)) and "overdue" not in str(due_text(closed, NOW))


@pytest.mark.parametrize(
    ("received", "nudges", "interval"),
    [(None, 3, 8.0), (date(2026, 11, 20), 3, 8.0), (date(2026, 11, 3), 3, 4.0), (date(2026, 11, 1), 3, 1.0),
     (date(2026, 10, 1), 5, 1.0)],
    ids=["no-deadline", "weeks-left", "within-a-week", "two-days", "overdue"],
)  # fmt: skip
def test_reminders_back_off_but_not_when_the_deadline_is_near(received: date | None, nudges: int,
                                                              interval: float) -> None:  # fmt: skip
    """Reminders double their interval, but not past 4x within a week of the deadline, nor at all within two days."""
    request = dataclasses.replace(REQUEST, deadline=Deadline(received, Regime.GDPR) if received else None)
    assert next_nudge(1.0, nudges, request, NOW) == interval
