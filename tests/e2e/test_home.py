"""The App Home tab: approvers decide from it with the same rules and exactly-once guarantees as in the channel."""

from __future__ import annotations

import concurrent.futures

from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    APPROVER_2,
    CHANNEL,
    OUTSIDER,
    REQUESTER,
    BotProcess,
    SignedSlack,
    all_text,
    button_value,
    fresh_number,
    request_state,
    submit_request,
)


def test_opening_the_tab_shows_what_waits_to_approvers_and_own_requests_to_everyone(
    slack_user: SignedSlack, fake_slack: FakeSlack
) -> None:
    """Approvers see what waits, with buttons; everyone sees their own requests; never the full number."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed, reason="DSR-HOME")
    request_id = button_value(parent.blocks, "erase_approve")
    approver_home = all_text(slack_user.open_home(APPROVER)["blocks"])
    assert "*Waiting for approval*" in approver_home and request_id in approver_home and "DSR-HOME" in approver_home
    assert "erase_approve" in approver_home and e164 not in approver_home
    requester_home = all_text(slack_user.open_home(REQUESTER)["blocks"])
    assert request_id in requester_home and "Your requests" in requester_home
    assert "erase_approve" not in requester_home and "*Waiting for approval*" not in requester_home


def test_approving_in_the_tab_erases_once_updates_the_channel_and_the_tab(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """Approve in the tab while another approver clicks Approve and Reject in the channel: one decision."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    before = len(fake_slack.homes.get(APPROVER, []))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        clicks = [
            pool.submit(slack_user.click_in_home, "erase_approve", request_id, APPROVER),
            pool.submit(slack_user.click_in_home, "erase_approve", request_id, APPROVER),
            pool.submit(slack_user.reject, request_id, APPROVER_2, message_ts=parent.ts, wait=3, required=False),
        ]
        assert all(c.result() is not None for c in clicks[:2])
        clicks[2].result()  # the rejection's modal opens only if it comes before the approval
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=20, what="the outcome in the thread")
    state = request_state(bot, request_id)
    assert state in {"submitted", "rejected"}
    assert len([c for c in fake_gong.calls_for(e164) if c.status != 429]) == (1 if state == "submitted" else 0)
    assert "Waiting for approval" not in parent.all_text  # the channel message follows the decision
    tab = fake_slack.wait_for(
        lambda: len(fake_slack.homes.get(APPROVER, [])) >= before + 2 and fake_slack.homes[APPROVER],
        what="the tab published again",
    )
    assert request_id in all_text(tab[-1]["blocks"][:3])  # the notice at the top names the request


def test_someone_who_may_not_approve_is_refused_in_the_tab_and_nothing_changes(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """A non-approver's (or the requester's) Approve in the Home tab is refused atop the tab; nothing changes."""
    typed, _ = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    for user in (OUTSIDER, REQUESTER):
        before = len(fake_slack.homes.get(user, []))
        slack_user.click_in_home("erase_approve", request_id, user)
        views = fake_slack.wait_for(
            lambda u=user, b=before: len(fake_slack.homes.get(u, [])) > b and fake_slack.homes[u],
            what="the refusal in the tab",
        )
        said = all_text(views[-1]["blocks"])
        assert "Only the configured approvers" in said or "approve it yourself" in said
    assert request_state(bot, request_id) == "pending"
