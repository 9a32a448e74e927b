"""Block Kit limits as Slack enforces them for messages and views; returns the problems, empty when valid."""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # a Home tab or modal
MAX_MESSAGE_TEXT = 40_000
_BLOCK_TYPES = {"section", "actions", "context", "header", "divider", "image", "rich_text", "input"}


def _text(obj: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in {"plain_text", "mrkdwn"}:
        return [f"{where}: not a text object"]
    if plain_only and obj["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}: empty text"]
    if len(text) > limit:
        return [f"{where}: {len(text)} characters, more than {limit}"]
    return []


def _confirm(obj: Any, where: str) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: confirm must be an object"]
    problems = _text(obj.get("title"), f"{where}.title", 100, plain_only=True)
    problems += _text(obj.get("text"), f"{where}.text", 300)
    problems += _text(obj.get("confirm"), f"{where}.confirm", 30, plain_only=True)
    problems += _text(obj.get("deny"), f"{where}.deny", 30, plain_only=True)
    if obj.get("style") not in {None, "primary", "danger"}:
        problems.append(f"{where}.style: invalid")
    return problems


def _element(element: Any, where: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    problems: list[str] = []
    if element.get("type") == "button":
        problems += _text(element.get("text"), f"{where}.text", 75, plain_only=True)
        if len(str(element.get("value", ""))) > 2000:
            problems.append(f"{where}.value: longer than 2000")
        if element.get("style") not in {None, "primary", "danger"}:
            problems.append(f"{where}.style: invalid")
        if "confirm" in element:
            problems += _confirm(element["confirm"], f"{where}.confirm")
    elif element.get("type") not in {"static_select", "overflow", "datepicker", "users_select"}:
        problems.append(f"{where}: unsupported element type {element.get('type')!r}")
    action_id = element.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or not 0 < len(action_id) <= 255:
            problems.append(f"{where}.action_id: invalid")
        elif action_id in action_ids:
            problems.append(f"{where}.action_id: {action_id!r} repeated in its block")
        action_ids.add(action_id)
    return problems


def _input_element(element: Any, where: str) -> list[str]:
    """The element of an input block: a text input or a file input, with Slack's limits."""
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    problems: list[str] = []
    kind = element.get("type")
    if kind == "plain_text_input":
        max_length = element.get("max_length", 3000)
        if not isinstance(max_length, int) or not 0 < max_length <= 3000:
            problems.append(f"{where}.max_length: 1 to 3000")
    elif kind == "file_input":
        max_files = element.get("max_files", 10)
        if not isinstance(max_files, int) or not 0 < max_files <= 10:
            problems.append(f"{where}.max_files: 1 to 10")
        filetypes = element.get("filetypes", [])
        if not isinstance(filetypes, list) or not all(isinstance(t, str) and t for t in filetypes):
            problems.append(f"{where}.filetypes: a list of file extensions")
    else:
        problems.append(f"{where}: unsupported input element {kind!r}")
    action_id = element.get("action_id")
    if not isinstance(action_id, str) or not 0 < len(action_id) <= 255:
        problems.append(f"{where}.action_id: invalid")
    return problems


def validate_modal(view: Any) -> list[str]:
    """A modal for views.open: its title, buttons, callback_id, private_metadata and blocks, as Slack checks them."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        return ["view.type: must be modal"]
    problems = _text(view.get("title"), "view.title", 24, plain_only=True)
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
    for button in ("submit", "close"):
        if button in view:
            problems += _text(view[button], f"view.{button}", 24, plain_only=True)
        elif button == "submit" and has_input:
            problems.append("view.submit: required when the view has input blocks")
    if len(str(view.get("callback_id", ""))) > 255:
        problems.append("view.callback_id: longer than 255")
    if len(str(view.get("private_metadata", ""))) > 3000:
        problems.append("view.private_metadata: longer than 3000")
    return problems + validate_blocks(view.get("blocks"), MAX_VIEW_BLOCKS)


def validate_blocks(blocks: Any, max_blocks: int = MAX_BLOCKS) -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks: not an array"]
    if len(blocks) > max_blocks:
        return [f"blocks: {len(blocks)} blocks, more than {max_blocks}"]
    problems: list[str] = []
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        action_ids: set[str] = set()  # Slack: unique among the action_ids of the containing block
        where = f"blocks[{index}]"
        if not isinstance(block, dict) or block.get("type") not in _BLOCK_TYPES:
            problems.append(f"{where}: unknown block type")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not 0 < len(block_id) <= 255 or block_id in block_ids:
                problems.append(f"{where}.block_id: invalid or repeated")
            block_ids.add(str(block_id))
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: section needs text or fields")
            if "text" in block:
                problems += _text(block["text"], f"{where}.text", 3000)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not 0 < len(fields) <= 10:
                    problems.append(f"{where}.fields: 1 to 10 fields")
                else:
                    for i, field in enumerate(fields):
                        problems += _text(field, f"{where}.fields[{i}]", 2000)
        elif kind == "header":
            problems += _text(block.get("text"), f"{where}.text", 150, plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 10:
                problems.append(f"{where}.elements: 1 to 10 elements")
            else:
                for i, element in enumerate(elements):
                    problems += _text(element, f"{where}.elements[{i}]", 3000)
        elif kind == "input":
            problems += _text(block.get("label"), f"{where}.label", 2000, plain_only=True)
            problems += _input_element(block.get("element"), f"{where}.element")
            if "hint" in block:
                problems += _text(block["hint"], f"{where}.hint", 2000, plain_only=True)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 25:
                problems.append(f"{where}.elements: 1 to 25 elements")
            else:
                for i, element in enumerate(elements):
                    problems += _element(element, f"{where}.elements[{i}]", action_ids)
    return problems
