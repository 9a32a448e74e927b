"""`python -m bot audit …`: what an auditor asks of the database, from the command line."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from .config import AuditSettings
from .erasure import ErasureRequest, State
from .errors import ConfigError, InputRejected
from .keys import development_key
from .proof import identifier_hash
from .store import Store
from .targets import parse_erase_text


def main(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot audit", description="Answer an auditor's questions.")
    commands = parser.add_subparsers(dest="command", required=True)
    lookup = commands.add_parser("lookup", help="what became of a phone number or email address")
    lookup.add_argument("identifier", nargs="+", help="a phone number with + and country code, or an address")
    commands.add_parser("verify", help="check that no audit row was edited, deleted, inserted or reordered")
    export = commands.add_parser("export", help="one row per request, for an auditor")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--since", type=_day, help="only requests made on or after this day (YYYY-MM-DD, UTC)")
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
    store = Store(settings.db_path, key)
    if args.command == "verify":
        return _verify(store, out)
    if args.command == "export":
        return _export(store, args.format, args.since or 0.0, out)
    try:
        target = parse_erase_text(" ".join(args.identifier)).target
    except InputRejected as refusal:
        print(refusal.message, file=err)
        return 2
    found = store.find_by_hash(identifier_hash(key, target.kind, target.identifier))
    if not found:
        print(f"no record of an erase request for {target.masked}", file=out)
        return 0
    print(f"{len(found)} erase request(s) for {target.masked}", file=out)
    for request in found:
        print(_describe(request), file=out)
    return 0


def _verify(store: Store, out: TextIO) -> int:
    checked, broken = store.verify_audit()
    if broken is None:
        print(f"audit log intact: {checked} row(s), every link holds", file=out)
        return 0
    where = f"at row {broken.row_id}" if broken.row_id is not None else "at the end"
    print(f"audit log BROKEN {where}: {broken.problem} (checked {checked} row(s))", file=out)
    return 1


EXPORT_COLUMNS = (
    "request_id", "kind", "masked", "identifier_hash", "state", "outcome", "requested_at", "requester", "reason",
    "required_approvals", "approvers", "approved_at", "decided_by", "decided_at", "gong_request_id",
    "gong_attempts", "gong_attempt_request_ids", "failure", "verification", "checked_at", "next_check_at",
    "regime", "received_on", "due_on",
)  # fmt: skip
_OUTCOMES = {
    State.DRAFT: "not submitted", State.PENDING: "waiting for approval", State.APPROVED: "approved, erase pending",
    State.SUBMITTED: "erase accepted by Gong", State.VERIFIED: "erase accepted by Gong", State.UNVERIFIED:
    "erase accepted by Gong", State.FAILED: "erase failed", State.REJECTED: "rejected", State.CANCELLED: "cancelled",
    State.EXPIRED: "expired",
}  # fmt: skip


def _export(store: Store, fmt: str, since: float, out: TextIO) -> int:
    records = [_record(store, request) for request in store.requests_since(since)]
    if fmt == "json":
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    return 0


def _record(store: Store, request: ErasureRequest) -> dict[str, object]:
    """One request as an auditor reads it: people, times, Gong's ids, outcome; the identifier only masked."""
    approved = store.approval_times(request.id)
    attempts = [row["detail"] for row in store.audit_trail(request.id) if row["event"] == "gong_attempt"]
    gong_ids = [str(a["gong_request_id"]) for a in attempts if a.get("gong_request_id")]
    verification = {State.VERIFIED: "verified erased", State.UNVERIFIED: "not verified"}.get(request.state)
    if verification is None and request.state is State.SUBMITTED:
        verification = "check scheduled" if request.next_check_at else "not checked"
    return {
        "request_id": request.id, "kind": request.kind.value, "masked": request.masked,
        "identifier_hash": request.identifier_hash or "", "state": request.state.value,
        "outcome": _OUTCOMES[request.state], "requested_at": _iso(request.created_at), "requester": request.requester,
        "reason": request.reason, "required_approvals": request.required_approvals,
        "approvers": ";".join(request.approvals),
        "approved_at": _iso(max(approved.values())) if approved and request.state not in _UNAPPROVED else "",
        "decided_by": request.decided_by or "", "decided_at": _iso(request.decided_at),
        "gong_request_id": request.gong_request_id or "", "gong_attempts": len(attempts),
        "gong_attempt_request_ids": ";".join(gong_ids),
        "failure": request.failure or "", "verification": verification or "",
        "checked_at": _iso(request.checked_at), "next_check_at": _iso(request.next_check_at),
        "regime": request.deadline.regime.value if request.deadline else "",
        "received_on": request.deadline.received.isoformat() if request.deadline else "",
        "due_on": request.deadline.due.isoformat() if request.deadline else "",
    }  # fmt: skip


_UNAPPROVED = {State.DRAFT, State.PENDING, State.REJECTED, State.CANCELLED, State.EXPIRED}


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
