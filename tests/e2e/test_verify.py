"""After Gong accepts an erase, scheduled lookups tell whether the data really went, and say so in the thread."""

from __future__ import annotations

import time

import pytest

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong, Reply, references
from tests.fakes.slack import FakeSlack, Message
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

CHECKS = "1s,2s,3s"


@pytest.fixture(scope="module")
def checking_bot(start_bot: BotFactory) -> BotProcess:
    return start_bot(GONG_ERASE_VERIFY_AFTER=CHECKS)


def erase(bot: BotProcess, slack: FakeSlack, gong: FakeGong, held: dict[str, object],
          erased_after: float | None) -> tuple[Message, str, str]:  # fmt: skip
    """Submit and approve a request for a number Gong holds data for; returns parent, request id and E.164."""
    user = SignedSlack(bot.url, slack)
    typed, e164 = fresh_number()
    gong.hold(e164, held, erased_after=erased_after)
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    return parent, request_id, e164


def notes(slack: FakeSlack, parent: Message) -> list[str]:
    return [m.all_text for m in slack.thread(CHANNEL, parent.ts)]


def test_data_gone_at_the_first_check_is_verified(
    checking_bot: BotProcess, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Gong deleted at once: one check, a threaded "verified erased", and the parent shows it."""
    parent, request_id, e164 = erase(checking_bot, fake_slack, fake_gong, references(calls=2), erased_after=0)
    said = fake_slack.wait_for(lambda: len(notes(fake_slack, parent)) >= 2 and notes(fake_slack, parent),
                               timeout=20, what="verification note")  # fmt: skip
    assert "Gong accepted" in said[0] and "Verified erased" in said[1]
    fake_slack.wait_for(lambda: "Verified erased" in parent.all_text, what="parent shows verified")
    assert request_state(checking_bot, request_id) == "verified"
    time.sleep(3)  # the later checks are not run once verified
    assert len(fake_gong.lookups_for(e164, answered=True)) == 2  # the preview and one check
    assert len(notes(fake_slack, parent)) == 2


def test_data_still_there_then_gone_is_reported_then_verified(
    checking_bot: BotProcess, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Gong takes its time: the first check reports what remains and the next check time; the next verifies."""
    parent, request_id, _ = erase(checking_bot, fake_slack, fake_gong, references(calls=1, emails=3),
                                  erased_after=1.5)  # fmt: skip
    said = fake_slack.wait_for(lambda: len(notes(fake_slack, parent)) >= 3 and notes(fake_slack, parent),
                               timeout=20, what="two checks")  # fmt: skip
    assert "1 call · 3 emails" in said[1] and "Next check" in said[1]
    assert "Verified erased" in said[2]
    assert request_state(checking_bot, request_id) == "verified"


def test_data_never_erased_ends_not_verified_with_the_request_id(
    checking_bot: BotProcess, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """After the last check still finds data: "not verified", contact Gong support with the requestId."""
    parent, request_id, e164 = erase(checking_bot, fake_slack, fake_gong, references(meetings=2),
                                     erased_after=None)  # fmt: skip
    said = fake_slack.wait_for(lambda: len(notes(fake_slack, parent)) >= 4 and notes(fake_slack, parent),
                               timeout=25, what="three checks")  # fmt: skip
    gong_request_id = db_rows(checking_bot, "SELECT gong_request_id FROM requests WHERE id = ?", (request_id,))
    assert "Not verified" in said[3] and "help@gong.io" in said[3]
    assert str(gong_request_id[0]["gong_request_id"]) in said[3]
    assert all("Next check" in note for note in said[1:3])
    fake_slack.wait_for(lambda: "Not verified" in parent.all_text, what="parent shows not verified")
    assert request_state(checking_bot, request_id) == "unverified"
    assert len(fake_gong.lookups_for(e164, answered=True)) == 4  # the preview and three checks


def test_a_restart_neither_loses_nor_repeats_checks(
    checking_bot: BotProcess, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Killed while checks are scheduled: the restarted bot runs each remaining check once."""
    parent, request_id, e164 = erase(checking_bot, fake_slack, fake_gong, references(calls=1),
                                     erased_after=None)  # fmt: skip
    fake_slack.wait_for(lambda: len(notes(fake_slack, parent)) >= 2, timeout=20, what="first check")
    busy = "SELECT COUNT(*) AS n FROM jobs WHERE request_id = ? AND kind = 'thread_note' AND status != 'done'"
    # (a kill between posting a note and recording it would post that note again: Slack has no idempotency key)
    fake_slack.wait_for(lambda: db_rows(checking_bot, busy, (request_id,))[0]["n"] == 0, what="note recorded")
    checking_bot.kill()
    restarted = BotProcess(checking_bot.env, checking_bot.log_path).start()
    try:
        said = fake_slack.wait_for(lambda: len(notes(fake_slack, parent)) >= 4 and notes(fake_slack, parent),
                                   timeout=25, what="the remaining checks")  # fmt: skip
        time.sleep(1.5)
        assert len(notes(fake_slack, parent)) == 4 and "Not verified" in said[3]
        assert len(fake_gong.lookups_for(e164, answered=True)) == 4
        checks = db_rows(restarted, "SELECT to_state FROM audit WHERE request_id = ? AND event = 'still_held' "
                         "ORDER BY id", (request_id,))  # fmt: skip
        assert [row["to_state"] for row in checks] == ["submitted", "submitted", "unverified"]  # each check once
    finally:
        restarted.kill()


def test_checks_that_cannot_run_say_so_and_the_last_one_ends_not_verified(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Gong refuses the lookups (no read scope): each check says it couldn't run; the last gives up, audited."""
    checking_bot = start_bot(GONG_ERASE_VERIFY_AFTER=CHECKS)  # the module's bot was killed by the restart test
    user = SignedSlack(checking_bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)  # the preview is done by now
    fake_gong.script_lookup(e164, *[Reply(403, {"errors": ["Missing scope api:data-privacy:read"]})] * 3)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    said = fake_slack.wait_for(lambda: len(notes(fake_slack, parent)) >= 4 and notes(fake_slack, parent),
                               timeout=25, what="three checks")  # fmt: skip
    assert all("couldn't check" in note and "api:data-privacy:read" in note for note in said[1:])
    assert "Next check" in said[1] and "Not verified" in said[3]
    assert request_state(checking_bot, request_id) == "unverified"
    events = [row["event"] for row in db_rows(checking_bot, "SELECT event FROM audit WHERE request_id = ?",
                                              (request_id,))]  # fmt: skip
    assert events.count("check_failed") == 2 and "still_held" in events  # the last one ends the checks
