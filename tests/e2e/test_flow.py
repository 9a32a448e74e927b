"""End to end over real HTTP: slash command → private confirmation → approval → one Gong erase → thread."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

from tests.conftest import Deployment
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    GROUP_MEMBER,
    OUTSIDER,
    REQUESTER,
    SignedSlack,
    all_text,
    button_value,
    fresh_number,
    submit_request,
)


def test_happy_path_erases_once_and_threads_the_request_id(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """A confirmed, approved request reaches Gong once and its requestId is threaded back; on Postgres each step
    may land on either host, and no SQLite file is made."""
    slack_user = deployment.user()
    typed, e164 = fresh_number()
    ack = slack_user.command(f"{typed} DSR-1234")
    assert ack["response_type"] == "ephemeral"
    assert e164 in all_text(ack["blocks"])  # the requester sees the full normalised number
    assert "may take several hours" in all_text(ack["blocks"])
    assert fake_gong.calls_for(e164) == []  # nothing happens before submit
    assert not [m for m in fake_slack.posts() if e164 in m.all_text]

    request_id = button_value(ack["blocks"], "erase_submit")
    response, ephemeral_url = slack_user.click("erase_submit", request_id, REQUESTER, ephemeral=True)
    assert response.status_code == 200
    parent = fake_slack.wait_for(
        lambda: next((m for m in fake_slack.posts(CHANNEL) if request_id in m.text), None), what="approval message"
    )
    assert "+1 ••• ••• " + e164[-4:] in parent.all_text
    assert e164 not in parent.all_text and e164[2:] not in parent.all_text
    assert button_value(parent.blocks, "erase_approve") == request_id
    # the private confirmation was replaced, so it cannot be submitted twice by accident
    replaced = fake_slack.wait_for(lambda: fake_slack.responded(ephemeral_url), what="ephemeral replaced")
    assert replaced[0]["replace_original"] is True

    response, _ = slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    assert response.status_code == 200
    calls = fake_gong.wait_for_calls(e164, 1)
    assert calls[0].body == b"" and calls[0].authorized
    replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="thread reply")
    assert "Gong accepted" in replies[0].all_text
    assert "several hours" in replies[0].all_text
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, what="parent shows submitted")
    assert parent.action_ids() == []  # no buttons left
    assert e164 not in fake_slack.everything_public()
    assert e164 not in deployment.logs() and e164[1:] not in deployment.logs()
    for host in deployment.hosts:
        assert Path(host.env["GONG_ERASE_DB"]).exists() is ("DATABASE_URL" not in host.env)


def test_twenty_concurrent_approvals_make_one_gong_call(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """However many clicks arrive at once, on however many hosts, Gong is called exactly once."""
    slack_user = deployment.user()
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    approvers = [APPROVER, "UAPPROVER2", GROUP_MEMBER] * 7
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(
            pool.map(
                lambda user: slack_user.click("erase_approve", request_id, user, message_ts=parent.ts)[0],
                approvers[:20],
            )
        )
    assert all(r.status_code == 200 for r in results)
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="thread reply")
    # one erase; a 429 from the fake's shared 3 calls/s budget would be a retry of it, not a second erase
    assert [call.status for call in fake_gong.calls_for(e164) if call.status != 429] == [200]
    assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1
    assert all(f"erase_approve on {request_id}" in host.logs() for host in deployment.hosts)  # clicks on every host


def test_outsider_cannot_approve_and_nothing_changes(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """A non-approver's click is refused privately; the request stays pending and Gong is not called."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    before = list(parent.blocks)
    _, url = slack_user.click("erase_approve", request_id, OUTSIDER, message_ts=parent.ts)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="refusal")
    assert refusal[0]["response_type"] == "ephemeral"
    assert "Only the configured approvers" in all_text(refusal[0]["blocks"])
    assert parent.blocks == before
    assert fake_gong.calls_for(e164) == []
