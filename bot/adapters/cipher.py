"""Identifiers encrypted before they touch any disk: AES-256-GCM, the request id as associated data (a ciphertext
moved to another row does not open), a key id beside each ciphertext (so keys can be rotated).

A wiped column is not a wiped disk: a Postgres row's old version stays in the heap until vacuum, in the WAL, in
base backups and followers; SQLite's in journals and backups. Encrypted in the application, the number or address
reaches none of them in clear; what a backup holds without the key is noise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..environment import Storage
from ..errors import Undecryptable

__all__ = ["PREFIX", "DataKey", "IdentifierCipher", "cipher_for", "derived_key"]

PREFIX = "enc1"  # enc1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>
_LABEL = b"gong-erase identifier encryption v1"  # apart from the HMAC's and the audit seal's


@dataclass(frozen=True)
class DataKey:
    """32 bytes, and the id under which ciphertexts name it (an HMAC of a label: says nothing of the key)."""

    secret: bytes = field(repr=False)

    @property
    def id(self) -> str:
        """Eight hex digits naming this key beside each ciphertext."""
        return hmac.new(self.secret, b"gong-erase data key id", hashlib.sha256).hexdigest()[:8]


def derived_key(hash_key: str) -> bytes:
    """The data key when GONG_ERASE_DATA_KEY is unset: HKDF-SHA256 of GONG_ERASE_HASH_KEY, under its own label."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(hash_key.encode())


class IdentifierCipher:
    """Seals identifiers with the current key; opens what any known key (current or old) sealed."""

    def __init__(self, current: bytes, old: Sequence[bytes] = ()) -> None:
        self.current = DataKey(current)
        self._keys = {key.id: key for key in (DataKey(secret) for secret in (*old, current))}

    def seal(self, request_id: str, plaintext: str) -> str:
        """The identifier encrypted for this request's row."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.current.secret).encrypt(nonce, plaintext.encode(), request_id.encode())
        return f"{PREFIX}:{self.current.id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, request_id: str, token: str) -> str:
        """The identifier again; Undecryptable when it was sealed for another row, altered, or under a key this
        bot does not have."""
        prefix, key_id, data = [*token.split(":", 2), "", ""][:3]
        if prefix != PREFIX:
            raise Undecryptable("the value is not an encrypted identifier")
        key = self._keys.get(key_id)
        if key is None:
            raise Undecryptable(f"it was encrypted under key {key_id}, which is not among the bot's data keys")
        try:
            raw = base64.urlsafe_b64decode(data.encode())
            return AESGCM(key.secret).decrypt(raw[:12], raw[12:], request_id.encode()).decode()
        except (InvalidTag, ValueError):
            raise Undecryptable("it does not belong to this request, or it was altered") from None

    def is_current(self, token: str) -> bool:
        """Sealed under the current key (nothing for a rotation to do)."""
        return token.startswith(f"{PREFIX}:{self.current.id}:")

    @staticmethod
    def is_sealed(value: str) -> bool:
        """Encrypted by this cipher's format (anything else is a plaintext from before encryption)."""
        return value.startswith(f"{PREFIX}:")


def cipher_for(storage: Storage) -> IdentifierCipher:
    """GONG_ERASE_DATA_KEY when set, else a key derived from GONG_ERASE_HASH_KEY; what the old keys (and, once a
    data key is set, the derived one) sealed still opens, until `python -m bot keys rotate` re-encrypts it."""
    derived = derived_key(storage.hash_key)
    earlier = tuple(derived_key(key) for key in storage.old_hash_keys)  # what a rotated hash key's key sealed
    if not storage.data_key:
        return IdentifierCipher(derived, (*storage.old_data_keys, *earlier))
    return IdentifierCipher(storage.data_key, (*storage.old_data_keys, derived, *earlier))
