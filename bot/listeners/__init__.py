"""Thin Bolt listeners: parse the payload, call a use case, answer the person who acted."""

from __future__ import annotations

from slack_bolt import App

from ..service import Services
from . import actions, commands, events, guards, views

__all__ = ["register"]


def register(app: App, services: Services) -> None:
    """Attach every listener of the bot to `app`, behind the workspace check."""
    guards.register(app, services)
    commands.register(app, services)
    actions.register(app, services)
    events.register(app, services)
    views.register(app, services)
