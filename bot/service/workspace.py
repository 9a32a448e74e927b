"""Requests from another workspace or app are refused: the installation is learnt once from Slack and kept."""

from __future__ import annotations

import logging
import threading

from ..domain.workspace import Installation, Origin
from ..errors import SlackError
from .ports import Slack

__all__ = ["WorkspaceGuard"]

log = logging.getLogger(__name__)


class WorkspaceGuard:
    """Knows where the bot is installed (auth.test, asked once) and judges where a request comes from."""

    def __init__(self, slack: Slack, known: Installation | None = None) -> None:
        self.slack = slack
        self._known = known
        self._lock = threading.Lock()

    def accepts(self, origin: Origin) -> bool | None:
        """True or False; None when Slack could not say where the bot is installed (try again later)."""
        installation = self.installation()
        return None if installation is None else installation.accepts(origin)

    def installation(self) -> Installation | None:
        """Where the bot token belongs; asked of Slack the first time it is needed, then kept."""
        with self._lock:
            if self._known is None:
                try:
                    self._known = self.slack.installation()
                except SlackError as exc:
                    log.warning("could not ask Slack where the bot is installed (%s)", exc.code)
            return self._known
