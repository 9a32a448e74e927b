"""The App Home view stays within Slack's limits however many requests there are, and says what it left out."""

from __future__ import annotations

import dataclasses

from bot.domain.approval import ApprovalPolicy
from bot.domain.holdings import CrmRecords, Holdings
from bot.domain.request import ErasureRequest, State
from bot.render.home import home_view
from tests.fakes.blockkit import MAX_VIEW_BLOCKS, validate_blocks

POLICY = ApprovalPolicy(users=frozenset({"UA", "UB"}), groups=frozenset({"SPRIV"}), required=2)
BASE = ErasureRequest(
    id="ER-00000000", state=State.PENDING, identifier="+14255552671", masked="+1 ••• ••• 2671",
    display="+1 425-555-2671", country="United States", number_valid=True, reason="<!channel> " + "r" * 490,
    requester="UREQ", channel="C1", created_at=1_700_000_000.0, expires_at=1_700_086_400.0, required_approvals=2,
    preview=Holdings(calls=3, crm=(CrmRecords("Salesforce", 1, 2),)),
)  # fmt: skip


def many(count: int, **changes: object) -> list[ErasureRequest]:
    return [dataclasses.replace(BASE, id=f"ER-{i:08d}", **changes) for i in range(count)]  # type: ignore[arg-type]


def test_hundreds_of_requests_fit_in_one_view_with_a_more_hint() -> None:
    """Hundreds of requests fit Slack's 100-block view, with a hint at what was left out; nothing pings or leaks."""
    view = home_view("UA", many(300, state=State.SUBMITTED), many(250), policy=POLICY, now=1_700_000_100.0)
    assert view["type"] == "home"
    assert validate_blocks(view["blocks"], MAX_VIEW_BLOCKS) == []
    text = str(view["blocks"])
    assert "…and 230 more" in text and "Older ones: `/gong-erase list`" in text
    assert "<!channel>" not in text and "+14255552671" not in text and "4255552671" not in text


def test_approvers_get_working_buttons_and_others_only_their_own_list() -> None:
    """Approvers get Approve/Reject (Reject only, once they approved); others see only their own list."""
    approver = home_view("UA", [], many(2), policy=POLICY, now=1_700_000_100.0)
    actions = [b for b in approver["blocks"] if b["type"] == "actions"]
    assert [[e["action_id"] for e in b["elements"]] for b in actions] == [["erase_approve", "erase_reject"]] * 2
    assert all(e["value"].startswith("ER-") for b in actions for e in b["elements"])
    already = home_view("UA", [], many(1, approvals=("UA",)), policy=POLICY, now=1_700_000_100.0)
    assert [e["action_id"] for b in already["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "erase_reject"
    ]
    requester = home_view("UREQ", many(3), None, policy=POLICY, now=1_700_000_100.0)
    assert not [b for b in requester["blocks"] if b["type"] == "actions"]
    assert "*Waiting for approval*" not in str(requester["blocks"]) and "ER-00000002" in str(requester["blocks"])
    assert validate_blocks(requester["blocks"], MAX_VIEW_BLOCKS) == []
