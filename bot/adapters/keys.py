"""The development hash key: outside production, kept in a file beside the database, never in it."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

from ..config import MAKE_A_KEY
from ..errors import ConfigError

__all__ = ["development_key"]


def development_key(db_path: str, *, create: bool) -> str:
    """The key in `<db>.hashkey` (mode 0600), made on first use when `create`; ConfigError when there is none."""
    path = Path(db_path + ".hashkey")
    if create and not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
    for _ in range(50 if path.exists() else 0):  # the process that made it may not have written it yet
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise ConfigError([f"GONG_ERASE_HASH_KEY is not set and {path} holds no key: use the bot's key ({MAKE_A_KEY} "
                       "for a new deployment)"])  # fmt: skip
