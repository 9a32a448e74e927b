"""Bulk erasure end to end over HTTP: `/gong-erase bulk` → modal → private confirmation with every refusal →
submit → one approval → every item erased once, in list order → summary and results file in the thread."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
import time
from typing import Any

from tests.conftest import Deployment
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack, Message
from tests.support import (
    APPROVER,
    CHANNEL,
    OUTSIDER,
    REQUESTER,
    ROOT,
    BotProcess,
    SignedSlack,
    all_text,
    button_value,
    db_rows,
    fresh_number,
)

_addresses = itertools.count(int(time.time() * 1000) % 10_000_000)


def fresh_address() -> str:
    return f"bulk.person{next(_addresses)}@example.com"


def confirmation_of(slack: FakeSlack, seen: int, user: str = REQUESTER) -> Message:
    """The next private message to `user` after the `seen` they had."""
    return slack.wait_for(lambda: slack.ephemeral_to(user)[seen:] and slack.ephemeral_to(user)[seen],
                          what="the private answer to the batch")  # fmt: skip


def approval_of(slack: FakeSlack, batch_id: str) -> Message:
    return slack.wait_for(lambda: next((m for m in slack.posts(CHANNEL) if batch_id in m.text), None),
                          what="the batch's approval message")  # fmt: skip


def results_of(slack: FakeSlack, parent: Message, timeout: float = 30.0) -> list[dict[str, str]]:
    """The rows of the results file uploaded into the approval message's thread."""
    files = slack.wait_for(lambda: slack.files_in(CHANNEL, parent.ts), timeout=timeout, what="the results file")
    assert len(files) == 1
    return list(csv.DictReader(io.StringIO(files[0].content.decode())))


def submit_batch(slack_user: SignedSlack, slack: FakeSlack, pasted: str = "", file: dict[str, Any] | None = None,
                 reason: str = "DSR-1234") -> tuple[str, Message]:  # fmt: skip
    """Send a batch through the modal and submit its confirmation: its id and its public approval message."""
    seen = len(slack.ephemeral_to(REQUESTER))
    answer = slack_user.bulk(pasted, file, reason)
    assert answer.status_code == 200 and not answer.content.strip(), answer.text
    confirmation = confirmation_of(slack, seen)
    batch_id = button_value(confirmation.blocks, "bulk_submit")
    response, _ = slack_user.click("bulk_submit", batch_id, REQUESTER, ephemeral=True)
    assert response.status_code == 200
    return batch_id, approval_of(slack, batch_id)


def test_a_pasted_list_is_confirmed_approved_and_erased_once_each_with_a_results_file(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Phones and addresses mixed, a duplicate and a refused line: the requester sees exactly that privately; after
    one approval each identifier reaches Gong once, in list order; the thread gets the summary and a results file
    with one row per line, and no full identifier is public or logged."""
    slack_user = deployment.user()
    numbers = [fresh_number() for _ in range(4)]
    addresses = [fresh_address() for _ in range(2)]
    lines = [numbers[0][0], addresses[0], numbers[1][0], "+1 425 555", numbers[0][0].replace(" ", "-"),
             addresses[1].upper(), numbers[2][0], addresses[1], numbers[3][0]]  # fmt: skip
    seen = len(fake_slack.ephemeral_to(REQUESTER))
    answer = slack_user.bulk("\n".join(lines), reason="DSR-9001 received:2026-11-30 gdpr")
    assert answer.status_code == 200 and not answer.content.strip()

    confirmation = confirmation_of(fake_slack, seen)
    said = confirmation.all_text
    assert "6 identifiers understood" in said and "4 phone number(s), 2 email address(es)" in said
    assert "Duplicates merged:* 2" in said
    assert "line 4" in said and "Refused lines:* 1" in said
    assert numbers[1][1] not in fake_slack.everything_public()
    batch_id = button_value(confirmation.blocks, "bulk_submit")
    assert batch_id.startswith("EB-") and len(batch_id) == 11
    assert button_value(confirmation.blocks, "bulk_cancel") == batch_id
    assert not [c for _, e164 in numbers for c in fake_gong.calls_for(e164)]  # nothing before submit and approval

    response, _ = slack_user.click("bulk_submit", batch_id, REQUESTER, ephemeral=True)
    assert response.status_code == 200
    parent = approval_of(fake_slack, batch_id)
    assert "6 identifiers" in parent.all_text and "DSR-9001" in parent.all_text
    assert "+1 ••• ••• " + numbers[0][1][-4:] in parent.all_text
    assert button_value(parent.blocks, "erase_approve") == batch_id
    fake_slack.wait_for(lambda: "sampled" in parent.all_text, what="the preview of a sample")
    assert "Gong holds data for 0 of 6 sampled" in parent.all_text

    response, _ = slack_user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
    assert response.status_code == 200
    rows = results_of(fake_slack, parent)
    identifiers = [numbers[0][1], addresses[0], numbers[1][1], addresses[1], numbers[2][1], numbers[3][1]]
    erased = [c.phone.lower() for c in fake_gong.calls if c.phone and c.phone.lower() in identifiers]
    assert erased == identifiers  # each once, in the order of the list
    assert [row["line"] for row in rows] == ["1", "2", "3", "4", "6", "7", "9"]
    assert [row["outcome"] for row in rows] == ["accepted"] * 3 + ["refused"] + ["accepted"] * 3
    assert all(row["gong_request_id"] for row in rows if row["outcome"] == "accepted")
    assert all(len(row["identifier_hash"]) == 64 for row in rows if row["outcome"] == "accepted")
    summary = fake_slack.wait_for(lambda: [m for m in fake_slack.thread(CHANNEL, parent.ts) if "is through" in
                                           m.all_text], what="the summary")  # fmt: skip
    assert "Gong accepted 6" in summary[0].all_text and "1 line(s) were refused" in summary[0].all_text
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, what="the final progress")
    assert "6 done · 0 failed · 0 waiting" in parent.all_text
    public = fake_slack.everything_public() + "".join(
        f.content.decode() for f in fake_slack.files_in(CHANNEL, parent.ts)
    )
    logs = deployment.logs()
    for identifier in identifiers:
        assert identifier not in public and identifier not in logs
        assert identifier.lstrip("+") not in logs
    assert addresses[1].upper() not in public


def test_a_file_is_read_with_the_bot_token_and_its_csv_reason_column_kept(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """A CSV attached in the modal (header, `phone` column, CRLF, BOM) is fetched with the bot token and erased."""
    slack_user = deployment.user()
    numbers = [fresh_number() for _ in range(3)]
    content = "\ufeffname,phone,reason\r\n" + "".join(f"Person {i},{typed},ticket {i}\r\n"
                                                      for i, (typed, _) in enumerate(numbers))  # fmt: skip
    shared = fake_slack.share_file("dsr-export.csv", content.encode())
    batch_id, parent = submit_batch(slack_user, fake_slack, file=shared)
    slack_user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
    rows = results_of(fake_slack, parent)
    assert [row["line"] for row in rows] == ["2", "3", "4"]  # the file's own line numbers
    for _, e164 in numbers:
        assert len(fake_gong.wait_for_calls(e164, 1)) == 1


def test_a_file_slack_will_not_hand_over_is_refused_and_nothing_is_kept(
    deployment: Deployment, fake_slack: FakeSlack
) -> None:
    """Without files:read Slack answers its sign-in page: the requester is told to add the scope; nothing stays."""
    slack_user = deployment.user()
    shared = fake_slack.share_file("list.txt", fresh_number()[0].encode())
    seen = len(fake_slack.ephemeral_to(REQUESTER))
    fake_slack.scopes.discard("files:read")
    try:
        assert slack_user.bulk(file=shared).status_code == 200
        refusal = confirmation_of(fake_slack, seen)
    finally:
        fake_slack.scopes.add("files:read")
    assert "files:read" in refusal.all_text and "Nothing was stored" in refusal.all_text
    assert refusal.action_ids() == []


def test_an_empty_form_is_refused_beside_the_list_within_the_submission(deployment: Deployment) -> None:
    """Neither a list nor a file: Slack gets `response_action: errors` on bulk_identifiers, nothing else happens."""
    slack_user = deployment.user()
    answer = slack_user.bulk("", None, "DSR-1")
    assert answer.status_code == 200
    refused = answer.json()
    assert refused["response_action"] == "errors" and "paste" in refused["errors"]["bulk_identifiers"].lower()


def test_a_bad_received_date_is_refused_beside_the_reason(deployment: Deployment) -> None:
    """The batch reason follows the single command's rules: a date that is not one is shown beside the reason."""
    answer = deployment.user().bulk(fresh_number()[0], None, "DSR-1 received:2026-13-45 gdpr")
    assert answer.json()["response_action"] == "errors" and "bulk_reason" in answer.json()["errors"]


def test_five_thousand_and_one_identifiers_are_refused_with_the_limit_named(
    deployment: Deployment, fake_slack: FakeSlack
) -> None:
    """A file one line over the limit: refused whole, the limit named, nothing stored."""
    slack_user = deployment.user()
    content = "".join(f"+1 202 555 {i % 10000:04d}\n" for i in range(5001)).encode()
    seen = len(fake_slack.ephemeral_to(REQUESTER))
    assert slack_user.bulk(file=fake_slack.share_file("big.txt", content)).status_code == 200
    refusal = confirmation_of(fake_slack, seen)
    assert "5,001 identifiers" in refusal.all_text and "at most 5,000" in refusal.all_text
    assert refusal.action_ids() == []


def test_a_rejected_batch_sends_nothing_and_its_identifiers_are_wiped(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Reject is the single request's: nothing reaches Gong, the thread says so, no identifier is kept."""
    slack_user = deployment.user()
    numbers = [fresh_number() for _ in range(3)]
    batch_id, parent = submit_batch(slack_user, fake_slack, "\n".join(typed for typed, _ in numbers))
    response = slack_user.reject(batch_id, APPROVER, message_ts=parent.ts)
    assert response is not None and response.status_code == 200
    fake_slack.wait_for(lambda: "Rejected" in parent.all_text, what="the batch shown rejected")
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="the thread note")
    assert not [c for _, e164 in numbers for c in fake_gong.calls_for(e164)]
    kept = db_rows(deployment.any_host, "SELECT identifier FROM batch_items WHERE batch_id = ?", (batch_id,))
    assert len(kept) == 3 and all(row["identifier"] is None for row in kept)


def test_an_outsider_cannot_approve_a_batch(deployment: Deployment, fake_slack: FakeSlack) -> None:
    """The approval rules are the single request's: an outsider's click is refused privately. Nor are a batch's
    identifiers shown in Slack: a crafted Show click is told where to check them."""
    slack_user = deployment.user()
    batch_id, parent = submit_batch(slack_user, fake_slack, fresh_number()[0])
    response, url = slack_user.click("erase_approve", batch_id, OUTSIDER, message_ts=parent.ts)
    assert response.status_code == 200
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the refusal")[0]
    assert "approvers" in all_text(refusal["blocks"]).lower()
    _, url = slack_user.click("erase_show_number", batch_id, APPROVER, message_ts=parent.ts)  # no such button
    shown = all_text(fake_slack.wait_for(lambda: fake_slack.responded(url), what="the refusal")[0]["blocks"])
    assert "not shown in Slack" in shown and "erase_show_number" not in str(parent.blocks)


def run_cli(host: BotProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot …` against the deployment's database, as an admin runs it beside the bot."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=host.env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_a_batch_shows_in_status_list_home_lookup_and_the_export_one_row_per_item(
    deployment: Deployment, fake_slack: FakeSlack
) -> None:
    """`status EB-…` counts the items (and leaves out each item's calls), `list` and the Home tab show the batch,
    an approver's lookup of one identifier finds its line, the export has one row per line with the batch id, and
    `audit verify` finds the batch as it was sealed."""
    slack_user = deployment.user()
    numbers = [fresh_number() for _ in range(2)]
    batch_id, parent = submit_batch(slack_user, fake_slack, "\n".join([numbers[0][0], "nonsense", numbers[1][0]]))
    slack_user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
    results_of(fake_slack, parent)

    status = all_text(slack_user.command_answered_later(f"status {batch_id}")["blocks"])
    assert "2 accepted" in status and "1 refused" in status and "2 identifiers" in status
    assert "called Gong" not in status and "approved (decided)" in status
    listed = all_text(slack_user.command_answered_later("list")["blocks"])
    assert batch_id in listed and "2 identifiers" in listed
    assert batch_id in json.dumps(slack_user.open_home(REQUESTER))
    found = all_text(slack_user.command_answered_later(f"lookup {numbers[1][0]}", user=APPROVER)["blocks"])
    assert f"`{batch_id}`* line 3" in found and "item accepted" in found and numbers[1][1] not in found

    exported = run_cli(deployment.any_host, "audit", "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    rows = [row for row in json.loads(exported.stdout) if row["batch_id"] == batch_id]
    assert [(row["line"], row["state"]) for row in rows] == [(1, "accepted"), (2, "refused"), (3, "accepted")]
    assert all(row["request_id"].startswith(batch_id + "#") and row["requester"] == REQUESTER for row in rows)
    assert rows[0]["gong_request_id"] and rows[0]["gong_attempts"] == 1 and APPROVER in rows[0]["approvers"]
    assert numbers[0][1] not in exported.stdout
    verified = run_cli(deployment.any_host, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    cli_lookup = run_cli(deployment.any_host, "audit", "lookup", numbers[0][0])
    assert f"{batch_id} line 1 · item accepted" in cli_lookup.stdout
