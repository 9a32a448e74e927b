"""Slack payloads turned into typed values as soon as they arrive."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..domain.workspace import Origin
from ..errors import NotFound, Why
from ..service.batches import BulkForm

__all__ = ["REQUEST_ID", "Click", "DecisionForm", "SlashCommand", "bulk_form", "origin_of"]

REQUEST_ID = re.compile(r"^E[RB]-[0-9A-Z]{8}$")  # a request (ER-) or a batch (EB-)


@dataclass(frozen=True)
class SlashCommand:
    """`/gong-erase …` as Slack delivered it."""

    user_id: str
    channel_id: str
    channel_name: str
    team_id: str
    text: str
    trigger_id: str
    response_url: str = ""

    @classmethod
    def from_payload(cls, command: dict[str, Any]) -> SlashCommand:
        """Typed fields from the form Slack posted."""
        return cls(
            user_id=str(command.get("user_id", "")),
            channel_id=str(command.get("channel_id", "")),
            channel_name=str(command.get("channel_name", "")),
            team_id=str(command.get("team_id", "")),
            text=str(command.get("text", "")),
            trigger_id=str(command.get("trigger_id", "")),
            response_url=str(command.get("response_url", "")),
        )


@dataclass(frozen=True)
class Click:
    """A button press on one of our messages; the button's value is only ever a request id."""

    action_id: str
    request_id: str
    user_id: str
    channel_id: str
    response_url: str
    from_ephemeral: bool
    from_home: bool = False  # clicked in the App Home tab: no response_url; the tab is published again
    trigger_id: str = ""  # for a modal the click opens (valid 3 s, once)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Click:
        """Typed fields from a block_actions payload; NotFound when the button carries no request id."""
        actions = body.get("actions") or [{}]
        action = actions[0] if isinstance(actions[0], dict) else {}
        value = str(action.get("value", ""))
        if not REQUEST_ID.match(value):
            raise NotFound(Why.UNKNOWN_BUTTON)
        container = body.get("container") or {}
        return cls(
            action_id=str(action.get("action_id", "")),
            request_id=value,
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=str((body.get("channel") or {}).get("id", "")),
            response_url=str(body.get("response_url", "")),
            from_ephemeral=bool(container.get("is_ephemeral")),
            from_home=container.get("type") == "view" and (body.get("view") or {}).get("type") == "home",
            trigger_id=str(body.get("trigger_id", "")),
        )


def origin_of(body: dict[str, Any]) -> Origin:
    """The workspace, organisation and app a command, an interaction or an event says it comes from."""
    team = body.get("team")
    enterprise = body.get("enterprise")
    user = body.get("user")
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    if not team_id and isinstance(user, dict):
        team_id = user.get("team_id")
    enterprise_id = body.get("enterprise_id") or (enterprise.get("id") if isinstance(enterprise, dict) else None)
    return Origin(team_id=str(team_id or ""), enterprise_id=str(enterprise_id or ""),
                  app_id=str(body.get("api_app_id") or ""))  # fmt: skip


def bulk_form(body: dict[str, Any]) -> BulkForm:
    """The bulk modal's submission: the pasted list, the first attached file, the reason, and the channel the
    command came from (the modal's private_metadata)."""
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}

    def value(block: str, action: str) -> dict[str, Any]:
        found = (values.get(block) or {}).get(action)
        return found if isinstance(found, dict) else {}

    files = value("bulk_file", "file").get("files") or []
    first = files[0] if files and isinstance(files[0], dict) else {}
    return BulkForm(
        pasted=str(value("bulk_identifiers", "identifiers").get("value") or ""),
        file_url=str(first["url_private_download"]) if first.get("url_private_download") else None,
        file_name=str(first["name"]) if first.get("name") else None,
        reason=str(value("bulk_reason", "reason").get("value") or ""),
        channel=str(view.get("private_metadata") or ""),
        view_id=str(view.get("id") or ""),
    )


@dataclass(frozen=True)
class DecisionForm:
    """A decision's modal submitted (a rejection's reason, a break-glass justification): which request, where the
    click came from, and the text given."""

    request_id: str
    channel: str
    from_home: bool
    reason: str

    @classmethod
    def from_body(
        cls, body: dict[str, Any], block_id: str = "reject_reason", action_id: str = "reason"
    ) -> DecisionForm:
        """Typed fields from the view_submission; NotFound when its metadata names no request."""
        view = body.get("view") or {}
        try:
            metadata = json.loads(str(view.get("private_metadata") or "{}"))
        except ValueError:
            metadata = {}
        request_id = str(metadata.get("request_id", "")) if isinstance(metadata, dict) else ""
        if not REQUEST_ID.match(request_id):
            raise NotFound(Why.UNKNOWN_REQUEST)
        values = ((view.get("state") or {}).get("values") or {}).get(block_id) or {}
        reason = (values.get(action_id) or {}).get("value") if isinstance(values, dict) else ""
        return cls(request_id, str(metadata.get("channel", "")), bool(metadata.get("home")), str(reason or ""))
