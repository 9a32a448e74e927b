"""Block Kit builders: within Slack's limits, escaped, and never the full number in public."""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest

from bot.domain.approval import ApprovalPolicy
from bot.domain.holdings import CrmRecords, Holdings
from bot.domain.phones import parse_number
from bot.domain.request import ErasureRequest, State
from bot.render import notes
from bot.render import requests as messages
from bot.render.blocks import plain_fallback
from tests.fakes.blockkit import validate_blocks

NUMBER = parse_number("+1 425 555 2671")
POLICY = ApprovalPolicy(users=frozenset({"UA", "UB"}), groups=frozenset({"SPRIV"}), required=2)
REQUEST = ErasureRequest(
    id="ER-ABCDEFGH", state=State.PENDING, identifier=NUMBER.e164, masked=NUMBER.masked,
    display=NUMBER.international, country=NUMBER.country, number_valid=True, reason="DSR-1234",
    requester="UREQ", channel="C1", created_at=1_700_000_000.0, expires_at=1_700_086_400.0, required_approvals=2,
)  # fmt: skip
WORST_REASON = ("<!channel> <https://evil.example|click me> & " * 20)[:500]


# as much as Gong could report: many CRM systems, long masked values
HUGE = Holdings(
    calls=10**6, emails=10**6, meetings=10**6, engagements=10**6,
    crm=tuple(CrmRecords("<!channel> System " + "x" * 40, 10**4, 10**4) for _ in range(200)),
    matching_number_count=500, email_address_count=500,
    matching_numbers=("+1 ••• ••• 2671",) * 5, email_addresses=("<!here>•••@" + "d" * 200 + ".com",) * 5,
)  # fmt: skip


def every_public_message(request: ErasureRequest) -> list[tuple[str, list[dict[str, object]]]]:
    """Every state's message and thread notes, with every kind of preview and check result."""
    built = []
    for state, (preview, error) in itertools.product(State, [(None, None), (Holdings(), None), (HUGE, None),
                                                            (None, "x" * 3000)]):  # fmt: skip
        variant = dataclasses.replace(
            request, state=state, decided_by="UB", gong_request_id="req-1", failure="Gong refused (400).",
            gong_errors=("x" * 500,) * 10, approvals=("UA", "UB"), preview=preview, preview_error=error,
            remaining=preview, checked_at=1_700_000_000.0, next_check_at=1_700_100_000.0,
        )  # fmt: skip
        built += [messages.approval_message(variant, POLICY), notes.thread_note(variant),
                  notes.check_note(variant, error), notes.reminder(variant, POLICY, 3)]  # fmt: skip
    return built


@pytest.mark.parametrize("reason", ["DSR-1234", "", WORST_REASON])
def test_public_messages_stay_within_block_kit_limits(reason: str) -> None:
    """Every state's approval message and thread note pass the Block Kit limits, even with the longest reason."""
    for text, blocks in every_public_message(dataclasses.replace(REQUEST, reason=reason)):
        assert validate_blocks(blocks) == []
        assert len(text) <= 40_000
        assert "<!channel>" not in json.dumps(blocks) and "<!here>" not in json.dumps(blocks)  # nothing pings


def test_public_messages_never_contain_the_full_number() -> None:
    """Only the mask is public: neither E.164 nor the national digits appear."""
    for text, blocks in every_public_message(REQUEST):
        public = text + json.dumps(blocks, ensure_ascii=False)
        assert NUMBER.e164 not in public and "4255552671" not in public and "425-555" not in public
        if "ER-ABCDEFGH" in text and "Gong erase request" in text:
            assert "+1 ••• ••• 2671" in public


def test_reason_is_escaped_so_it_cannot_ping_or_spoof_links() -> None:
    """<!channel> and <url|label> in a reason are shown as text, not as a ping or a link."""
    _, blocks = messages.approval_message(dataclasses.replace(REQUEST, reason=WORST_REASON), POLICY)
    public = json.dumps(blocks)
    assert "<!channel>" not in public and "<https://evil" not in public
    assert "&lt;!channel&gt;" in public and "&amp;" in public


def test_gong_errors_are_escaped_in_the_thread() -> None:
    """Gong's error text is escaped in the thread, so it cannot ping a channel."""
    failed = dataclasses.replace(REQUEST, state=State.FAILED, failure="x", gong_errors=("<!here> boom",))
    _, blocks = notes.thread_note(failed)
    assert "&lt;!here&gt; boom" in json.dumps(blocks) and "<!here>" not in json.dumps(blocks)


def test_pending_message_has_its_buttons_carrying_only_the_request_id() -> None:
    """Approve (with a confirm dialog), Reject, Show number and Cancel; every value is the request id."""
    _, blocks = messages.approval_message(REQUEST, POLICY)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["erase_approve", "erase_reject", "erase_show_number", "erase_cancel"]
    assert {b["value"] for b in buttons} == {"ER-ABCDEFGH"}
    assert "confirm" in buttons[0] and buttons[1]["style"] == "danger"


@pytest.mark.parametrize("state", sorted(set(State) - {State.PENDING}))
def test_decided_messages_have_no_buttons(state: State) -> None:
    """Once decided, the approval message has no buttons left."""
    _, blocks = messages.approval_message(dataclasses.replace(REQUEST, state=state, decided_by="UB"), POLICY)
    assert not [b for b in blocks if b["type"] == "actions"]


def test_confirmation_shows_the_full_number_and_warns_about_invalid_numbers() -> None:
    """The requester's private confirmation has E.164, what Gong deletes, and a warning for invalid numbers."""
    _, blocks = messages.confirmation(REQUEST)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "+14255552671" in text and "United States" in text and "cannot be undone" in text
    assert "possible but not valid" not in text
    _, blocks = messages.confirmation(dataclasses.replace(REQUEST, number_valid=False))
    assert "possible but not valid" in json.dumps(blocks)
    assert validate_blocks(blocks) == []


def test_validator_rejects_what_slack_rejects() -> None:
    """The fake's validator is strict: too many blocks, long texts, long button labels, repeated action_ids."""
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert validate_blocks([section] * 51)
    assert validate_blocks([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert validate_blocks([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}])
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}, "value": "v"}
    assert validate_blocks([{"type": "actions", "elements": [button]}])
    ok = dict(button, text={"type": "plain_text", "text": "ok"})
    assert validate_blocks([{"type": "actions", "elements": [ok, ok]}])
    assert validate_blocks([{"type": "actions", "elements": [ok]}]) == []


def test_plain_fallback_keeps_every_word_of_every_message_and_no_number() -> None:
    """When Slack refuses our blocks the words still go out: status, mask, requestId; never the full number."""
    for _, blocks in every_public_message(dataclasses.replace(REQUEST, reason=WORST_REASON)):
        plain = plain_fallback(blocks)
        assert 0 < len(plain) <= 3000
        assert NUMBER.e164 not in plain and "4255552671" not in plain
    submitted = dataclasses.replace(REQUEST, state=State.SUBMITTED, gong_request_id="req-42", approvals=("UA",))
    _, parent = messages.approval_message(submitted, POLICY)
    plain = plain_fallback(parent)
    assert "Gong erase request ER-ABCDEFGH" in plain and "+1 ••• ••• 2671" in plain and "req-42" in plain
    assert "*Requested by*: <@UREQ>" in plain
