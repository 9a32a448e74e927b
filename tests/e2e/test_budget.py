"""The Gong budget end to end: the bot alone never causes a 429, and a spent day is said once, plainly."""

from __future__ import annotations

import concurrent.futures
import time

import pytest

from tests.conftest import DeploymentFactory
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack, Message
from tests.support import APPROVER, CHANNEL, button_value, fresh_number, submit_request


@pytest.mark.paced
def test_a_burst_of_approvals_is_paced_so_a_gong_without_burst_refuses_none(
    start_deployment: DeploymentFactory, fake_slack: FakeSlack
) -> None:
    """Nine erasures approved at once across two processes (on Postgres: two hosts of two), against a Gong that
    refuses any two calls closer than 1/3 s: all reach it, spaced, and none is refused with 429."""
    fake_gong = FakeGong(limiter="strict").start()  # its own: other bots' calls must not share its pace
    # The margin is a deployment's setting for its network's jitter; this machine's is its load. Beside three busy
    # test workers, a browser and Postgres on two cores, a call was now and then descheduled for tens of ms between
    # its slot's check and the wire, so `make test` runs this test alone (marker `paced`), and with a margin for a
    # shared CI host. The pacing is what is tested here; bench/throughput.py measures the default margin.
    user = start_deployment(WEB_CONCURRENCY="2", GONG_BASE_URL=fake_gong.url, GONG_PACE_MARGIN="0.02").user()
    submitted = [(e164, submit_request(user, typed)) for typed, e164 in (fresh_number() for _ in range(9))]

    def approve(item: tuple[str, Message]) -> None:
        _, parent = item
        user.click("erase_approve", button_value(parent.blocks, "erase_approve"), APPROVER, message_ts=parent.ts)

    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        list(pool.map(approve, submitted))
    for e164, parent in submitted:
        fake_slack.wait_for(lambda p=parent: fake_slack.thread(CHANNEL, p.ts), timeout=30, what="outcome")
        assert [call.status for call in fake_gong.calls_for(e164)] == [200]
    assert [call.status for call in fake_gong.calls if call.status == 429] == []  # previews included
    fake_gong.stop()


def test_spent_daily_allowance_waits_and_says_so_once(
    start_deployment: DeploymentFactory, fake_slack: FakeSlack
) -> None:
    """The day's allowance spent (on Postgres, by both hosts together): the approved erase waits, and its thread
    says so once, with no call."""
    fake_gong = FakeGong().start()  # its own Gong: other bots' calls must not count against this allowance
    # the first request's preview and erase
    user = start_deployment(GONG_DAILY_LIMIT="2", GONG_BASE_URL=fake_gong.url).user()
    (first_typed, first_e164), (second_typed, second_e164) = fresh_number(), fresh_number()
    first = submit_request(user, first_typed)
    user.click("erase_approve", button_value(first.blocks, "erase_approve"), APPROVER, message_ts=first.ts)
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, first.ts), what="first outcome")

    second = submit_request(user, second_typed, preview=False)  # its preview waits for tomorrow too
    user.click("erase_approve", button_value(second.blocks, "erase_approve"), APPROVER, message_ts=second.ts)
    note = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, second.ts), what="budget note")
    assert "allowance is used up" in note[0].all_text and "automatically" in note[0].all_text
    fake_slack.wait_for(lambda: "Approved" in second.all_text, what="parent shows approved, waiting")
    time.sleep(1.5)
    assert len(fake_slack.thread(CHANNEL, second.ts)) == 1  # said once, not per retry
    assert fake_gong.calls_for(second_e164) == [] and len(fake_gong.calls_for(first_e164)) == 1
    fake_gong.stop()
