"""What a batch shows: its progress line, and the results file threaded under it at the end (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.batch import ItemOutcome, Progress

__all__ = ["RESULT_COLUMNS", "ResultRow", "progress_bar", "progress_text", "results_csv", "spreadsheet_safe"]

RESULT_COLUMNS = ("line", "identifier_masked", "identifier_hash", "outcome", "gong_request_id", "attempts", "error")
BAR_WIDTH = 20


@dataclass(frozen=True)
class ResultRow:
    """One line of the results file: never the identifier itself, only its mask and keyed hash."""

    line: int
    identifier_masked: str
    identifier_hash: str
    outcome: ItemOutcome
    gong_request_id: str = ""
    attempts: int = 0
    error: str = ""


def progress_bar(progress: Progress, width: int = BAR_WIDTH) -> str:
    """`▰▰▰▰▰▱▱▱▱▱ 50%`: the share of items Gong has answered for (accepted or failed)."""
    total = progress.total
    answered = progress.done + progress.failed
    filled = round(width * answered / total) if total else width
    percent = round(100 * answered / total) if total else 100
    return "▰" * filled + "▱" * (width - filled) + f" {percent}%"


def progress_text(progress: Progress, calls_per_second: float, calls_per_item: float = 1.0) -> str:
    """The bar, the counts, and the time left at the Gong budget's rate."""
    counts = f"{progress.done:,} done · {progress.failed:,} failed · {progress.waiting:,} waiting"
    eta = progress.eta_seconds(calls_per_second, calls_per_item)
    left = f" · about {_duration(eta)} left" if progress.waiting else ""
    return f"{progress_bar(progress)}\n{counts}{left}"


def results_csv(rows: Iterable[ResultRow]) -> bytes:
    """The results file: a header, then one row per line of the batch, in line order; cells a spreadsheet would
    run as a formula are defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for row in sorted(rows, key=lambda r: r.line):
        writer.writerow([spreadsheet_safe(value) for value in (row.line, row.identifier_masked, row.identifier_hash,
                                                              row.outcome.value, row.gong_request_id, row.attempts,
                                                              row.error)])  # fmt: skip
    return out.getvalue().encode()


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading ' (OWASP)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def _duration(seconds: float) -> str:
    """`45 s`, `12 min`, `3 h 20 min`."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
