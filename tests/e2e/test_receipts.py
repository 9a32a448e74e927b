"""Receipts by DM: the requester hears in the app's Messages tab what became of their request — submitted,
approved by whom, rejected with the reason, expired, accepted by Gong (requestId), failed — masked, with a link to
the thread; none when GONG_ERASE_DM_RECEIPTS=false."""

from __future__ import annotations

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import FakeSlack
from tests.support import APPROVER, CHANNEL, REQUESTER, SignedSlack, button_value, fresh_number, submit_request


def dms(slack: FakeSlack, request_id: str) -> list[str]:
    return [m.all_text for m in slack.posts(REQUESTER) if request_id in m.all_text]


def test_the_requester_hears_each_outcome_by_dm_masked_with_a_link(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Accepted: submitted, approved by, Gong's requestId, then verified. Rejected: the reason. Failed: why. Expired:
    said."""
    bot = start_bot(GONG_ERASE_REQUEST_TTL="4", GONG_ERASE_VERIFY_AFTER="1s")
    user = SignedSlack(bot.url, fake_slack)
    (typed, e164), (rejected_typed, _), (failed_typed, failed_e164) = fresh_number(), fresh_number(), fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    said = fake_slack.wait_for(lambda: len(dms(fake_slack, request_id)) >= 3 and dms(fake_slack, request_id),
                               what="three receipts")  # fmt: skip
    assert "posted for approval" in said[0] and "approved by <@UAPPROVER1>" in said[1]
    assert "Gong accepted" in said[2] and "requestId" in said[2]
    assert f"https://slack.com/archives/{CHANNEL}/p{parent.ts.replace('.', '')}" in said[2]
    assert all(e164 not in text and e164[2:] not in text for text in said)
    verified = fake_slack.wait_for(lambda: [t for t in dms(fake_slack, request_id) if "Verified" in t], timeout=15,
                                   what="the verification receipt")  # fmt: skip
    assert "holds nothing" in verified[0]

    rejected = submit_request(user, rejected_typed)
    rejected_id = button_value(rejected.blocks, "erase_reject")
    user.reject(rejected_id, APPROVER, "DSR-3 belongs to someone else", message_ts=rejected.ts)
    told = fake_slack.wait_for(lambda: [t for t in dms(fake_slack, rejected_id) if "rejected" in t], what="reject")
    assert "DSR-3 belongs to someone else" in told[0]

    fake_gong.script(failed_e164, Reply(400, {"errors": ["Abnormal deletion"]}))
    failed = submit_request(user, failed_typed)
    failed_id = button_value(failed.blocks, "erase_approve")
    user.click("erase_approve", failed_id, APPROVER, message_ts=failed.ts)
    assert fake_slack.wait_for(lambda: [t for t in dms(fake_slack, failed_id) if "failed" in t], what="failure")

    expiring = submit_request(user, fresh_number()[0], preview=False)
    expiring_id = button_value(expiring.blocks, "erase_approve")
    told = fake_slack.wait_for(lambda: [t for t in dms(fake_slack, expiring_id) if "expired" in t], timeout=20,
                               what="the expiry receipt")  # fmt: skip
    assert "Nothing was sent to Gong" in told[0]


def test_no_receipts_when_turned_off(start_bot: BotFactory, fake_slack: FakeSlack) -> None:
    """GONG_ERASE_DM_RECEIPTS=false: the flow is the same, and no DM is sent."""
    bot = start_bot(GONG_ERASE_DM_RECEIPTS="false")
    user = SignedSlack(bot.url, fake_slack)
    parent = submit_request(user, fresh_number()[0])
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="the outcome")
    assert dms(fake_slack, request_id) == []
