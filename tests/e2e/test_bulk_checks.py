"""A batch after Gong accepted its items: checks item by item, told per batch; and a spent daily allowance."""

from __future__ import annotations

import csv
import io
import time

from tests.conftest import BotFactory, DeploymentFactory
from tests.e2e.test_bulk import results_of, submit_batch
from tests.fakes.gong import FakeGong, references
from tests.fakes.slack import FakeSlack, Message
from tests.support import APPROVER, CHANNEL, SignedSlack, db_rows, fresh_number


def notes(slack: FakeSlack, parent: Message) -> list[str]:
    return [m.all_text for m in slack.thread(CHANNEL, parent.ts)]


def test_items_are_checked_until_erased_and_each_round_is_one_note_with_counts(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Three checks: an item found erased is not looked up again; one note per round with counts; the item still
    held at the last check is `unverified`, and so is the batch."""
    bot = start_bot(GONG_ERASE_VERIFY_AFTER="1s,4s,6s")
    user = SignedSlack(bot.url, fake_slack)
    (gone_typed, gone), (later_typed, later), (kept_typed, kept) = fresh_number(), fresh_number(), fresh_number()
    fake_gong.hold(gone, references(calls=1), erased_after=0)
    fake_gong.hold(later, references(emails=2), erased_after=2.5)
    fake_gong.hold(kept, references(meetings=1), erased_after=None)
    batch_id, parent = submit_batch(user, fake_slack, "\n".join([gone_typed, later_typed, kept_typed]))
    fake_slack.wait_for(lambda: "sampled" in parent.all_text, what="the sample's preview")
    assert "Gong holds data for 3 of 3 sampled" in parent.all_text
    user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
    results_of(fake_slack, parent)
    said = fake_slack.wait_for(lambda: len(notes(fake_slack, parent)) >= 4 and notes(fake_slack, parent),
                               timeout=30, what="three rounds of checks")  # fmt: skip
    assert "is through" in said[0]
    assert "Check 1" in said[1] and "1 verified erased · 2 still held" in said[1]
    assert "Check 2" in said[2] and "2 verified erased · 1 still held" in said[2]
    assert "Check 3" in said[3] and "0 still held (checked again later) · 1 still held at the last check" in said[3]
    assert "help@gong.io" in said[3] and "checks are over" in said[3] and "checks are over" not in said[2]
    files = fake_slack.wait_for(lambda: fake_slack.files_in(CHANNEL, parent.ts)[1:] and fake_slack.files_in(
        CHANNEL, parent.ts), what="the file after the checks")  # fmt: skip
    assert [file.name for file in files] == [f"{batch_id}-results.csv", f"{batch_id}-results-checked.csv"]
    assert "after Gong's checks" in files[1].title
    checked = list(csv.DictReader(io.StringIO(files[1].content.decode())))
    assert [row["outcome"] for row in checked] == ["verified", "verified", "unverified"]
    assert all(e164 not in files[1].content.decode() for e164 in (gone, later, kept))
    fake_slack.wait_for(lambda: "Not verified" in parent.all_text, what="the batch shown not verified")
    time.sleep(1.0)
    assert len(notes(fake_slack, parent)) == 4 and len(fake_slack.files_in(CHANNEL, parent.ts)) == 2
    lookups = {e164: len(fake_gong.lookups_for(e164, answered=True)) for e164 in (gone, later, kept)}
    assert lookups == {gone: 2, later: 3, kept: 4}  # the preview's, then each check until found erased
    items = db_rows(bot, "SELECT line, outcome, identifier FROM batch_items WHERE batch_id = ? ORDER BY line",
                    (batch_id,))  # fmt: skip
    assert [(row["line"], row["outcome"]) for row in items] == [(1, "verified"), (2, "verified"), (3, "unverified")]
    assert all(row["identifier"] is None for row in items)  # every item is over: every identifier wiped
    assert db_rows(bot, "SELECT state FROM requests WHERE id = ?", (batch_id,))[0]["state"] == "unverified"


def test_a_spent_daily_allowance_pauses_the_batch_shows_when_it_resumes_and_says_so_once(
    start_deployment: DeploymentFactory, fake_slack: FakeSlack
) -> None:
    """The allowance runs out mid-batch: the approval message says when the batch resumes, its thread says it once,
    and nothing more is sent to Gong today."""
    gong = FakeGong().start()  # its own Gong: other bots' calls must not count against this allowance
    try:
        user = start_deployment(GONG_DAILY_LIMIT="4", GONG_BASE_URL=gong.url).user()
        numbers = [fresh_number() for _ in range(3)]
        batch_id, parent = submit_batch(user, fake_slack, "\n".join(typed for typed, _ in numbers))
        fake_slack.wait_for(lambda: "sampled" in parent.all_text, what="the sample's preview (3 calls)")
        user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
        fake_slack.wait_for(lambda: "allowance is used up: the batch resumes" in parent.all_text,
                            what="the resume time on the approval message")  # fmt: skip
        note = fake_slack.wait_for(lambda: notes(fake_slack, parent), what="the budget note")
        assert "goes on automatically" in note[0] and batch_id in note[0]
        assert "1 done · 0 failed · 2 waiting" in parent.all_text
        time.sleep(1.5)
        assert len(notes(fake_slack, parent)) == 1
        assert len(gong.calls_for(numbers[0][1])) == 1
        assert gong.calls_for(numbers[1][1]) == [] and gong.calls_for(numbers[2][1]) == []
    finally:
        gong.stop()
