"""Block Kit primitives (pure): escaped text, sections, buttons, dates, mentions, and words without layout."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = [
    "Blocks", "Message", "button", "context", "escape", "group", "header", "modal_view", "plain_fallback", "section",
    "slack_date", "text_input", "user",
]  # fmt: skip

Blocks = list[dict[str, Any]]
Message = tuple[str, Blocks]  # the notification text, and the blocks


def escape(text: str) -> str:
    """Slack's three control characters, so user text cannot ping (<!channel>) or spoof links (<url|label>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user(user_id: str) -> str:
    """A mention of one person."""
    return f"<@{user_id}>"


def group(group_id: str) -> str:
    """A mention of a user group."""
    return f"<!subteam^{group_id}>"


def section(text: str) -> dict[str, Any]:
    """A section of mrkdwn text."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, Any]:
    """A header in plain text."""
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def context(text: str) -> dict[str, Any]:
    """A line of small print."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def button(action_id: str, text: str, request_id: str, style: str | None = None) -> dict[str, Any]:
    """A button whose value is only ever a request id."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": request_id,
    }
    if style:
        element["style"] = style
    return element


def text_input(block_id: str, action_id: str, label: str, *, max_length: int, multiline: bool = False,
               optional: bool = False, placeholder: str | None = None) -> dict[str, Any]:  # fmt: skip
    """An input block with a plain-text box; what was typed comes back under `block_id` / `action_id`."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    block: dict[str, Any] = {"type": "input", "block_id": block_id,
                             "label": {"type": "plain_text", "text": label}, "element": element}  # fmt: skip
    if optional:
        block["optional"] = True
    return block


def modal_view(callback_id: str, metadata: str, *, title: str, submit: str, close: str,
               blocks: Blocks) -> dict[str, Any]:  # fmt: skip
    """A modal for views.open; `metadata` (private_metadata) comes back with its submission."""
    return {
        "type": "modal", "callback_id": callback_id, "private_metadata": metadata,
        "title": {"type": "plain_text", "text": title}, "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": close}, "blocks": blocks,
    }  # fmt: skip


def slack_date(ts: float) -> str:
    """A date Slack shows in each reader's time zone, with a UTC fallback."""
    fallback = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(ts)}^{{date_short_pretty}} at {{time}}|{fallback}>"


def plain_fallback(blocks: Blocks, limit: int = 3000) -> str:
    """The words of a message without its layout, for when Slack refuses the blocks (invalid_blocks)."""
    parts: list[str] = []
    for block in blocks:
        if block.get("type") in {"header", "section"} and "text" in block:
            parts.append(str(block["text"]["text"]))
        if block.get("type") == "section":
            parts.extend(str(field["text"]).replace("\n", ": ", 1) for field in block.get("fields", []))
        elif block.get("type") == "context":
            parts.extend(str(element.get("text", "")) for element in block["elements"])
    text = "\n".join(part for part in parts if part)
    return text if len(text) <= limit else text[: limit - 1] + "…"
