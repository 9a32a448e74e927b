"""The small interfaces the use cases need from the outside world; adapters implement them, tests may fake them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..adapters.store import Tx
from ..domain.budget import Slot
from ..domain.gong import GongAccepted, GongLookup
from ..domain.target import TargetKind
from ..domain.workspace import Installation

__all__ = ["Budget", "Directory", "Gong", "Slack"]


class Gong(Protocol):
    """Gong's Data Privacy API; raises GongRateLimited, GongUnavailable or GongRejected."""

    def erase(self, kind: TargetKind, identifier: str, *, at_wire: Callable[[], None] | None = None) -> GongAccepted:
        """Ask Gong to erase everything it holds for the identifier; `at_wire` runs as the request is about to be
        written (it may hold it back a moment)."""
        ...

    def lookup(self, kind: TargetKind, identifier: str, *, at_wire: Callable[[], None] | None = None) -> GongLookup:
        """Ask Gong what it holds for the identifier."""
        ...

    @property
    def warm(self) -> bool:
        """Whether the next call finds a connection to Gong already open."""
        ...


class Budget(Protocol):
    """Gong's rate and daily limits, shared by every process of the deployment."""

    def acquire(self, on_slot: Callable[[Tx], None] | None = None, *, cold: bool = False) -> Slot:
        """A slot for one call (a moment ahead), or how long to wait; `on_slot` records the call with the booking."""
        ...

    def postpone(self, slot: Slot, leaving_at: float) -> Slot | None:
        """Move the slot booked behind `slot` back, as its call leaves late; None when one is booked already."""
        ...

    def pause(self, until: float) -> None:
        """No process calls Gong before `until` (Gong asked for it with a 429)."""
        ...


class Slack(Protocol):
    """The Slack Web API as the bot uses it; every failure is a SlackError."""

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None = None) -> str:
        """Post in a channel (or a thread); the message's ts."""
        ...

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Replace one of the bot's messages."""
        ...

    def respond(self, response_url: str, text: str, blocks: list[dict[str, Any]], replace: bool | None = None) -> None:
        """Answer privately through an interaction's response_url."""
        ...

    def group_members(self, group_id: str) -> frozenset[str]:
        """The members of a user group."""
        ...

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """A message in `channel` that only `user` sees."""
        ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        """Open a modal with an interaction's trigger_id; the view's id."""
        ...

    def download(self, url: str, limit: int) -> bytes:
        """A file a person shared with the bot, at most `limit` bytes."""
        ...

    def upload_file(self, channel: str, thread_ts: str, filename: str, content: bytes, title: str) -> str:
        """Upload a file into a thread; the file's id."""
        ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish one person's App Home tab."""
        ...

    def installation(self) -> Installation:
        """The workspace, organisation and app the bot token belongs to."""
        ...


class Directory(Protocol):
    """Who belongs to which approver group."""

    def groups_of(self, user_id: str, *, fresh: bool = False) -> frozenset[str]:
        """The configured approver groups `user_id` is in (`fresh`: asked of Slack now, not from a cache)."""
        ...

    @property
    def unreadable(self) -> dict[str, str]:
        """Configured groups Slack refuses to read (a stale ID, a free plan), with its error code."""
        ...
