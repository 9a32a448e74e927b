"""Reading a batch: pasted lists and files, CSV or not, every line accounted for (pure)."""

from __future__ import annotations

import pytest

from bot.domain.batch import (
    MAX_BATCH_BYTES,
    MAX_BATCH_ITEMS,
    ItemEvent,
    ItemOutcome,
    item_is_over,
    mask_line,
    next_outcome,
    read_batch,
    read_sources,
    scrub_batch_reason,
)
from bot.domain.target import TargetKind
from bot.errors import IllegalTransition, InputRejected, Why
from bot.render.refusals import explain


def test_a_pasted_list_mixes_numbers_and_addresses_and_merges_duplicates() -> None:
    """One identifier per line, any spelling the single command accepts; the same E.164 or address twice is one
    item (counted), blank lines are skipped, order is kept."""
    intake = read_batch("+1 425 555 2671\n\nJane.Doe@Example.com\n+1 (425) 555-2671\n+44 20 7946 0958\n"
                        "jane.doe@example.com\n")  # fmt: skip
    assert [item.target.identifier for item in intake.items] == ["+14255552671", "Jane.Doe@example.com",
                                                                  "+442079460958"]  # fmt: skip
    assert [item.line for item in intake.items] == [1, 3, 5]
    assert intake.duplicates == 2 and intake.refused == ()
    assert (intake.phones, intake.addresses) == (2, 1)


def test_every_refused_line_is_kept_with_its_number_masked_text_and_reason() -> None:
    """Lines the single command would refuse are refused here too, by line number, with the same explanation;
    the text shown is masked."""
    intake = read_batch("4255552671\n+1 425 555 2671 ext. 12\njane@localhost\n+1 425 555 2671 DSR-1\n+1 425 555 0100")
    refused = {r.line: r for r in intake.refused}
    assert set(refused) == {1, 2, 3, 4} and [i.line for i in intake.items] == [5]
    assert refused[1].refusal.why is Why.NO_PLUS and refused[2].refusal.why is Why.EXTENSION
    assert refused[3].refusal.why is Why.BAD_EMAIL and refused[4].refusal.why is Why.ONE_PER_LINE
    assert refused[1].masked == "••••••••71" and "2671" not in refused[2].masked
    assert "one phone number or email address on each line" in explain(refused[4].refusal)


def test_csv_with_a_header_uses_the_named_column_and_a_reason_column() -> None:
    """A CSV export: the `Email_Address` column (any case), a per-line `reason`; quoted cells; BOM and CRLF."""
    raw = ("\ufeffname,Email_Address,reason\r\n\"Doe, Jane\",jane.doe@example.com,DSR-1\r\n"
           "Sam,+1 425 555 2671,DSR-2\r\nNobody,,\r\n").encode()  # fmt: skip
    intake = read_batch(raw)
    assert [(i.line, i.target.kind, i.reason) for i in intake.items] == [
        (2, TargetKind.EMAIL, "DSR-1"), (3, TargetKind.PHONE, "DSR-2")]  # fmt: skip
    assert [r.line for r in intake.refused] == [4]  # a row without the identifier is refused, not dropped


def test_csv_without_a_known_column_takes_the_first() -> None:
    """A header naming no known column: the first column holds the identifiers."""
    intake = read_batch("number,source\n+1 425 555 2671,crm\n+44 20 7946 0958,legal\n")
    assert [i.target.identifier for i in intake.items] == ["+14255552671", "+442079460958"]


@pytest.mark.parametrize(("raw", "unit"), [
    ("\n".join(f"+1 425 555 {n:04d}" for n in range(MAX_BATCH_ITEMS + 1)), "identifiers"),
    ("x" * (MAX_BATCH_BYTES + 1), "bytes"),
])  # fmt: skip
def test_a_batch_past_the_limits_is_refused_naming_the_limit(raw: str, unit: str) -> None:
    """5,001 identifiers or more than 1 MB: refused as a whole, the words name the limit and what to do."""
    with pytest.raises(InputRejected) as refused:
        read_batch(raw)
    words = explain(refused.value)
    assert refused.value.why is Why.BATCH_TOO_LARGE and unit in words and "Split it" in words


def test_exactly_the_limit_is_accepted() -> None:
    """5,000 identifiers is one batch."""
    intake = read_batch("\n".join(f"+1 425 555 {n:04d}" for n in range(MAX_BATCH_ITEMS)))
    assert len(intake.items) == MAX_BATCH_ITEMS


def test_a_file_that_is_not_utf8_is_refused() -> None:
    """A spreadsheet saved as Latin-1 (or a binary file): say how to export it."""
    with pytest.raises(InputRejected) as refused:
        read_batch("caf\xe9,+1 425 555 2671".encode("latin-1"))
    assert refused.value.why is Why.BATCH_NOT_TEXT and "UTF-8" in explain(refused.value)


def test_mask_line_keeps_the_shape_not_the_content() -> None:
    """Letters and digits become •, all but the last two; punctuation stays, so a person recognises the line."""
    assert mask_line("+1 425 555 2671") == "+• ••• ••• ••71"
    assert mask_line("jane@localhost") == "••••@•••••••st"
    assert mask_line("   ") == "(empty)"


def test_a_pasted_list_and_a_file_are_read_together_numbered_on_and_merged() -> None:
    """The file's lines number on after the pasted ones; an identifier in both is one item; limits are joint."""
    read = read_sources("+1 425 555 2671\njane@example.com", b"phone\n+14255552671\n+44 20 7946 0958\nnope\n")
    assert [(item.line, item.target.identifier) for item in read.items] == [
        (1, "+14255552671"), (2, "jane@example.com"), (5, "+442079460958")
    ]  # fmt: skip
    assert read.duplicates == 1 and [r.line for r in read.refused] == [6]
    with pytest.raises(InputRejected) as refused:
        read_sources("+1 425 555 2671\n" * 3000, ("+1 425 555 2672\n" * 2001).encode())
    assert refused.value.facts["size"] == 5001


def test_an_item_moves_only_by_its_table_and_a_failed_one_keeps_its_identifier() -> None:
    """Waiting → accepted or failed; failed → waiting only by a retry; checks end in verified or unverified."""
    assert next_outcome(ItemOutcome.WAITING, ItemEvent.GONG_ACCEPTED) is ItemOutcome.ACCEPTED
    assert next_outcome(ItemOutcome.FAILED, ItemEvent.RETRY) is ItemOutcome.WAITING
    for outcome, event in [(ItemOutcome.ACCEPTED, ItemEvent.RETRY), (ItemOutcome.REFUSED, ItemEvent.GONG_ACCEPTED),
                           (ItemOutcome.VERIFIED, ItemEvent.STILL_HELD)]:  # fmt: skip
        with pytest.raises(IllegalTransition):
            next_outcome(outcome, event)
    assert item_is_over(ItemOutcome.ACCEPTED, checks=0) and not item_is_over(ItemOutcome.ACCEPTED, checks=3)
    assert not item_is_over(ItemOutcome.FAILED, checks=0)  # kept for a retry, until the window closes
    assert item_is_over(ItemOutcome.UNVERIFIED, checks=3) and item_is_over(ItemOutcome.REFUSED, checks=3)


def test_a_batch_reason_loses_typed_identifiers_but_keeps_tickets_and_dates() -> None:
    """The reason is public: a `+` number or an address typed into it goes; DSR-20261129 and dates stay."""
    scrubbed = scrub_batch_reason("DSR-20261129 received:2026-11-20 gdpr, incl. +1 425 555 2671 and jo@example.com")
    assert scrubbed == "DSR-20261129 received:2026-11-20 gdpr, incl. [removed] and [removed]"
