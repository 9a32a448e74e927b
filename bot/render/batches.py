"""What a batch shows: its progress line, and the results file threaded under it at the end (pure)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.approval import ApprovalPolicy
from ..domain.batch import MAX_BATCH_ITEMS, BatchItem, BatchView, Intake, ItemOutcome, Progress
from ..domain.request import ErasureRequest, State
from ..errors import InputRejected
from .blocks import (
    Blocks,
    Message,
    button,
    context,
    escape,
    header,
    modal_view,
    section,
    slack_date,
    text_input,
    user,
)
from .refusals import explain
from .requests import break_glass_mark, confirm_buttons, decide_blocks, fields_section
from .words import STATE_LINES, approvers_of, due_text, reason_text

__all__ = [
    "RESULT_COLUMNS", "SHOWN_REFUSALS", "ResultRow", "after_retries", "approval_message", "budget_note", "check_note",
    "confirmation", "file_unreadable", "intake_refused", "modal", "nothing_to_erase", "progress_bar",
    "progress_text", "refused_words", "results_csv", "results_file", "size", "spreadsheet_safe", "summary",
]  # fmt: skip

SHOWN_REFUSALS = 20  # refused lines named in the private confirmation; the results file has them all
SHOWN_SAMPLES = 5
_ACCEPTED_FILE = (
    "One phone number (with `+` and the country code) or email address per line; or a CSV file with a header "
    "row, whose `phone`, `email` or `identifier` column is read (else the first), and an optional `reason` column."
)

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
    seconds = math.ceil(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def size(items: int) -> str:
    """`1 identifier`, `1,000 identifiers`: what a batch is for, in every public line about it."""
    return f"{items:,} identifier{'s' * (items != 1)}"


def modal(channel: str) -> dict[str, Any]:
    """`/gong-erase bulk`: paste a list, or attach a file, and give the batch its reason."""
    return modal_view("erase_bulk", channel, title="Bulk erase", submit="Check the list", close="Cancel", blocks=[
        section(f"Erase many people's data from Gong with one approval. {_ACCEPTED_FILE} At most "
                f"{MAX_BATCH_ITEMS:,} identifiers and 1 MB. Nothing is sent before you confirm and an approver "
                "approves."),
        text_input("bulk_identifiers", "identifiers", "Paste identifiers, one per line", max_length=3000,
                   multiline=True, optional=True, placeholder="+1 425 555 2671\njane.doe@example.com"),
        {"type": "input", "block_id": "bulk_file", "optional": True,
         "label": {"type": "plain_text", "text": "Or attach a CSV or text file"},
         "element": {"type": "file_input", "action_id": "file", "filetypes": ["csv", "txt"], "max_files": 1}},
        text_input("bulk_reason", "reason", "Reason (ticket, received:YYYY-MM-DD, gdpr or ccpa)", max_length=500,
                   placeholder="DSR-1234 received:2026-11-20 gdpr"),
    ])  # fmt: skip


def refused_words(refusal: InputRejected) -> str:
    """Why one line was refused, as the requester and the results file read it."""
    return explain(refusal)


def _refusal_lines(refused: Sequence[BatchItem], total: int) -> Blocks:
    """Every refused line shown (the first SHOWN_REFUSALS), in sections within Slack's 3,000 characters each."""
    lines = [f"• line {item.line} `{escape(item.masked)}`: {escape(item.error)[:240]}" for item in refused]
    if total > len(refused):
        lines.append(f"…and {total - len(refused):,} more refused line(s): the results file lists them all.")
    return _sections(lines)


def _sections(lines: Sequence[str]) -> Blocks:
    """Lines in as few sections as Slack's 3,000 characters a section allow."""
    blocks: Blocks = []
    chunk = ""
    for line in lines:
        if len(chunk) + len(line) + 1 > 2900:
            blocks.append(section(chunk))
            chunk = ""
        chunk += line + "\n"
    if chunk:
        blocks.append(section(chunk))
    return blocks


def confirmation(view: BatchView, refused: Sequence[BatchItem]) -> Message:
    """The requester's private check of a batch: what was understood, what was merged, every refused line."""
    batch, facts = view.request, view.facts
    lines = [
        f"*Batch `{batch.id}`: {size(facts.items)} understood* ({facts.phones:,} phone number(s), "
        f"{facts.addresses:,} email address(es))",
        f"*Duplicates merged:* {facts.duplicates:,} (the same number or address more than once is erased once)",
        f"*Refused lines:* {facts.refused:,}" + (" (below; they will not be sent)" if facts.refused else ""),
        f"*Reason:* {reason_text(batch)}",
    ]
    due = due_text(batch, batch.created_at)
    if due:
        lines.append(f"*Due:* {due}")
    blocks: Blocks = [section("\n".join(lines))]
    if refused:
        blocks += _refusal_lines(refused, facts.refused)
    blocks += [
        section("*This cannot be undone.* Gong deletes each person's calls, emails and CRM records over several "
                f"hours. At Gong's rate the batch takes about {_duration(facts.items / view.rate)}."),
        context(f"Batch `{batch.id}` · only you can see this · submitting posts it in this channel, every "
                "identifier masked, for approval"),
        confirm_buttons(batch.id, bulk=True),
    ]  # fmt: skip
    return f"Confirm bulk erase {batch.id} ({size(facts.items)})", blocks


def file_unreadable(code: str) -> Message:
    """Why the attached file could not be read, and what to do (nothing was stored)."""
    words = {
        "not_a_file": "Slack would not give me the file: the app lacks the `files:read` scope (Slack answered its "
        "sign-in page). Ask an admin to add `files:read` and reinstall the app, or paste the list instead.",
        "file_too_large": "The file is larger than 1 MB, the most one batch may be. Split it and send the parts one "
        "after the other.",
        "untrusted_file_url": "The file did not come from Slack, so I did not fetch it. Attach it again.",
    }.get(code, f"Slack would not give me the file ({code}). Attach it again, or paste the list instead.")
    return intake_refused(words)


def intake_refused(text: str) -> Message:
    """A batch refused as a whole: nothing of it was kept."""
    return "Bulk erase refused", [section(f":warning: {text}\nNothing was stored or sent. Start again with "
                                          "`/gong-erase bulk`.")]  # fmt: skip


def nothing_to_erase(batch: ErasureRequest, read: Intake) -> Message:
    """Every line was refused (or the list was empty): nothing to confirm; every refused line said."""
    items = [BatchItem(batch.id, r.line, batch.kind, None, r.masked, None, ItemOutcome.REFUSED,
                       error=refused_words(r.refusal)) for r in read.refused[:SHOWN_REFUSALS]]  # fmt: skip
    head = section(f":warning: Nothing in that list can be erased: {len(read.refused):,} line(s) were refused. "
                   "Correct them and start again with `/gong-erase bulk`.")  # fmt: skip
    return "Nothing in that list can be erased", [head, *_refusal_lines(items, len(read.refused))]


def approval_message(view: BatchView, policy: ApprovalPolicy, now: float | None = None) -> Message:
    """The public batch: its size, reason and samples, all masked; the preview of a sample; its progress once
    approved; the single request's buttons while it is pending."""
    batch, facts = view.request, view.facts
    what = [f"*Identifiers*\n{size(facts.items)} ({facts.phones:,} phone, {facts.addresses:,} email)"]
    blocks: Blocks = [header(f"Gong bulk erase {batch.id}"), fields_section(batch, policy, now, what)]
    if view.samples:
        more = f" and {facts.items - len(view.samples):,} more" if facts.items > len(view.samples) else ""
        blocks.append(context(f"Sample: {', '.join(escape(m) for m in view.samples)}{more}"[:3000]))
    blocks.append(section(f"*Status:* {_status(view)}"[:3000]))
    if batch.state is not State.PENDING and batch.state is not State.DRAFT:
        blocks.append(section(_progress(view)))
    if facts.refused:
        blocks.append(context(f"{facts.refused:,} line(s) were refused when the list was read and will not be sent; "
                              "the results file will list them."))  # fmt: skip
    blocks += break_glass_mark(batch)
    if batch.state is State.PENDING:
        blocks.append(section(_sample_line(view)))
        blocks += decide_blocks(batch)
    return f"Gong bulk erase {batch.id} ({size(facts.items)}, {batch.state.value})", blocks


def _status(view: BatchView) -> str:
    batch = view.request
    line = STATE_LINES[batch.state]
    if batch.state is State.APPROVED:
        line = ":gear: Approved: sending the items to Gong, one after the other"
    if batch.state in {State.REJECTED, State.CANCELLED} and batch.decided_by:
        line += f" by {user(batch.decided_by)}"
    if batch.approvals and batch.state not in {State.PENDING, State.REJECTED, State.CANCELLED, State.EXPIRED}:
        line += f" · approved by {approvers_of(batch)}"
    return line


def _progress(view: BatchView) -> str:
    text = progress_text(view.progress, view.rate, view.calls_per_item)
    resume_at = view.facts.resume_at
    if resume_at is not None and view.request.state is State.APPROVED:
        text += f"\n:hourglass: Today's Gong API allowance is used up: the batch resumes {slack_date(resume_at)}."
    verified = view.counts[ItemOutcome.VERIFIED]
    unverified = view.counts[ItemOutcome.UNVERIFIED]
    if verified or unverified:
        text += f"\nChecked later: {verified:,} verified erased · {unverified:,} still held at the last check"
    return text


def _sample_line(view: BatchView) -> str:
    facts = view.facts
    if facts.sampled is None:
        return ":mag: Looking up what Gong holds for a sample of the batch…"
    if facts.sampled == 0:
        return ":warning: *Preview unavailable:* Gong did not answer the sample's lookups. Approvers can still decide."
    return (f":mag: *Gong holds data for {facts.sampled_held:,} of {facts.sampled:,} sampled* identifiers (a sample, "
            "to spare Gong's daily API allowance, which every request shares).")  # fmt: skip


def summary(view: BatchView) -> Message:
    """The threaded end of a batch's run: accepted, failed (with Gong's requestIds), refused at intake; a retry
    button for the approvers when some failed."""
    c = view.counts
    accepted = c[ItemOutcome.ACCEPTED] + c[ItemOutcome.VERIFIED] + c[ItemOutcome.UNVERIFIED]
    failed = c[ItemOutcome.FAILED]
    icon = ":white_check_mark:" if not failed else ":warning:" if accepted else ":x:"
    text = (f"{icon} *Batch `{view.request.id}` is through{after_retries(view)}:* Gong accepted {accepted:,} "
            f"erase request(s); {failed:,} failed; {c[ItemOutcome.REFUSED]:,} line(s) were refused when the list "
            "was read and never sent. Gong deletes asynchronously: it may take several hours. The results file below "
            "has one row per line (masked).")  # fmt: skip
    blocks: Blocks = [section(text)]
    if view.failures:
        lines = []
        for item in view.failures:
            gong_id = f" · Gong requestId `{escape(item.gong_request_id)}`" if item.gong_request_id else ""
            lines.append(f"• line {item.line} `{escape(item.masked)}`: {escape(item.error)[:200]}{gong_id}")
        if failed > len(view.failures):
            lines.append(f"…and {failed - len(view.failures):,} more in the results file.")
        blocks += _sections(lines)
        blocks.append({"type": "actions", "block_id": "bulk_after", "elements": [
            button("bulk_retry", f"Retry {failed:,} failed", view.request.id, "primary")]})  # fmt: skip
        blocks.append(context("Approvers may send the failed items again, without another approval."))
    return f"Batch {view.request.id}: {accepted:,} accepted, {failed:,} failed", blocks


def after_retries(view: BatchView) -> str:
    """How many times approvers sent the failed items again, when they did: which run a summary is of."""
    retries = view.facts.retries
    return f" (after {retries} retr{'y' if retries == 1 else 'ies'} of the failed)" if retries else ""


def check_note(batch: ErasureRequest, tally: Mapping[str, Any]) -> Message:
    """One round of checks after the erase, for the whole batch, as counted when the round ended: counts, never
    identifiers."""
    verified, held, unverified = (int(tally.get(name, 0)) for name in ("verified", "still_held", "unverified"))
    text = (f":mag: *Check {tally.get('round', 1)} of batch `{batch.id}`:* {verified:,} verified erased · "
            f"{held:,} still held (checked again later) · {unverified:,} still held at the last check")  # fmt: skip
    if not held and unverified:
        text += (". Contact Gong support (help@gong.io) with the Gong requestIds of these items (`python -m bot audit "
                 "export` lists them).")  # fmt: skip
    elif not held:
        text += ". Every item Gong accepted is verified erased."
    if not held:
        text += " The checks are over: the results file below gives each line's verdict."
    return text.split("\n", 1)[0][:150], [section(text[:3000])]


def budget_note(batch: ErasureRequest, resume_at: float) -> Message:
    """Said once in the thread when the day's Gong API allowance is spent and the batch must wait."""
    text = (f":hourglass: Today's Gong API allowance is used up. Batch `{batch.id}` goes on automatically when it "
            f"renews, {slack_date(resume_at)}. Nothing else is needed.")  # fmt: skip
    return "Waiting for Gong's daily API allowance", [section(text)]


def results_file(batch: ErasureRequest, items: Sequence[BatchItem], *, checked: bool = False) -> tuple[str, bytes, str]:
    """The results file's name, content and title: one row per line of the list, never the identifier. `checked`:
    the file uploaded once the checks are over, each accepted item then `verified` or `unverified`."""
    rows = [ResultRow(item.line, item.masked, item.identifier_hash or "", item.outcome, item.gong_request_id or "",
                      item.attempts, item.error) for item in items]  # fmt: skip
    suffix, note = ("-checked", ", after Gong's checks") if checked else ("", "")
    return f"{batch.id}-results{suffix}.csv", results_csv(rows), f"Results of bulk erase {batch.id}{note}"
