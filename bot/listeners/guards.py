"""What every request passes before a listener runs: it must come from the workspace and app the bot is
installed in (HTTP and Socket Mode alike); anything else is refused and nothing of it is recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from ..service import Services
from .payloads import origin_of

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """The workspace check, as Bolt middleware in front of every listener."""

    @app.middleware
    def same_workspace(body: dict[str, Any], next_: Callable[[], BoltResponse]) -> BoltResponse:
        accepted = services.workspace.accepts(origin_of(body))
        if accepted is None:
            return BoltResponse(status=503, body="cannot check the workspace right now; try again")
        if not accepted:
            log.warning("refused a request from another workspace or app")
            return BoltResponse(status=401, body="this app is not installed in that workspace")
        return next_()
