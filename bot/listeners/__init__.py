"""Thin Bolt listeners: parse the payload, call a use case, answer the person who acted."""

from __future__ import annotations

from slack_bolt import App

from ..service import Services
from . import actions, commands, events

__all__ = ["register"]


def register(app: App, services: Services) -> None:
    """Attach every listener of the bot to `app`."""
    commands.register(app, services)
    actions.register(app, services)
    events.register(app, services)
