"""A batch of identifiers as a DSR tool, legal or a CRM clean-up hands it over (pure): a pasted list or a file,
one identifier per line or CSV with a header, each line parsed by the single command's rules. Nothing is
dropped in silence: every line is an item, a duplicate of an earlier item, or a refusal with its line number."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from enum import StrEnum

from ..errors import InputRejected, Why
from .target import Target, TargetKind, parse_erase_text
from .text import clean

__all__ = ["IDENTIFIER_COLUMNS", "MAX_BATCH_BYTES", "MAX_BATCH_ITEMS", "BatchLine", "Intake", "ItemOutcome",
           "Progress", "Refused", "mask_line", "read_batch"]  # fmt: skip

MAX_BATCH_ITEMS = 5000  # half of Gong's daily allowance: a batch never starves everything else for a whole day
MAX_BATCH_BYTES = 1_000_000
IDENTIFIER_COLUMNS = ("phone", "phone_number", "email", "email_address", "identifier")


@dataclass(frozen=True)
class BatchLine:
    """One identifier to erase: where it was in the list, what it is, and the line's own reason (CSV `reason`)."""

    line: int
    target: Target
    reason: str = ""


@dataclass(frozen=True)
class Refused:
    """A line that is not an identifier: its number, its text masked, and why (the single command's reason)."""

    line: int
    masked: str
    refusal: InputRejected


@dataclass(frozen=True)
class Intake:
    """What a batch came to: items in list order, duplicates merged (counted), refusals."""

    items: tuple[BatchLine, ...]
    refused: tuple[Refused, ...]
    duplicates: int

    @property
    def phones(self) -> int:
        """How many items are phone numbers."""
        return sum(1 for item in self.items if item.target.kind is TargetKind.PHONE)

    @property
    def addresses(self) -> int:
        """How many items are email addresses."""
        return len(self.items) - self.phones


class ItemOutcome(StrEnum):
    """Where one item of a batch stands."""

    WAITING = "waiting"  # not yet sent to Gong (or being retried)
    ACCEPTED = "accepted"  # Gong took the erase request; checks may follow
    FAILED = "failed"  # Gong refused it, or we gave up retrying
    VERIFIED = "verified"  # a later lookup found nothing left
    UNVERIFIED = "unverified"  # the last check still found data
    REFUSED = "refused"  # refused at intake: never sent


DONE = frozenset({ItemOutcome.ACCEPTED, ItemOutcome.VERIFIED, ItemOutcome.UNVERIFIED})


@dataclass(frozen=True)
class Progress:
    """Counts of a running batch, and how long the rest takes at the Gong budget's pace."""

    done: int
    failed: int
    waiting: int

    @property
    def total(self) -> int:
        """Items that go to Gong (refusals at intake are not counted here)."""
        return self.done + self.failed + self.waiting

    def eta_seconds(self, calls_per_second: float, calls_per_item: float = 1.0) -> float:
        """Seconds until the last waiting item has been sent, at the shared budget's rate (`calls_per_item` counts
        the verification lookups each item will also spend, which share the same budget)."""
        return math.ceil(self.waiting * calls_per_item / calls_per_second) if self.waiting else 0.0

    @classmethod
    def of(cls, outcomes: list[ItemOutcome]) -> Progress:
        """Counts from the items' outcomes (refused ones left out)."""
        return cls(done=sum(1 for o in outcomes if o in DONE), failed=outcomes.count(ItemOutcome.FAILED),
                   waiting=outcomes.count(ItemOutcome.WAITING))  # fmt: skip


def read_batch(raw: bytes | str) -> Intake:
    """Parse a pasted list or an uploaded file. InputRejected (BATCH_TOO_LARGE) past MAX_BATCH_BYTES or
    MAX_BATCH_ITEMS lines, with the limit named; a file that is not UTF-8 is refused the same way."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_BATCH_BYTES:
        raise InputRejected(Why.BATCH_TOO_LARGE, size=len(data), limit=MAX_BATCH_BYTES, unit="bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputRejected(Why.BATCH_NOT_TEXT) from None
    rows = _rows(text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(rows) > MAX_BATCH_ITEMS:
        raise InputRejected(Why.BATCH_TOO_LARGE, size=len(rows), limit=MAX_BATCH_ITEMS, unit="identifiers")
    items: list[BatchLine] = []
    refused: list[Refused] = []
    seen: set[tuple[TargetKind, str]] = set()
    duplicates = 0
    for line, value, reason in rows:
        try:
            command = parse_erase_text(value)
        except InputRejected as refusal:
            refused.append(Refused(line, mask_line(value), refusal))
            continue
        if command.reason:  # something after the identifier: a line must hold one identifier and nothing else
            refused.append(Refused(line, mask_line(value), InputRejected(Why.ONE_PER_LINE)))
            continue
        target = command.target
        # the same address in another case is the same person (the keyed hash lower-cases it too)
        key = (target.kind, target.identifier.lower() if target.kind is TargetKind.EMAIL else target.identifier)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        items.append(BatchLine(line, command.target, clean(reason).strip()[:500]))
    return Intake(tuple(items), tuple(refused), duplicates)


def _rows(text: str) -> list[tuple[int, str, str]]:
    """(line number, identifier text, reason) for every non-blank line: CSV when the first line is a header that
    names a column, or has several; else one identifier per line."""
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    header = next(csv.reader([first]), [])
    names = [cell.strip().lower() for cell in header]
    if len(names) < 2 and not set(names) & {*IDENTIFIER_COLUMNS, "reason"}:
        return [(number, line.strip(), "") for number, line in enumerate(lines, start=1) if line.strip()]
    column = next((names.index(name) for name in IDENTIFIER_COLUMNS if name in names), 0)
    reason_at = names.index("reason") if "reason" in names else None
    rows = []
    start = lines.index(first) + 2  # the header's line number, plus one
    for number, cells in enumerate(csv.reader(io.StringIO("\n".join(lines[start - 1 :]))), start=start):
        if not any(cell.strip() for cell in cells):
            continue
        value = cells[column].strip() if column < len(cells) else ""
        reason = cells[reason_at] if reason_at is not None and reason_at < len(cells) else ""
        rows.append((number, value, reason))
    return rows


_LETTER_OR_DIGIT = re.compile(r"\w", re.UNICODE)


def mask_line(text: str) -> str:
    """A refused line as it may be shown privately and in the results file: its shape, not its content — every
    letter and digit but the last two becomes •, at most 40 characters."""
    text = clean(text).strip()[:40]
    keep = len(text) - 2
    return "".join("•" if i < keep and _LETTER_OR_DIGIT.match(ch) else ch for i, ch in enumerate(text)) or "(empty)"
