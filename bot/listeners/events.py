"""Events: opening the App Home tab shows that person's requests and, for approvers, what waits for them."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from ..service import Services

__all__ = ["register"]


def register(app: App, services: Services) -> None:
    """app_home_opened → the person's Home tab."""

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            user = str(event["user"])
            services.after_ack(lambda: services.home.publish(user))
