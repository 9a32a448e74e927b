"""/metrics in Prometheus's format after real work: counts summed across gunicorn's processes, and the
deployment's state read from its database."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import APPROVER, CHANNEL, SignedSlack, button_value, fresh_number, submit_request


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, labels) → value; fails unless Prometheus's parser reads it all."""
    response = httpx.get(url + "/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}  # fmt: skip


def test_metrics_count_what_two_processes_did_and_what_the_database_holds(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Three erasures on a bot of two processes: Gong's 200s for erase are counted three times whichever process
    made them, a Slack 429 once, and the gauges show three submitted requests, no job waiting, and the day's
    budget less every call made."""
    bot = start_bot(WEB_CONCURRENCY="2")
    user = SignedSlack(bot.url, fake_slack)
    fake_slack.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"}, channel=CHANNEL)
    numbers = []
    for _ in range(3):
        typed, e164 = fresh_number()
        parent = submit_request(user, typed)
        user.click("erase_approve", button_value(parent.blocks, "erase_approve"), APPROVER, message_ts=parent.ts)
        fake_slack.wait_for(lambda p=parent: fake_slack.thread(CHANNEL, p.ts), what="the outcome")
        numbers.append(e164)
    samples = scrape(bot.url)
    erased = sum(1 for e164 in numbers for call in fake_gong.calls_for(e164) if call.method == "POST"
                 and call.status == 200)  # fmt: skip
    assert erased == 3
    assert samples[("gong_erase_gong_calls_total", (("endpoint", "erase"), ("status", "200")))] == 3
    assert samples[("gong_erase_slack_errors_total", (("error", "ratelimited"),))] == 1
    assert samples[("gong_erase_requests", (("state", "submitted"),))] == 3
    assert samples[("gong_erase_requests", (("state", "expired"),))] == 0
    assert samples[("gong_erase_jobs", (("status", "dead"),))] == 0
    assert samples[("gong_erase_oldest_due_job_age_seconds", ())] < 60
    made = sum(v for (name, _), v in samples.items() if name == "gong_erase_gong_calls_total")
    left = samples[("gong_erase_gong_budget_left", ())]
    assert left == 10000 - made, (left, made)
    assert not any(e164 in str(samples) for e164 in numbers)
