"""Block Kit as HTML for the playground's page (pure): every block and element the bot sends, its mrkdwn made
safe — text is HTML-escaped before any markup of ours is added; `<@U…>` becomes a name, `<!subteam^S…>` a group,
`<url|label>` a link, `<!date^…|fallback>` its fallback — and buttons carrying what a click needs."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["EMOJI", "blocks_html", "mrkdwn", "view_html"]

EMOJI = {
    "warning": "⚠️", "white_check_mark": "✅", "x": "❌", "no_entry": "⛔", "heavy_minus_sign": "➖",
    "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "gear": "⚙️", "mag": "🔍", "bell": "🔔", "eyes": "👀",
    "outbox_tray": "📤", "information_source": "ℹ️", "pencil2": "✏️", "rotating_light": "🚨", "lock": "🔒",
    "ballot_box_with_check": "☑️", "repeat": "🔁",
}  # fmt: skip
_TOKEN = re.compile(r"<([^<>]*)>")
_LINK_SCHEMES = ("http://", "https://", "mailto:")


def mrkdwn(text: str, names: Mapping[str, str]) -> str:
    """Slack's mrkdwn as safe HTML. Slack text carries `&lt;`, `&gt;` and `&amp;` for the characters it escapes;
    they are read back and escaped again as HTML, so nothing a person typed becomes markup."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(_formatted(text[position : match.start()]))
        out.append(_special(match.group(1), names))
        position = match.end()
    out.append(_formatted(text[position:]))
    return "".join(out).replace("\n", "<br>")


def _formatted(text: str) -> str:
    safe = html.escape(html.unescape(text), quote=True)
    safe = re.sub(r"```(.+?)```", r"<pre>\1</pre>", safe, flags=re.S)
    safe = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", safe)
    safe = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", safe)
    safe = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", safe)
    safe = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"<s>\1</s>", safe)
    return re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), safe)


def _special(token: str, names: Mapping[str, str]) -> str:
    """One `<…>` of Slack's markup."""
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return f'<span class="mention">@{html.escape(names.get(target[1:], target[1:]))}</span>'
    if target.startswith("!subteam^"):
        group = target.removeprefix("!subteam^")
        shown = label.lstrip("@") or names.get(group, group)
        return f'<span class="mention">@{html.escape(shown)}</span>'
    if target.startswith("!date^"):
        return html.escape(html.unescape(label))
    if target.startswith("#"):
        return f'<span class="mention">#{html.escape(names.get(target[1:], label or target[1:]))}</span>'
    if target.startswith(_LINK_SCHEMES):
        href = html.escape(html.unescape(target), quote=True)
        shown = html.escape(html.unescape(label or target))
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'
    return html.escape(html.unescape(f"<{token}>"))


def _text(obj: Any, names: Mapping[str, str]) -> str:
    """A text object: mrkdwn rendered, plain_text escaped."""
    if not isinstance(obj, dict):
        return ""
    raw = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn(raw, names)
    return html.escape(raw).replace("\n", "<br>")


def _button(element: dict[str, Any], names: Mapping[str, str]) -> str:
    style = element.get("style", "")
    confirm = ""
    if isinstance(element.get("confirm"), dict):
        c = element["confirm"]
        dialog = {"title": _text(c.get("title"), names), "text": _text(c.get("text"), names),
                  "confirm": _text(c.get("confirm"), names), "deny": _text(c.get("deny"), names)}  # fmt: skip
        confirm = f' data-confirm="{html.escape(json.dumps(dialog), quote=True)}"'
    return (
        f'<button type="button" class="block-button {html.escape(style)}" data-testid="block-button" '
        f'data-action-id="{html.escape(str(element.get("action_id", "")), quote=True)}" '
        f'data-value="{html.escape(str(element.get("value", "")), quote=True)}"{confirm}>'
        f"{_text(element.get('text'), names)}</button>"
    )


def _input(block: dict[str, Any], names: Mapping[str, str], errors: Mapping[str, str]) -> str:
    element = block.get("element") or {}
    block_id = html.escape(str(block.get("block_id", "")), quote=True)
    action_id = html.escape(str(element.get("action_id", "")), quote=True)
    label = _text(block.get("label"), names) + ("" if not block.get("optional") else " <small>(optional)</small>")
    placeholder = html.escape(str((element.get("placeholder") or {}).get("text", "")), quote=True)
    common = f'data-block-id="{block_id}" data-action-id="{action_id}" name="{block_id}"'
    if element.get("type") == "file_input":
        accept = ",".join(f".{kind}" for kind in element.get("filetypes", []))
        field = f'<input type="file" {common} data-kind="file" accept="{html.escape(accept, quote=True)}">'
    elif element.get("multiline"):
        limit = int(element.get("max_length", 3000))
        field = f'<textarea {common} data-kind="text" maxlength="{limit}" placeholder="{placeholder}"></textarea>'
    else:
        limit = int(element.get("max_length", 3000))
        field = f'<input type="text" {common} data-kind="text" maxlength="{limit}" placeholder="{placeholder}">'
    error = errors.get(str(block.get("block_id", "")))
    shown = f'<div class="field-error" data-testid="field-error">{html.escape(error)}</div>' if error else ""
    return f'<label class="input-block"><span class="label">{label}</span>{field}{shown}</label>'


def blocks_html(blocks: list[dict[str, Any]], names: Mapping[str, str],
                errors: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """Every block the bot sends, as HTML; an unknown block is shown as such, never dropped in silence."""
    parts: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            inner = _text(block.get("text"), names)
            fields = "".join(f'<div class="field">{_text(f, names)}</div>' for f in block.get("fields") or [])
            grid = f'<div class="fields">{fields}</div>' if fields else ""
            accessory = block.get("accessory")
            extra = (
                _button(accessory, names) if isinstance(accessory, dict) and accessory.get("type") == "button" else ""
            )
            parts.append(f'<div class="block section">{inner}{grid}{extra}</div>')
        elif kind == "header":
            parts.append(f'<div class="block header">{_text(block.get("text"), names)}</div>')
        elif kind == "context":
            inner = " ".join(_text(e, names) for e in block.get("elements") or [] if isinstance(e, dict))
            parts.append(f'<div class="block context">{inner}</div>')
        elif kind == "divider":
            parts.append('<hr class="block divider">')
        elif kind == "actions":
            buttons = "".join(_button(e, names) for e in block.get("elements") or []
                              if isinstance(e, dict) and e.get("type") == "button")  # fmt: skip
            parts.append(f'<div class="block actions">{buttons}</div>')
        elif kind == "input":
            parts.append(_input(block, names, errors or {}))
        else:
            parts.append(f'<div class="block unknown">[{html.escape(str(kind))} block]</div>')
    return "".join(parts)


def view_html(view: Mapping[str, Any], names: Mapping[str, str], errors: Mapping[str, str] | None = None) -> str:
    """A modal's or Home tab's blocks."""
    return blocks_html(list(view.get("blocks") or []), names, errors)
