"""`python -m bot audit …`: what an auditor asks of the database, from the command line."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from .adapters.keys import development_key
from .adapters.store import Store
from .config import AuditSettings
from .domain.request import ErasureRequest
from .domain.target import parse_erase_text
from .errors import ConfigError, InputRejected
from .render.refusals import explain
from .service.audit import EXPORT_COLUMNS, export, verify
from .service.queries import records_for

__all__ = ["main"]


def main(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`python -m bot audit lookup|verify|export`; 0 when all is well, 1 when the log is broken, 2 on bad use."""
    parser = argparse.ArgumentParser(prog="python -m bot audit", description="Answer an auditor's questions.")
    commands = parser.add_subparsers(dest="command", required=True)
    lookup = commands.add_parser("lookup", help="what became of a phone number or email address")
    lookup.add_argument("identifier", nargs="+", help="a phone number with + and country code, or an address")
    checking = commands.add_parser("verify", help="check that no audit row was edited, deleted, inserted or reordered")
    checking.add_argument(
        "--head", metavar="ROW:SEAL", help="a head posted outside the database (the audit channel's checkpoint, or a "
        "log line 'audit #ROW sealed SEAL'): prove the log still holds it",
    )  # fmt: skip
    exporting = commands.add_parser("export", help="one row per request, for an auditor")
    exporting.add_argument("--format", choices=["csv", "json"], default="csv")
    exporting.add_argument("--since", type=_day, help="only requests made on or after this day (YYYY-MM-DD, UTC)")
    args = parser.parse_args(argv)
    try:
        settings = AuditSettings.from_env()
        key = settings.hash_key or development_key(settings.db_path, create=False)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"cannot run: {problem}", file=err)
        return 2
    if not Path(settings.db_path).exists():
        print(f"cannot run: there is no database at {settings.db_path} (set GONG_ERASE_DB)", file=err)
        return 2
    store = Store(settings.db_path, hash_key=key)
    if args.command == "verify":
        return _verify(store, args.head, out)
    if args.command == "export":
        return _export(store, args.format, args.since or 0.0, out)
    try:
        target = parse_erase_text(" ".join(args.identifier)).target
    except InputRejected as refusal:
        print(explain(refusal), file=err)
        return 2
    found = records_for(store, key, target)
    if not found:
        print(f"no record of an erase request for {target.masked}", file=out)
        return 0
    print(f"{len(found)} erase request(s) for {target.masked}", file=out)
    for request in found:
        print(printable(_describe(request)), file=out)
    return 0


def printable(text: str) -> str:
    """Terminal output without control characters (an ANSI escape in an old reason must not steer the terminal)."""
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cf"})


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading ' (OWASP)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def _verify(store: Store, head: str | None, out: TextIO) -> int:
    verdict = verify(store, head)
    if not verdict.problems:
        held = f"; it still holds the head {head}" if head else ""
        print(f"audit log intact: {verdict.checked} row(s), every link holds{held}", file=out)
        return 0
    first, *more = verdict.problems
    where = first if first.startswith("at ") else f"- {first}"
    print(f"audit log BROKEN {where} (checked {verdict.checked} row(s))", file=out)
    for problem in more:
        print(f"  and {problem}", file=out)
    return 1


def _export(store: Store, fmt: str, since: float, out: TextIO) -> int:
    records = export(store, since)
    if fmt == "json":
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({name: spreadsheet_safe(value) for name, value in record.items()} for record in records)
    return 0


def _iso(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else ""


def _day(text: str) -> float:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-11-29") from None


def _describe(request: ErasureRequest) -> str:
    lines = [
        f"{request.id}  {request.state.value}",
        f"  requested  {_when(request.created_at)} by {request.requester}  reason: {request.reason or '-'}",
    ]
    if request.approvals:
        lines.append(f"  approved   by {', '.join(request.approvals)}")
    if request.decided_at:
        lines.append(
            f"  decided    {_when(request.decided_at)}" + (f" by {request.decided_by}" if request.decided_by else "")
        )
    if request.gong_request_id:
        lines.append(f"  Gong requestId {request.gong_request_id}")
    if request.checked_at:
        lines.append(f"  last check {_when(request.checked_at)}")
    if request.next_check_at:
        lines.append(f"  next check {_when(request.next_check_at)}")
    if request.failure:
        lines.append(f"  failure    {request.failure}")
    return "\n".join(lines)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
