"""Bulk erasure when things go wrong: concurrent approvals, a failed item retried, a kill -9 in the middle."""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json

from tests.conftest import Deployment, DeploymentFactory
from tests.e2e.test_bulk import submit_batch
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import FakeSlack, Message
from tests.support import (
    APPROVER,
    APPROVER_2,
    CHANNEL,
    GROUP_MEMBER,
    OUTSIDER,
    BotProcess,
    button_value,
    db_rows,
    fresh_number,
)


def files_of(slack: FakeSlack, parent: Message, count: int) -> list[list[dict[str, str]]]:
    """The rows of each results file in the thread, once there are `count` of them."""
    files = slack.wait_for(lambda: len(slack.files_in(CHANNEL, parent.ts)) >= count and
                           slack.files_in(CHANNEL, parent.ts), timeout=40, what=f"{count} results file(s)")  # fmt: skip
    return [list(csv.DictReader(io.StringIO(f.content.decode()))) for f in files]


def summaries(slack: FakeSlack, parent: Message) -> list[Message]:
    return [m for m in slack.thread(CHANNEL, parent.ts) if "is through" in m.all_text]


def test_concurrent_approvals_of_a_batch_make_one_decision_and_one_call_per_item(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Twenty approve clicks at once, on every host: one decision, one erase job, each item sent once."""
    slack_user = deployment.user()
    numbers = [fresh_number() for _ in range(4)]
    batch_id, parent = submit_batch(slack_user, fake_slack, "\n".join(typed for typed, _ in numbers))
    approvers = [APPROVER, APPROVER_2, GROUP_MEMBER] * 7
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda user: slack_user.click("erase_approve", batch_id, user,
                                                              message_ts=parent.ts)[0], approvers[:20]))  # fmt: skip
    assert all(answer.status_code == 200 for answer in answers)
    files_of(fake_slack, parent, 1)
    for _, e164 in numbers:
        assert len(fake_gong.calls_for(e164, answered=True)) == 1
    rows = db_rows(deployment.any_host, "SELECT event FROM audit WHERE request_id = ?", (batch_id,))
    assert [row["event"] for row in rows].count("approve") == 1
    jobs = db_rows(deployment.any_host, "SELECT kind FROM jobs WHERE request_id = ?", (batch_id,))
    assert [job["kind"] for job in jobs].count("gong_erase") == 1
    assert [job["kind"] for job in jobs].count("item_erase") == len(numbers)


def test_a_failed_item_is_retried_by_an_approver_only_and_the_rest_is_not_sent_again(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Gong refuses one item: the summary names it with Gong's requestId and offers Retry to approvers; an outsider
    is refused; an approver's retry sends only that item (audited), and a new summary and results file follow."""
    slack_user = deployment.user()
    numbers = [fresh_number() for _ in range(3)]
    refused = numbers[1][1]
    fake_gong.script(refused, Reply(400, body={"requestId": "r-refused-400", "errors": ["bad request"]}))
    batch_id, parent = submit_batch(slack_user, fake_slack, "\n".join(typed for typed, _ in numbers))
    slack_user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
    first = files_of(fake_slack, parent, 1)[0]
    assert [row["outcome"] for row in first] == ["accepted", "failed", "accepted"]
    assert first[1]["gong_request_id"] == "r-refused-400" and first[1]["error"]
    summary = fake_slack.wait_for(lambda: summaries(fake_slack, parent), what="the summary")[0]
    assert "r-refused-400" in summary.all_text and "1 failed" in summary.all_text
    assert button_value(summary.blocks, "bulk_retry") == batch_id

    _, url = slack_user.click("bulk_retry", batch_id, OUTSIDER, message_ts=summary.ts)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the outsider's refusal")[0]
    assert "Only approvers" in refusal["text"]
    _, url = slack_user.click("bulk_retry", batch_id, APPROVER_2, message_ts=summary.ts)
    said = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the retry's answer")[0]
    assert "1 failed item(s)" in said["text"]
    second = files_of(fake_slack, parent, 2)
    latest = next(rows for rows in second if rows != first)
    assert [row["outcome"] for row in latest] == ["accepted", "accepted", "accepted"]
    assert len(fake_gong.calls_for(refused, answered=True)) == 2
    after = fake_slack.wait_for(lambda: summaries(fake_slack, parent)[1:], what="the summary after the retry")[0]
    assert "after 1 retry of the failed" in after.all_text and "retry of" not in summary.all_text
    for _, e164 in (numbers[0], numbers[2]):
        assert len(fake_gong.calls_for(e164, answered=True)) == 1
    events = [row["event"] for row in db_rows(deployment.any_host, "SELECT event FROM audit WHERE request_id = ?",
                                               (batch_id,))]  # fmt: skip
    assert events.count("retry") == 1
    _, url = slack_user.click("bulk_retry", batch_id, APPROVER, message_ts=summary.ts)
    again = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the second retry's answer")[0]
    assert "No failed item" in again["text"]


def test_kill_9_mid_batch_resumes_and_sends_only_the_cut_off_item_twice(
    start_deployment: DeploymentFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Every host killed while one item's call is in flight: after restart the batch finishes; that item alone is
    sent again, and both of its calls are in the audit log; no other item is sent twice."""
    deployment = start_deployment(GONG_TIMEOUT="4", GONG_ERASE_JOB_LEASE="3")
    slack_user = deployment.user()
    numbers = [fresh_number() for _ in range(6)]
    cut = numbers[3][1]
    fake_gong.script(cut, Reply(200, delay=3.0))
    batch_id, parent = submit_batch(slack_user, fake_slack, "\n".join(typed for typed, _ in numbers))
    slack_user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
    fake_gong.wait_for_calls(cut, 1, timeout=30)
    for host in deployment.hosts:
        host.kill()
    restarted = [BotProcess({**host.env}, host.log_path).start() for host in deployment.hosts]
    try:
        rows = files_of(fake_slack, parent, 1)[0]
        assert [row["outcome"] for row in rows] == ["accepted"] * 6
        assert rows[3]["attempts"] == "2"
        for _, e164 in numbers:  # erased: a 429 from the allowance other tests share erases nothing
            assert len(fake_gong.calls_for(e164, answered=True)) == (2 if e164 == cut else 1)
        seen = [line for line, (_, e164) in enumerate(numbers, start=1) for _ in fake_gong.calls_for(e164)]
        audit = db_rows(restarted[0], "SELECT event, detail FROM audit WHERE request_id = ?", (batch_id,))
        lines = [json.loads(row["detail"]).get("line") for row in audit if row["event"] == "gong_call"]
        assert sorted(lines) == sorted(seen) and lines.count(4) >= 2  # every call Gong saw is audited
        assert len(summaries(fake_slack, parent)) == 1
    finally:
        for host in restarted:
            host.kill()
