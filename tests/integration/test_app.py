"""The whole bot built in this process by `bootstrap` (Bolt app, listeners, use cases, store and worker threads),
driven through its WSGI front door with signed requests, against the fake Slack and Gong on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.app import Bot, bootstrap
from bot.config import Settings
from bot.web import make_wsgi
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    OUTSIDER,
    REQUESTER,
    SIGNING_SECRET,
    SignedSlack,
    all_text,
    base_env,
    button_value,
    fresh_number,
    submit_request,
)


@pytest.fixture()
def bot(fake_slack: FakeSlack, fake_gong: FakeGong, tmp_path: Path) -> Iterator[Bot]:
    """The bot as `python -m bot` builds it, but in this process; its worker threads run until the test ends."""
    settings = Settings.from_env(base_env(fake_slack, fake_gong, tmp_path / "gong-erase.db", port=3000))
    built = bootstrap(settings)
    built.worker.start()
    yield built
    built.close(grace=5)


@pytest.fixture()
def user(bot: Bot, fake_slack: FakeSlack) -> Iterator[SignedSlack]:
    """Signed Slack requests delivered to the bot's WSGI application, with no socket in between."""
    app = make_wsgi(bot.app, SIGNING_SECRET)
    with httpx.Client(transport=httpx.WSGITransport(app=app)) as client:
        yield SignedSlack("http://bot.test", fake_slack, client=client)


def test_happy_path_in_process_erases_once_and_threads_the_request_id(
    user: SignedSlack, bot: Bot, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Command → private confirmation → submit → approve: one Gong erase, its requestId in the thread."""
    typed, e164 = fresh_number()
    ack = user.command(f"{typed} DSR-77")
    assert e164 in all_text(ack["blocks"]) and ack["response_type"] == "ephemeral"
    parent = submit_request(user, typed, reason="DSR-77")
    request_id = button_value(parent.blocks, "erase_approve")
    assert e164 not in parent.all_text

    response, _ = user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    assert response.status_code == 200
    note = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="the outcome")[0]
    erased = [call for call in fake_gong.calls_for(e164) if call.status != 429]
    assert [call.status for call in erased] == [200]
    request = bot.store.get_request(request_id)
    assert request is not None and request.state.value == "submitted"
    assert request.gong_request_id and request.gong_request_id in note.all_text
    assert e164 not in fake_slack.everything_public()


def test_a_refused_click_in_process_is_answered_privately_and_changes_nothing(
    user: SignedSlack, bot: Bot, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """An outsider's Approve gets a private refusal naming the approvers; the request stays pending."""
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    _, url = user.click("erase_approve", request_id, OUTSIDER, message_ts=parent.ts)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the refusal")[0]
    assert refusal["response_type"] == "ephemeral"
    assert "Only the configured approvers" in all_text(refusal["blocks"]) and f"<@{APPROVER}>" in all_text(
        refusal["blocks"]
    )
    request = bot.store.get_request(request_id)
    assert request is not None and request.state.value == "pending" and request.approvals == ()
    assert fake_gong.calls_for(e164) == []
    assert "erase_approve" in parent.action_ids()


def test_a_gong_refusal_in_process_fails_the_request_and_says_what_to_do(
    user: SignedSlack, bot: Bot, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Gong's data-integrity guard answers 400: one attempt, the request fails, the thread names help@gong.io."""
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(400, {"requestId": "gong-400-inproc", "errors": ["Abnormal deletion"]}))
    parent = submit_request(user, typed, requester=REQUESTER)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    note = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="the outcome")[0]
    assert "help@gong.io" in note.all_text and "gong-400-inproc" in note.all_text
    assert [call.status for call in fake_gong.calls_for(e164) if call.status != 429] == [400]
    request = bot.store.get_request(request_id)
    assert request is not None and request.state.value == "failed"
    assert request.identifier is None  # the request is over: only the mask and the keyed hash remain
    fake_slack.wait_for(lambda: "Failed" in parent.all_text and not parent.action_ids(), what="parent failed")
