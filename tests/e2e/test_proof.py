"""Keep proof, not the data: finished requests keep only a mask and a keyed hash, found again by lookup."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    HASH_KEY,
    OUTSIDER,
    REQUESTER,
    ROOT,
    BotProcess,
    SignedSlack,
    all_text,
    busy_jobs,
    button_value,
    db_rows,
    fresh_number,
    request_state,
    submit_request,
)


@pytest.fixture(scope="module")
def final_bot(start_bot: BotFactory) -> BotProcess:
    """No verification checks, so a request accepted by Gong is over at once."""
    return start_bot(GONG_ERASE_VERIFY_AFTER="")


def settled(bot: BotProcess, request_id: str, states: set[str], slack: FakeSlack) -> None:
    slack.wait_for(lambda: request_state(bot, request_id) in states, timeout=20, what=f"request {states}")
    slack.wait_for(lambda: busy_jobs(bot) == 0, timeout=20, what="jobs done")


def wal_emptied(bot: BotProcess, slack: FakeSlack) -> None:
    """The worker empties the write-ahead log within seconds of a wipe, once no reader holds an old snapshot."""
    wal = Path(bot.env["GONG_ERASE_DB"] + "-wal")
    slack.wait_for(lambda: not wal.exists() or wal.stat().st_size == 0, timeout=15, what="the WAL emptied")


def raw_bytes(bot: BotProcess) -> bytes:
    db = Path(bot.env["GONG_ERASE_DB"])
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def spellings(e164: str) -> list[str]:
    national = e164[2:]
    return [e164, national, f"{national[:3]} {national[3:6]} {national[6:]}", f"{national[3:6]}-{national[6:]}"]


def test_finished_requests_leave_no_trace_of_the_number_in_the_database_file(
    final_bot: BotProcess, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Submitted, failed, rejected and cancelled: the raw SQLite file and its WAL hold no digits of the numbers."""
    user = SignedSlack(final_bot.url, fake_slack)
    numbers: list[tuple[str, str]] = []
    outcomes = {"erase_approve": {"submitted"}, "erase_reject": {"rejected"}, "erase_cancel": {"cancelled"},
                "gong_400": {"failed"}}  # fmt: skip
    for action, states in outcomes.items():
        typed, e164 = fresh_number()
        if action == "gong_400":
            fake_gong.script(e164, Reply(400, {"errors": ["Abnormal deletion"]}))
        parent = submit_request(user, typed, reason=f"DSR-9 caller said {typed}")
        request_id = button_value(parent.blocks, "erase_approve")
        clicker = REQUESTER if action == "erase_cancel" else APPROVER
        if action == "erase_reject":  # its reason repeats the number: it must not stay in the file either
            user.reject(request_id, clicker, f"DSR-9 wrong person, {typed}", message_ts=parent.ts)
        else:
            user.click("erase_approve" if action == "gong_400" else action, request_id, clicker, message_ts=parent.ts)
        settled(final_bot, request_id, states, fake_slack)
        numbers.append((request_id, e164))
    for request_id, e164 in numbers:
        row = db_rows(final_bot, "SELECT identifier, display, masked, identifier_hash, reason FROM requests "
                      "WHERE id = ?", (request_id,))[0]  # fmt: skip
        assert row["identifier"] is None and row["display"] is None and row["masked"].endswith(e164[-4:])
        assert row["identifier_hash"] == hmac.new(HASH_KEY.encode(), e164.encode(), hashlib.sha256).hexdigest()
        assert row["reason"].startswith("DSR-9 caller said +1 ••• •••")  # typed again in the reason: masked too
    wal_emptied(final_bot, fake_slack)
    raw = raw_bytes(final_bot)
    assert len(raw) > 4096
    for _, e164 in numbers:
        for form in spellings(e164):
            assert form.encode() not in raw, f"{form} is still in the database file"


def test_a_reader_holding_a_snapshot_stalls_nothing_and_the_number_still_leaves_the_file(
    final_bot: BotProcess, fake_slack: FakeSlack
) -> None:
    """A Datasette or sqlite-utils session open while a request ends: commands still answer at once, no spelling
    of the number is in the files even while old pages must stay for the reader, and once it is gone the log is
    emptied."""
    user = SignedSlack(final_bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_reject")
    reader = sqlite3.connect(final_bot.env["GONG_ERASE_DB"], isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM requests").fetchall()  # holds its snapshot until the end
        user.reject(request_id, APPROVER, message_ts=parent.ts)
        settled(final_bot, request_id, {"rejected"}, fake_slack)
        for _ in range(3):
            started = time.monotonic()
            assert "erase_submit" in all_text(user.command(f"{fresh_number()[0]} DSR-READER")["blocks"])
            assert time.monotonic() - started < 2.5  # Slack gives up at 3 s; a blocked checkpoint took 30
        held = raw_bytes(final_bot)  # the log's old pages stay while the reader holds them: sealed, not in clear
        assert [form for form in spellings(e164) if form.encode() in held] == []
    finally:
        reader.execute("COMMIT")
        reader.close()
    wal_emptied(final_bot, fake_slack)
    raw = raw_bytes(final_bot)
    for form in spellings(e164):
        assert form.encode() not in raw, f"{form} is still in the database file after the reader left"


def test_a_live_request_keeps_its_number_until_it_is_over(final_bot: BotProcess, fake_slack: FakeSlack) -> None:
    """While pending, the number is there (sealed) to erase and to show approvers; the hash from the start."""
    user = SignedSlack(final_bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    row = db_rows(final_bot, "SELECT identifier, identifier_hash FROM requests WHERE id = ?", (request_id,))[0]
    assert row["identifier"].startswith("enc1:") and e164[2:] not in row["identifier"] and row["identifier_hash"]
    _, url = user.click("erase_show_number", request_id, APPROVER, message_ts=parent.ts)
    shown = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the number, privately")[0]
    assert e164 in all_text(shown["blocks"])  # sealed at rest, and still the bot's to show and to erase


def test_lookup_answers_approvers_from_the_hash_and_refuses_others(
    final_bot: BotProcess, fake_slack: FakeSlack
) -> None:
    """`/gong-erase lookup <number>` (ephemeral): when, by whom, approved by whom, Gong's requestId; or no record."""
    user = SignedSlack(final_bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed, reason="DSR-555")
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    settled(final_bot, request_id, {"submitted"}, fake_slack)
    gong_id = db_rows(final_bot, "SELECT gong_request_id FROM requests WHERE id = ?", (request_id,))[0]
    spelled = f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"

    def lookup(text: str, who: str) -> str:
        return all_text(user.command_answered_later(f"lookup {text}", user=who)["blocks"])

    said = lookup(f"+1 {spelled}", APPROVER)
    assert request_id in said and f"<@{REQUESTER}>" in said and f"<@{APPROVER}>" in said and "DSR-555" in said
    assert str(gong_id["gong_request_id"]) in said and "Submitted to Gong" in said and e164 not in said
    assert "No record" in lookup(fresh_number()[0], APPROVER)
    refused = lookup(typed, OUTSIDER)
    assert "Only approvers" in refused and request_id not in refused
    audited = db_rows(final_bot, "SELECT actor, detail FROM audit WHERE event = 'proof_lookup' ORDER BY id")
    assert [row["actor"] for row in audited][-2:] == [APPROVER, APPROVER] and e164 not in str(audited)


def run_cli(bot: BotProcess, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GONG_"))}
    environ.update({"GONG_ERASE_DB": bot.env["GONG_ERASE_DB"], "GONG_ERASE_HASH_KEY": HASH_KEY, **env})
    return subprocess.run([sys.executable, "-m", "bot", "audit", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_audit_lookup_on_the_command_line(final_bot: BotProcess, fake_slack: FakeSlack) -> None:
    """`python -m bot audit lookup` needs only the database and the key; without the key it cannot prove."""
    user = SignedSlack(final_bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_reject")
    user.reject(request_id, APPROVER, message_ts=parent.ts)
    settled(final_bot, request_id, {"rejected"}, fake_slack)
    found = run_cli(final_bot, "lookup", e164)
    assert found.returncode == 0 and request_id in found.stdout and "rejected" in found.stdout
    assert APPROVER in found.stdout and e164 not in found.stdout and found.stderr == ""
    none = run_cli(final_bot, "lookup", "someone.else@example.com")
    assert none.returncode == 0 and "no record" in none.stdout
    wrong_key = run_cli(final_bot, "lookup", e164, GONG_ERASE_HASH_KEY="5e1b9d3f7a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b")
    # another key would find nothing and look like "no record": the database says it is the wrong key instead
    assert wrong_key.returncode == 2 and "not the key this database was made with" in wrong_key.stderr
    assert "no record" not in wrong_key.stdout and "Traceback" not in wrong_key.stderr
    no_key = run_cli(final_bot, "lookup", e164, GONG_ERASE_HASH_KEY="", GONG_ERASE_ENV="production")
    assert no_key.returncode == 2 and "GONG_ERASE_HASH_KEY" in no_key.stderr and "Traceback" not in no_key.stderr
    assert CHANNEL  # the request was made in the usual channel


def test_without_a_key_outside_production_a_key_file_is_made_beside_the_database(
    start_bot: BotFactory, fake_slack: FakeSlack
) -> None:
    """Outside production a 0600 key file is made beside the database, with a warning, and proofs use it."""
    bot = start_bot(GONG_ERASE_HASH_KEY="")
    key_file = Path(bot.env["GONG_ERASE_DB"] + ".hashkey")
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert "GONG_ERASE_HASH_KEY is not set" in bot.logs()
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_reject")
    user.reject(request_id, APPROVER, message_ts=parent.ts)
    settled(bot, request_id, {"rejected"}, fake_slack)
    found = run_cli(bot, "lookup", e164, GONG_ERASE_HASH_KEY="")
    assert request_id in found.stdout


def test_audit_export_gives_one_row_per_request_with_people_times_and_gongs_ids(
    final_bot: BotProcess, fake_slack: FakeSlack
) -> None:
    """CSV and JSON: requester, approvers, decision times, Gong requestIds, outcome, masked identifier only."""
    user = SignedSlack(final_bot.url, fake_slack)
    (approved_typed, approved_e164), (rejected_typed, rejected_e164) = fresh_number(), fresh_number()
    approved = submit_request(user, approved_typed, reason="DSR-EXPORT")
    approved_id = button_value(approved.blocks, "erase_approve")
    user.click("erase_approve", approved_id, APPROVER, message_ts=approved.ts)
    rejected = submit_request(user, rejected_typed)
    rejected_id = button_value(rejected.blocks, "erase_reject")
    user.reject(rejected_id, APPROVER, message_ts=rejected.ts)
    settled(final_bot, approved_id, {"submitted"}, fake_slack)
    settled(final_bot, rejected_id, {"rejected"}, fake_slack)

    exported = run_cli(final_bot, "export", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = {row["request_id"]: row for row in csv.DictReader(io.StringIO(exported.stdout))}
    done = rows[approved_id]
    assert (done["requester"], done["approvers"], done["reason"]) == (REQUESTER, APPROVER, "DSR-EXPORT")
    assert done["outcome"] == "erase accepted by Gong" and done["gong_request_id"] and done["approved_at"]
    assert done["gong_attempt_request_ids"] == done["gong_request_id"] and done["verification"] == "not checked"
    assert done["masked"].endswith(approved_e164[-4:]) and done["identifier_hash"]
    no = rows[rejected_id]
    assert (no["outcome"], no["decided_by"], no["approvers"], no["approved_at"]) == ("rejected", APPROVER, "", "")
    for e164 in (approved_e164, rejected_e164):
        assert e164 not in exported.stdout and e164[2:] not in exported.stdout
    as_json = json.loads(run_cli(final_bot, "export", "--format", "json").stdout)
    assert {r["request_id"] for r in as_json} == set(rows) and len(as_json) == len(rows)
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    assert json.loads(run_cli(final_bot, "export", "--format", "json", "--since", tomorrow).stdout) == []
    bad = run_cli(final_bot, "export", "--since", "last tuesday")
    assert bad.returncode == 2 and "2026-11-29" in bad.stderr and "Traceback" not in bad.stderr


def test_audit_verify_on_the_command_line_finds_an_edited_row(final_bot: BotProcess, fake_slack: FakeSlack) -> None:
    """`python -m bot audit verify`: exit 0 on the bot's own log; after an edit, exit 1 naming the row."""
    submit_request(SignedSlack(final_bot.url, fake_slack), fresh_number()[0], preview=False)  # rows to edit
    intact = run_cli(final_bot, "verify")
    assert intact.returncode == 0 and "intact" in intact.stdout, intact.stdout + intact.stderr
    conn = sqlite3.connect(final_bot.env["GONG_ERASE_DB"])
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = 'UMALLORY' WHERE id = 3")
    conn.commit()
    conn.close()
    broken = run_cli(final_bot, "verify")
    assert broken.returncode == 1 and "BROKEN at row 3" in broken.stdout and "edited" in broken.stdout


def test_the_chain_head_is_posted_daily_to_the_audit_channel_and_verifies(
    start_bot: BotFactory, fake_slack: FakeSlack
) -> None:
    """GONG_ERASE_AUDIT_CHANNEL gets the day's checkpoint (row and seal) once, whatever restarts; verify --head
    proves the database still holds it."""
    bot = start_bot(GONG_ERASE_AUDIT_CHANNEL="CAUDIT")
    user = SignedSlack(bot.url, fake_slack)
    submit_request(user, fresh_number()[0], preview=False)
    post = fake_slack.wait_for(lambda: fake_slack.posts("CAUDIT"), timeout=15, what="the audit checkpoint")[0]
    head = re.search(r"--head (\d+:[0-9a-f]{64})", post.all_text)
    assert head and "Audit checkpoint" in post.text
    verified = run_cli(bot, "verify", "--head", head.group(1))
    assert verified.returncode == 0 and "still holds the head" in verified.stdout
    bot.kill()
    again = BotProcess({**bot.env}, bot.log_path).start()  # a restart on the same day
    time.sleep(1.0)  # several rounds of the housekeeper
    again.kill()
    assert len(fake_slack.posts("CAUDIT")) == 1
    sealed = re.findall(r"audit #(\d+) sealed ([0-9a-f]{16})", bot.logs())
    assert sealed and all(
        db_rows(bot, "SELECT row_hash FROM audit WHERE id = ?", (int(row),))[0]["row_hash"].startswith(prefix)
        for row, prefix in sealed
    )
