"""A batch's progress line and its results file (pure)."""

from __future__ import annotations

import csv
import io

from bot.domain.batch import ItemOutcome, Progress
from bot.render.batches import RESULT_COLUMNS, ResultRow, progress_bar, progress_text, results_csv


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
