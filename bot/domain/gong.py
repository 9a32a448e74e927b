"""What Gong answered, as values (pure): an accepted erase, or what it holds for an identifier."""

from __future__ import annotations

from dataclasses import dataclass

from .holdings import Holdings

__all__ = ["GongAccepted", "GongLookup"]


@dataclass(frozen=True)
class GongAccepted:
    """Gong took the erase request; it deletes asynchronously, over hours."""

    request_id: str | None
    status: int
    elapsed_ms: int


@dataclass(frozen=True)
class GongLookup:
    """What Gong holds for an identifier (counts and masked values only), and Gong's requestId."""

    holdings: Holdings
    request_id: str | None
    elapsed_ms: int
