"""Proof without the data: a keyed hash finds a finished request again from the number or address (pure)."""

from __future__ import annotations

import hashlib
import hmac

from .targets import TargetKind


def identifier_hash(key: str, kind: TargetKind, identifier: str) -> str:
    """HMAC-SHA256 of the E.164 number or the lower-cased address.

    Keyed, because there are few enough phone numbers to hash them all: without the key (kept outside the
    database) the hash says nothing about whose data was erased."""
    value = identifier if kind is TargetKind.PHONE else identifier.lower()
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()
