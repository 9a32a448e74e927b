"""The App Home tab as a use case: build one person's view and publish it (a failure costs only the view)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..errors import SlackError
from ..render.home import home_view
from .ports import Slack
from .queries import Queries

__all__ = ["Home"]

log = logging.getLogger(__name__)

HOME_LIMIT = 500  # the tab shows a few requests but counts all that wait, up to this many


class Home:
    """Publishes the Home tab: approvers see what waits for them, everyone sees their own requests."""

    def __init__(self, queries: Queries, slack: Slack, clock: Callable[[], float] = time.time) -> None:
        self.queries = queries
        self.slack = slack
        self.clock = clock

    def publish(self, user_id: str, notice: str | None = None) -> None:
        """Build and publish `user_id`'s tab, with `notice` on top (the answer to a click made in the tab)."""
        try:
            mine, pending = self.queries.overview(user_id, limit=HOME_LIMIT)
            unreadable = self.queries.directory.unreadable if pending is not None else {}
            view = home_view(user_id, mine, pending, policy=self.queries.policy, now=self.clock(), notice=notice,
                             unreadable=unreadable)  # fmt: skip
            self.slack.publish_home(user_id, view)
        except SlackError as exc:
            log.warning("could not publish the Home tab for %s (%s)", user_id, exc.code)
