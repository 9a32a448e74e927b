"""A crash while an approved erase is in flight: after restart the job completes, reported once."""

from __future__ import annotations

import json
import time

from tests.conftest import BotFactory, DeploymentFactory
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    BotProcess,
    SignedSlack,
    button_value,
    db_rows,
    fresh_number,
    request_state,
    submit_request,
)


def test_killed_mid_call_the_erase_completes_after_restart(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """kill -9 mid-call: after restart the erase is repeated (both calls audited) and reported once."""
    settings = {"GONG_TIMEOUT": "3", "GONG_ERASE_JOB_LEASE": "4"}
    first = start_bot(**settings)
    user = SignedSlack(first.url, fake_slack)
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(200, delay=2.5))  # slow enough to kill the bot while it waits
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_gong.wait_for_calls(e164, 1)
    first.kill()  # SIGKILL, mid-call: no shutdown code runs
    assert fake_slack.thread(CHANNEL, parent.ts) == []

    second = BotProcess({**first.env}, first.log_path).start()
    try:
        replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=30, what="outcome")
        assert "Gong accepted" in replies[0].all_text
        fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, what="parent updated")
        time.sleep(1.0)
        assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1
        rows = db_rows(second, "SELECT event, detail FROM audit WHERE request_id = ? ORDER BY id", (request_id,))
        events = [row["event"] for row in rows]
        assert events.count("gong_call") == 2  # the one cut off by the crash is on record too
        assert events.count("gong_accepted") == 1
        results = [json.loads(row["detail"]) for row in rows if row["event"] == "gong_attempt"]
        assert [r["status"] for r in results if r["status"] != 429] == [200]
        state = request_state(second, request_id)
        assert state == "submitted"
        assert db_rows(second, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    finally:
        second.kill()


def test_sigterm_lets_the_in_flight_erase_finish_and_a_restart_reports_it(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """SIGTERM (Heroku, systemd) mid-call: the call completes and is recorded, the process exits within 25 s."""
    first = start_bot(GONG_TIMEOUT="5", GONG_ERASE_JOB_LEASE="6")
    user = SignedSlack(first.url, fake_slack)
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(200, delay=2.0))
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_gong.wait_for_calls(e164, 1)
    started = time.monotonic()
    assert first.terminate(timeout=30) == 0
    assert time.monotonic() - started < 25
    state = request_state(first, request_id)
    assert state == "submitted"  # the in-flight call's answer was recorded before exit

    second = BotProcess({**first.env}, first.log_path).start()
    try:
        replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=30, what="outcome")
        assert "Gong accepted" in replies[0].all_text
        assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]
    finally:
        second.kill()


def test_a_gong_call_longer_than_the_lease_is_not_taken_over_by_another_process(
    start_deployment: DeploymentFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Two hosts on one database, a 3 s lease, a Gong call of 7 s: the holder renews its lease, nobody else calls."""
    user = start_deployment(hosts=2, GONG_ERASE_JOB_LEASE="3", GONG_TIMEOUT="10").user()
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(200, delay=7.0))
    parent = submit_request(user, typed)
    user.click("erase_approve", button_value(parent.blocks, "erase_approve"), APPROVER, message_ts=parent.ts)
    replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=30, what="outcome")
    assert "Gong accepted" in replies[0].all_text
    time.sleep(1.0)
    assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]
    assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1


def test_a_dead_hosts_erase_is_taken_over_within_20_seconds_whatever_gong_timeout_is(
    start_deployment: DeploymentFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Default lease, GONG_TIMEOUT=60: kill -9 the process mid-call; the other host calls again within 20 s."""
    deployment = start_deployment(hosts=1, GONG_ERASE_JOB_LEASE="", GONG_TIMEOUT="60")
    first = deployment.hosts[0]
    user = deployment.user()
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(200, delay=55.0))  # the call hangs: only the holder's death ends it
    parent = submit_request(user, typed)
    user.click("erase_approve", button_value(parent.blocks, "erase_approve"), APPROVER, message_ts=parent.ts)
    fake_gong.wait_for_calls(e164, 1)
    deployment.add_host()  # the other host, up before the first dies
    first.kill()
    killed = time.monotonic()
    fake_gong.wait_for_calls(e164, 2, timeout=30)
    assert time.monotonic() - killed <= 20
    replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=30, what="outcome")
    assert "Gong accepted" in replies[0].all_text
