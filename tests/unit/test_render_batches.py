"""A batch's progress line and its results file (pure)."""

from __future__ import annotations

import csv
import io

from bot.domain.approval import ApprovalPolicy
from bot.domain.batch import BatchFacts, BatchItem, BatchView, ItemOutcome, Progress
from bot.domain.request import ErasureRequest, State
from bot.domain.target import TargetKind
from bot.render.batches import (
    RESULT_COLUMNS,
    ResultRow,
    approval_message,
    confirmation,
    modal,
    progress_bar,
    progress_text,
    results_csv,
    summary,
)
from tests.fakes.blockkit import validate_blocks, validate_modal


def test_progress_counts_only_what_goes_to_gong_and_the_bar_follows_the_answers() -> None:
    """Done, failed and waiting from the items' outcomes (intake refusals apart); the bar fills with answers."""
    outcomes = [ItemOutcome.ACCEPTED] * 3 + [ItemOutcome.VERIFIED, ItemOutcome.FAILED] + [ItemOutcome.WAITING] * 5
    progress = Progress.of([*outcomes, ItemOutcome.REFUSED])
    assert (progress.done, progress.failed, progress.waiting, progress.total) == (4, 1, 5, 10)
    assert progress_bar(progress, width=10) == "▰▰▰▰▰▱▱▱▱▱ 50%"
    assert progress_bar(Progress(0, 0, 0)).endswith("100%")


def test_the_eta_comes_from_the_budget_rate_and_the_checks_each_item_will_also_cost() -> None:
    """900 waiting at 3 calls/s is 5 minutes; with three verification lookups per item, four times that."""
    progress = Progress(done=100, failed=0, waiting=900)
    assert progress.eta_seconds(3.0) == 300
    assert progress.eta_seconds(3.0, calls_per_item=4) == 1200
    text = progress_text(progress, 3.0)
    assert "100 done · 0 failed · 900 waiting · about 5 min left" in text
    assert "left" not in progress_text(Progress(done=3, failed=1, waiting=0), 3.0)


def test_the_results_file_has_one_row_per_line_in_order_and_no_formula_runs() -> None:
    """The contract's columns, rows by line number, and a cell a spreadsheet would run (an error text starting with
    `=`) defused with a leading quote; the mask and the hash, never the identifier."""
    rows = [
        ResultRow(3, "+1 ••• ••• 2671", "ab" * 32, ItemOutcome.FAILED, "g-1", 3, '=HYPERLINK("x")'),
        ResultRow(1, "j•••@example.com", "cd" * 32, ItemOutcome.ACCEPTED, "g-2", 1),
        ResultRow(2, "••••••••71", "", ItemOutcome.REFUSED, error="The number needs a leading +"),
    ]
    parsed = list(csv.reader(io.StringIO(results_csv(rows).decode())))
    assert tuple(parsed[0]) == RESULT_COLUMNS
    assert [row[0] for row in parsed[1:]] == ["1", "2", "3"]
    assert parsed[1] == ["1", "j•••@example.com", "cd" * 32, "accepted", "g-2", "1", ""]
    assert parsed[3][6] == '\'=HYPERLINK("x")' and parsed[3][1] == "'+1 ••• ••• 2671"


POLICY = ApprovalPolicy(users=frozenset({"UAPP"}), groups=frozenset())


def _view(state: State = State.PENDING, refused: int = 0, failures: int = 0) -> BatchView:
    batch = ErasureRequest(
        id="EB-7K2M9QXA", state=state, kind=TargetKind.BATCH, identifier=None, masked="4,000 identifiers",
        display=None, country="", number_valid=True, reason="DSR-1 <script>", requester="UREQ", channel="C1",
        created_at=1_800_000_000.0, expires_at=1_800_086_400.0, required_approvals=1, approvals=("UAPP",),
    )  # fmt: skip
    facts = BatchFacts(id=batch.id, phones=3990, addresses=10, duplicates=7, refused=refused, sampled=25,
                       sampled_held=19)  # fmt: skip
    counts = dict.fromkeys(ItemOutcome, 0) | {
        ItemOutcome.ACCEPTED: 1000,
        ItemOutcome.FAILED: failures,
        ItemOutcome.WAITING: 3000 - failures,
        ItemOutcome.REFUSED: refused,
    }
    items = tuple(
        BatchItem(
            batch.id,
            n,
            TargetKind.PHONE,
            None,
            "+1 ••• ••• 2671",
            None,
            ItemOutcome.FAILED,
            error="Gong refused it (400). " * 20,
            gong_request_id=f"r{n}",
        )
        for n in range(failures)
    )
    return BatchView(batch, facts, counts, ("+1 ••• ••• 2671",) * 5, items[:20], 3.0, 4.0)


def refused_items(count: int) -> list[BatchItem]:
    return [BatchItem("EB-7K2M9QXA", n, TargetKind.PHONE, None, "••••••••71", None, ItemOutcome.REFUSED,
                      error="That is not a phone number that can exist: check the country code. " * 3)
            for n in range(1, count + 1)]  # fmt: skip


def test_the_confirmation_shows_counts_and_every_refusal_up_to_twenty_within_block_kit_limits() -> None:
    """4,000 understood, duplicates and refused counted; 20 refused lines named, then a count; Slack accepts it."""
    _, blocks = confirmation(_view(refused=57), refused_items(20))
    said = " ".join(block.get("text", {}).get("text", "") for block in blocks)
    assert "4,000 identifiers understood" in said and "Duplicates merged:* 7" in said
    assert "line 20 `••••••••71`" in said and "line 21" not in said and "and 37 more refused line(s)" in said
    assert validate_blocks(blocks) == []
    assert [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == [
        "bulk_submit", "bulk_cancel"]  # fmt: skip


def test_the_approval_message_shows_the_sample_the_buttons_and_later_the_progress_without_identifiers() -> None:
    """Pending: samples, the preview of a sample, approve (confirmed)/reject/cancel. Approved: bar, counts, ETA."""
    _, pending = approval_message(_view(), POLICY, 1_800_000_100.0)
    said = str(pending)
    assert "Gong holds data for 19 of 25 sampled" in said and "&lt;script&gt;" in said and "<script>" not in said
    assert validate_blocks(pending) == []
    buttons = [e for b in pending if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in buttons] == ["erase_approve", "erase_reject", "erase_cancel"]
    assert buttons[0]["confirm"] and all(e["value"] == "EB-7K2M9QXA" for e in buttons)
    _, running = approval_message(_view(State.APPROVED, failures=2), POLICY)
    said = str(running)
    assert "1,000 done · 2 failed · 2,998 waiting" in said and "about 1 h 7 min left" in said
    assert not [b for b in running if b["type"] == "actions"]


def test_the_summary_names_failures_with_gong_ids_offers_retry_and_fits_slack() -> None:
    """Failures named (first 20, then a count), Gong's requestIds, a retry button; within Block Kit's limits."""
    _, blocks = summary(_view(State.SUBMITTED, refused=3, failures=25))
    said = str(blocks)
    assert "Gong accepted 1,000" in said and "25 failed" in said and "3 line(s) were refused" in said
    assert "`r19`" in said and "`r20`" not in said and "and 5 more in the results file" in said
    assert validate_blocks(blocks) == []
    assert [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == ["bulk_retry"]


def test_the_bulk_modal_is_one_slack_accepts() -> None:
    """The modal's blocks, ids and limits are those the listener and Slack expect."""
    view = modal("C1")
    assert validate_modal(view) == []
    ids = [(b["block_id"], b["element"]["action_id"]) for b in view["blocks"] if b["type"] == "input"]
    assert ids == [("bulk_identifiers", "identifiers"), ("bulk_file", "file"), ("bulk_reason", "reason")]
    assert view["callback_id"] == "erase_bulk" and view["private_metadata"] == "C1"
