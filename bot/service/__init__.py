"""Use cases: the decisions that change a request, the queries that read it, the Home tab, the job handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .batches import Batches
from .decisions import Decisions
from .home import Home
from .ports import Slack
from .queries import Queries
from .workspace import WorkspaceGuard

__all__ = ["Services"]


@dataclass(frozen=True)
class Services:
    """What the listeners may call: the use cases, the Slack port to answer privately, and the channel rule."""

    decisions: Decisions
    queries: Queries
    home: Home
    slack: Slack
    channels: frozenset[str] | None  # GONG_ERASE_CHANNELS; None: any channel
    workspace: WorkspaceGuard
    after_ack: Callable[[Callable[[], None]], None]  # runs work once Slack has its answer (see app.AfterAck)
    batches: Batches
    approval_channel: str = ""  # GONG_ERASE_APPROVAL_CHANNEL: then commands may come from a DM with the bot
