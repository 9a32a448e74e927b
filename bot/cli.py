"""`python -m bot audit …`: what an auditor asks of the database, from the command line."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from .adapters.keys import development_key
from .adapters.store import Store
from .adapters.transfer import copy_records
from .config import AuditSettings, Storage
from .domain.request import ErasureRequest
from .domain.target import parse_erase_text
from .errors import ConfigError, InputRejected, StoreError
from .render.batches import spreadsheet_safe
from .render.refusals import explain
from .service.audit import EXPORT_COLUMNS, export, verify
from .service.queries import batch_records_for, records_for

__all__ = ["main"]


def main(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`python -m bot audit|keys|db …`; 0 when all is well, 1 when the log is broken, 2 on bad use."""
    args = _parser().parse_args(argv)
    try:
        storage = AuditSettings.from_env().storage
        key = storage.hash_key or development_key(storage.location, create=False)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"cannot run: {problem}", file=err)
        return 2
    if args.group == "db":
        return _copy(storage, args.to, out, err)
    storage = dataclasses.replace(storage, hash_key=key)
    store = _open(storage, err, rotating=args.group == "keys" and args.command == "rotate-hash")
    if store is None:
        return 2
    if args.group == "keys" and args.command == "rotate-hash":
        return _rotate_hash(store, out)
    if args.group == "keys":
        reencrypted, current = store.rotate_keys()
        print(f"{reencrypted} live identifier(s) re-encrypted under key {store.cipher.current.id}; {current} already "
              "were. Now remove GONG_ERASE_DATA_KEY_OLD from the bot's settings and restart it. Backups made before "
              "today still need the old key: keep it offline as long as you keep them.", file=out)  # fmt: skip
        return 0
    if args.command == "verify":
        return _verify(store, args.head, out)
    if args.command == "export":
        return _export(store, args.format, args.since or 0.0, out)
    return _lookup(store, (key, *storage.old_hash_keys), " ".join(args.identifier), out, err)


def _rotate_hash(store: Store, out: TextIO) -> int:
    """Hand the chain to the new hash key, then re-encrypt what a key derived from the old one sealed."""
    handed = store.rotate_hash_key()
    reencrypted, _ = store.rotate_keys()
    if not handed:
        print("the database is already under GONG_ERASE_HASH_KEY: nothing to hand over", file=out)
        return 0
    print(f"the audit chain is now sealed with the new GONG_ERASE_HASH_KEY (handed over by the old key in one audit "
          f"row); {reencrypted} live identifier(s) re-encrypted. Start the bot with the new key, and keep the old one "
          "in GONG_ERASE_HASH_KEY_OLD: lookups of earlier requests and `audit verify` of earlier rows need it.",
          file=out)  # fmt: skip
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="The bot's command line, for admins and auditors."
    )
    groups = parser.add_subparsers(dest="group", required=True)
    audit = groups.add_parser("audit", help="answer an auditor's questions").add_subparsers(
        dest="command", required=True
    )
    lookup = audit.add_parser("lookup", help="what became of a phone number or email address")
    lookup.add_argument("identifier", nargs="+", help="a phone number with + and country code, or an address")
    checking = audit.add_parser("verify", help="check that no audit row was edited, deleted, inserted or reordered")
    checking.add_argument(
        "--head", metavar="ROW:SEAL", help="a head posted outside the database (the audit channel's checkpoint, or a "
        "log line 'audit #ROW sealed SEAL'): prove the log still holds it",
    )  # fmt: skip
    exporting = audit.add_parser("export", help="one row per request, for an auditor")
    exporting.add_argument("--format", choices=["csv", "json"], default="csv")
    exporting.add_argument("--since", type=_day, help="only requests made on or after this day (YYYY-MM-DD, UTC)")
    keys = groups.add_parser("keys", help="the data key and the hash key").add_subparsers(dest="command", required=True)
    keys.add_parser("rotate", help="re-encrypt live identifiers under GONG_ERASE_DATA_KEY (old keys in _OLD)")
    keys.add_parser("rotate-hash", help="hand the audit chain to a new GONG_ERASE_HASH_KEY (the old one in _OLD)")
    db = groups.add_parser("db", help="the database").add_subparsers(dest="command", required=True)
    copy = db.add_parser("copy", help="copy this deployment's SQLite database (GONG_ERASE_DB) into an empty Postgres")
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://… (an empty database)")
    return parser


def _open(storage: Storage, err: TextIO, *, rotating: bool = False) -> Store | None:
    if not storage.postgres and not Path(storage.location).exists():
        print(f"cannot run: there is no database at {storage.location} (set GONG_ERASE_DB, or DATABASE_URL)",
              file=err)  # fmt: skip
        return None
    try:
        return Store.for_storage(storage, pool_size=2, rotating=rotating)
    except StoreError as exc:
        print(f"cannot run: {exc}", file=err)
        return None


def _lookup(store: Store, keys: tuple[str, ...], text: str, out: TextIO, err: TextIO) -> int:
    try:
        target = parse_erase_text(text).target
    except InputRejected as refusal:
        print(explain(refusal), file=err)
        return 2
    found = records_for(store, keys, target)
    in_batches = batch_records_for(store, keys, target)
    if not found and not in_batches:
        print(f"no record of an erase request for {target.masked}", file=out)
        return 0
    print(f"{len(found) + len(in_batches)} erase request(s) for {target.masked}", file=out)
    for request in found:
        print(printable(_describe(request)), file=out)
    for batch, item in in_batches:
        gong_id = f" · Gong requestId {item.gong_request_id}" if item.gong_request_id else ""
        print(printable(f"{batch.id} line {item.line} · item {item.outcome.value}{gong_id} · batch {batch.state.value}"
                        f" · requested by {batch.requester}"), file=out)  # fmt: skip
    return 0


def _copy(storage: Storage, url: str, out: TextIO, err: TextIO) -> int:
    """The SQLite database (GONG_ERASE_DB) into the empty Postgres at `url`; the chain must verify there."""
    if not url.startswith(("postgres://", "postgresql://")):
        print("cannot copy: --to must be a postgres:// or postgresql:// URL", file=err)
        return 2
    if not storage.hash_key:
        print(f"cannot copy: set GONG_ERASE_HASH_KEY to this deployment's key first (the contents of "
              f"{storage.sqlite_path}.hashkey): on Postgres every host must be given it", file=err)  # fmt: skip
        return 2
    source = _open(dataclasses.replace(storage, location=storage.sqlite_path), err)
    target = _open(dataclasses.replace(storage, location=url), err) if source else None
    if source is None or target is None:
        return 2
    try:
        copied = copy_records(source, target)
    except StoreError as exc:
        print(f"cannot copy: {exc}", file=err)
        return 2
    verdict = verify(target)
    print(f"copied into {target.database.where}: " + ", ".join(f"{n} {t}" for t, n in copied.rows.items()), file=out)
    if verdict.problems:
        print(f"but the audit log does not verify there: {verdict.problems[0]}", file=out)
        return 1
    print(f"the audit log verifies there: {verdict.checked} row(s). Set DATABASE_URL to it and restart the bot.",
          file=out)  # fmt: skip
    return 0


def printable(text: str) -> str:
    """Terminal output without control characters (an ANSI escape in an old reason must not steer the terminal)."""
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cf"})


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
