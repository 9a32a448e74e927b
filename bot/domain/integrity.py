"""Integrity without the data (pure): the keyed hash that proves which identifier a finished request was for,
and the audit log as a hash chain in which each row seals its content and the row before it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .target import TargetKind

__all__ = ["GENESIS", "SEALED", "BrokenLink", "chain_key", "digest", "identifier_hash", "items_digest", "verify"]

GENESIS = ""  # the "previous hash" of the first row

# The columns a row's digest covers, in order; `id` is not among them: position in the chain is what counts.
SEALED = ("at", "request_id", "actor", "event", "from_state", "to_state", "detail")


def chain_key(hash_key: str) -> bytes:
    """A key for the chain derived from GONG_ERASE_HASH_KEY: without it nobody can re-seal edited rows."""
    return hmac.new(hash_key.encode(), b"gong-erase audit chain v1", hashlib.sha256).digest()


def fingerprint(chain: bytes) -> str:
    """What the database keeps to recognise its hash key: an HMAC of a fixed label under the chain key, which says
    nothing about the key itself."""
    return hmac.new(chain, b"gong-erase hash key fingerprint v1", hashlib.sha256).hexdigest()


def items_digest(items: Iterable[tuple[int, str, str, str, bool]]) -> str:
    """SHA-256 over a batch's lines as read — (line, kind, masked, keyed hash, refused) in line order — sealed in
    the audit row that records the reading, so that `audit verify` sees any later edit of the batch's items."""
    canonical = json.dumps(sorted(items), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def identifier_hash(key: str, kind: TargetKind, identifier: str) -> str:
    """HMAC-SHA256 of the E.164 number or the lower-cased address.

    Keyed, because there are few enough phone numbers to hash them all: without the key (kept outside the
    database) the hash says nothing about whose data was erased."""
    value = identifier if kind is TargetKind.PHONE else identifier.lower()
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def digest(key: bytes, prev_hash: str, row: Mapping[str, Any]) -> str:
    """The seal of one audit row: its sealed columns and the seal of the row before it, under the chain key."""
    content = json.dumps([prev_hash, *(row[name] for name in SEALED)], separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, content.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain stops holding, and what that means in words."""

    row_id: int | None
    problem: str


HANDOVER = "hash_key_rotated"  # the audit event that hands the chain from one hash key to the next


def verify(
    rows: Iterable[Mapping[str, Any]], key: bytes, last_issued_id: int | None, older: Iterable[bytes] = ()
) -> tuple[int, BrokenLink | None]:
    """Walk the rows in id order; return how many were checked and the first broken link, if any.

    `last_issued_id` is the highest id ever given out (audit_head): rows cut off the end of the log leave no broken
    link behind them, but they leave that number higher than the last row's id. After a rotation of the hash key,
    rows up to the handover row (which the old key seals, naming the new key's fingerprint) are checked under the
    old key, from `older`, and the rest under `key`."""
    rows = list(rows)
    keys = {fingerprint(k): k for k in (key, *older)}
    handovers = [row for row in rows if row["event"] == HANDOVER]
    start = json.loads(handovers[0]["detail"]).get("from") if handovers else fingerprint(key)
    sealing = keys.get(str(start))
    prev_hash, prev_id, count = GENESIS, 0, 0
    for row in rows:
        if sealing is None:
            return count, BrokenLink(row["id"], "it was sealed under an earlier hash key that was not given: set the "
                                                "earlier keys in GONG_ERASE_HASH_KEY_OLD to check it")  # fmt: skip
        count += 1
        if row["prev_hash"] != prev_hash:
            if row["id"] != prev_id + 1:
                problem = f"rows {prev_id + 1}–{row['id'] - 1} are missing: deleted"
            else:
                problem = "it does not follow the row before it: rows were deleted, inserted or reordered here"
            return count, BrokenLink(row["id"], problem)
        if digest(sealing, prev_hash, row) != row["row_hash"]:
            return count, BrokenLink(row["id"], "its content does not match its seal: the row was edited")
        if row["event"] == HANDOVER:
            sealing = keys.get(str(json.loads(row["detail"]).get("to")))
        prev_hash, prev_id = row["row_hash"], row["id"]
    if last_issued_id is not None and last_issued_id > prev_id:
        return count, BrokenLink(None, f"rows after {prev_id} (up to {last_issued_id}) were cut off the end")
    return count, None
