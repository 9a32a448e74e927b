"""A batch of identifiers as a DSR tool, legal or a CRM clean-up hands it over (pure): a pasted list or a file,
one identifier per line or CSV with a header, each line parsed by the single command's rules. Nothing is
dropped in silence: every line is an item, a duplicate of an earlier item, or a refusal with its line number."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import IllegalTransition, InputRejected, Why
from .request import ErasureRequest
from .target import Target, TargetKind, parse_erase_text
from .text import clean

__all__ = [
    "BATCH_ID", "IDENTIFIER_COLUMNS", "ITEM_MOVES", "MAX_BATCH_BYTES", "MAX_BATCH_ITEMS", "BatchFacts", "BatchItem",
    "BatchLine", "BatchView", "Intake", "ItemEvent", "ItemOutcome", "Progress", "Refused", "item_facts",
    "item_is_over", "mask_line", "next_outcome", "read_batch", "read_sources", "scrub_batch_reason",
]  # fmt: skip

BATCH_ID = re.compile(r"^EB-[0-9A-Z]{8}$")  # a batch's request id: `EB-` and eight characters

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
class BatchItem:
    """One line of a stored batch: an item to erase, or a line refused at intake (no identifier)."""

    batch_id: str
    line: int
    kind: TargetKind
    identifier: str | None = field(repr=False)  # wiped once the item is over; None for a refused line
    masked: str
    identifier_hash: str | None
    outcome: ItemOutcome
    reason: str = ""
    attempts: int = 0
    gong_request_id: str | None = None
    error: str = ""
    checks: int = 0  # verification rounds this item has been through
    unreadable: bool = False  # the stored identifier did not decrypt: nothing may be sent for it


@dataclass(frozen=True)
class BatchFacts:
    """What a batch's intake counted, and what its execution has told so far."""

    id: str
    phones: int = 0
    addresses: int = 0
    duplicates: int = 0
    refused: int = 0
    file_name: str | None = None
    read_at: float | None = None  # when the intake finished; None while it is still being read
    sampled: int | None = None  # the approvers' preview: lookups made …
    sampled_held: int | None = None  # … and how many found data
    progress_at: float | None = None  # the last progress update of the approval message
    resume_at: float | None = None  # the day's Gong allowance is spent: when the batch goes on
    ended_at: float | None = None  # every item was answered for (the last run of it)
    retries: int = 0

    @property
    def items(self) -> int:
        """Identifiers that go to Gong."""
        return self.phones + self.addresses


@dataclass(frozen=True)
class BatchView:
    """A batch as its messages show it: the request, what the intake counted, where its items stand."""

    request: ErasureRequest  # the batch's own row (kind BATCH)
    facts: BatchFacts
    counts: dict[ItemOutcome, int]
    samples: tuple[str, ...]  # a few masked items, for the approvers
    failures: tuple[BatchItem, ...]  # the first failed items, for the summary
    rate: float  # Gong calls per second the budget allows
    calls_per_item: float  # the erase and each scheduled check
    items: tuple[BatchItem, ...] = ()  # one person's request (kind SUBJECT): every item, to list them all

    @property
    def progress(self) -> Progress:
        """Done, failed and waiting items."""
        c = self.counts
        return Progress(done=c[ItemOutcome.ACCEPTED] + c[ItemOutcome.VERIFIED] + c[ItemOutcome.UNVERIFIED],
                        failed=c[ItemOutcome.FAILED], waiting=c[ItemOutcome.WAITING])  # fmt: skip


def item_facts(items: Iterable[BatchItem]) -> list[tuple[int, str, str, str, bool]]:
    """What of each line the reading of a batch seals (see domain.integrity.items_digest): not its outcome, which
    moves on, nor its identifier, which is wiped."""
    return [(i.line, i.kind.value, i.masked, i.identifier_hash or "", i.outcome is ItemOutcome.REFUSED) for i in items]


class ItemEvent(StrEnum):
    """What moves one item of an approved batch."""

    GONG_ACCEPTED = "gong_accepted"
    GONG_FAILED = "gong_failed"
    RETRY = "retry"  # an approver asked to send the failed items again
    VERIFIED_ERASED = "verified_erased"
    STILL_HELD = "still_held"  # after the last check


# An item's own little table, as the request's (domain.request): every item write is a conditional one of these.
ITEM_MOVES: dict[tuple[ItemOutcome, ItemEvent], ItemOutcome] = {
    (ItemOutcome.WAITING, ItemEvent.GONG_ACCEPTED): ItemOutcome.ACCEPTED,
    (ItemOutcome.WAITING, ItemEvent.GONG_FAILED): ItemOutcome.FAILED,
    (ItemOutcome.FAILED, ItemEvent.RETRY): ItemOutcome.WAITING,
    (ItemOutcome.ACCEPTED, ItemEvent.VERIFIED_ERASED): ItemOutcome.VERIFIED,
    (ItemOutcome.ACCEPTED, ItemEvent.STILL_HELD): ItemOutcome.UNVERIFIED,
}


def next_outcome(outcome: ItemOutcome, event: ItemEvent) -> ItemOutcome:
    """Where `event` takes an item; IllegalTransition for a move the table does not have."""
    try:
        return ITEM_MOVES[(outcome, event)]
    except KeyError:
        raise IllegalTransition(outcome.value, event.value) from None


def item_is_over(outcome: ItemOutcome, checks: int) -> bool:
    """Nothing more will be sent for the item: its identifier is wiped with this move. A failed item keeps it
    while its batch may still be retried (see service.batches); `checks`: verification lookups scheduled."""
    return outcome in {ItemOutcome.VERIFIED, ItemOutcome.UNVERIFIED, ItemOutcome.REFUSED} or (
        outcome is ItemOutcome.ACCEPTED and not checks
    )


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
        key = _key(command.target)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        items.append(BatchLine(line, command.target, clean(reason).strip()[:500]))
    return Intake(tuple(items), tuple(refused), duplicates)


def read_sources(pasted: str, file: bytes | None) -> Intake:
    """A pasted list and a file together: the pasted lines first, then the file's, numbered on after them (line 1
    of the file is line `pasted lines + 1`); an identifier in both is a duplicate. The limits hold for the two
    together."""
    first = read_batch(pasted) if pasted.strip() else Intake((), (), 0)
    if file is None:
        return first
    if len(pasted.encode()) + len(file) > MAX_BATCH_BYTES:
        raise InputRejected(Why.BATCH_TOO_LARGE, size=len(pasted.encode()) + len(file), limit=MAX_BATCH_BYTES,
                            unit="bytes")  # fmt: skip
    second = read_batch(file)
    rows = sum(len(i.items) + len(i.refused) + i.duplicates for i in (first, second))
    if rows > MAX_BATCH_ITEMS:
        raise InputRejected(Why.BATCH_TOO_LARGE, size=rows, limit=MAX_BATCH_ITEMS, unit="identifiers")
    offset = len(pasted.replace("\r\n", "\n").split("\n")) if pasted.strip() else 0
    seen = {_key(item.target) for item in first.items}
    items = list(first.items)
    duplicates = first.duplicates + second.duplicates
    for item in second.items:
        if _key(item.target) in seen:
            duplicates += 1
            continue
        items.append(BatchLine(item.line + offset, item.target, item.reason))
    refused = first.refused + tuple(Refused(r.line + offset, r.masked, r.refusal) for r in second.refused)
    return Intake(tuple(items), refused, duplicates)


_TYPED_IDENTIFIER = re.compile(r"\+\s*\d[\d\s().\-]{5,}\d|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+")


def scrub_batch_reason(reason: str) -> str:
    """A batch's reason is public: a number written with its `+` or an address typed into it is removed (a batch
    has no one identifier to recognise, and ticket numbers and dates must stay as written)."""
    return _TYPED_IDENTIFIER.sub("[removed]", reason)


def _key(target: Target) -> tuple[TargetKind, str]:
    """Two items are the same person's when this is equal: the same address in another case is the same (the keyed
    hash lower-cases it too)."""
    return target.kind, target.identifier.lower() if target.kind is TargetKind.EMAIL else target.identifier


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
