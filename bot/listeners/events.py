"""Events: opening the App Home tab shows that person's requests and, for approvers, what waits for them."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App

from ..decisions import Decisions
from ..errors import SlackError
from ..home import home_view
from ..slack import ApproverGroups, Slack

log = logging.getLogger(__name__)


def publish_home(
    decisions: Decisions, slack: Slack, groups: ApproverGroups, user_id: str, notice: str | None = None
) -> None:
    """Build and publish one person's Home tab; a failure is logged, as the tab is only a view."""
    try:
        user_groups = groups.needed_for(user_id, decisions.policy.users)
        mine, pending = decisions.overview(user_id, user_groups, limit=500)  # the tab shows a few, counts all
        slack.publish_home(user_id, home_view(user_id, mine, pending, decisions.policy, time.time(), notice))
    except SlackError as exc:
        log.warning("could not publish the Home tab for %s (%s)", user_id, exc.code)


def register(app: App, decisions: Decisions, slack: Slack, groups: ApproverGroups) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            publish_home(decisions, slack, groups, str(event["user"]))
