"""The WSGI front door: /healthz, and /slack/events checked here (signature, then shape) before Bolt sees a byte.

Nothing of a refused request is recorded, and the log gets one line saying why, never the body or the headers:
a bad, stale or malformed signature is 401 before anything is parsed; a signed body that is not what Slack sends
(not UTF-8, JSON that is not an object, nested past reason, fields of the wrong type) is 400 at once, so no
listener waits for an ack that will never come."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

__all__ = ["MAX_BODY", "SIGNATURE_WINDOW", "make_status_wsgi", "make_wsgi", "malformed", "plain", "signature_ok"]

log = logging.getLogger(__name__)

METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # Prometheus's text format
MAX_BODY = 1024 * 1024
SIGNATURE_WINDOW = 300  # seconds a signed request stays acceptable (Slack's own recommendation)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also accepts '²' and '٣'
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_MAX_DEPTH = 32  # Slack's payloads nest a handful of levels; a deeper one is not from Slack
StartResponse = Callable[..., Any]


def signature_ok(secret: str, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Slack's v0 signature over the raw bytes, from a recent moment; nothing here can raise."""
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
        return False
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + expected, signature)


def malformed(content_type: str, body: bytes) -> str | None:
    """Why a signed body is not something Slack sends (None when it is); never echoes the body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if content_type.startswith("application/json"):
        data = _json(text)
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return "the JSON body is not an object with a type"
        if data["type"] == "event_callback" and not (
            isinstance(data.get("event"), dict) and isinstance(data["event"].get("type"), str)
        ):
            return "the event is not an object with a type"
        return None
    try:
        form = parse_qs(text, keep_blank_values=True, max_num_fields=64)
    except ValueError:
        return "the form has too many fields"
    if any(len(values) != 1 for values in form.values()):
        return "a form field is repeated"
    if "payload" in form:
        return _interaction_problem(_json(form["payload"][0]))
    if "command" in form or "ssl_check" in form:
        return None
    return "the form is neither a command nor an interaction"


def plain(start_response: StartResponse, status: str, text: str | bytes, content_type: str = "") -> list[bytes]:
    """A whole response: status, type and length, and the body (plain UTF-8 text unless `content_type` says)."""
    body = text.encode() if isinstance(text, str) else text
    kind = content_type or "text/plain; charset=utf-8"
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def make_status_wsgi(
    trouble: Callable[[], str | None], metrics: Callable[[], bytes]
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """/healthz (200, or 503 with the reason: the database or the worker) and /metrics (Prometheus)."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in {"/healthz", "/metrics"}:
            return plain(start_response, "404 Not Found", "not found\n")
        if environ.get("REQUEST_METHOD", "GET") not in {"GET", "HEAD"}:
            return plain(start_response, "405 Method Not Allowed", "GET only\n")
        if path == "/healthz":
            problem = trouble()
            if problem:
                log.warning("unhealthy: %s", problem)
                return plain(start_response, "503 Service Unavailable", f"unhealthy: {problem}\n")
            return plain(start_response, "200 OK", "ok\n")
        return plain(start_response, "200 OK", metrics(), METRICS_TYPE)

    return application


def make_wsgi(
    app: App,
    signing_secret: str,
    *,
    clock: Callable[[], float] = time.time,
    trouble: Callable[[], str | None] = lambda: None,
    metrics: Callable[[], bytes] = lambda: b"",
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """/healthz and /metrics, and /slack/events for Bolt once the Slack signature and the body's shape have been
    checked."""
    bolt = SlackRequestHandler(app)
    status = make_status_wsgi(trouble, metrics)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path in {"/healthz", "/metrics"}:
            return status(environ, start_response)
        if path != "/slack/events":
            return plain(start_response, "404 Not Found", "not found\n")
        if method != "POST":
            return plain(start_response, "405 Method Not Allowed", "POST only\n")
        length_header = str(environ.get("CONTENT_LENGTH") or "0")
        length = int(length_header) if _TIMESTAMP.fullmatch(length_header) else -1
        if length < 0 or length > MAX_BODY:
            return plain(start_response, "413 Content Too Large", "request too large\n")
        body = environ["wsgi.input"].read(length) if length else b""
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
        if not signature_ok(signing_secret, body, timestamp, signature, clock()):
            log.warning("refused a request with a missing, stale or invalid Slack signature")
            return plain(start_response, "401 Unauthorized", "invalid request signature\n")
        problem = malformed(str(environ.get("CONTENT_TYPE", "")), body)
        if problem is not None:
            log.warning("refused a signed request that is not what Slack sends: %s", problem)
            return plain(start_response, "400 Bad Request", "malformed payload\n")
        environ["wsgi.input"] = io.BytesIO(body)
        return bolt(environ, start_response)

    return application


def _json(text: str) -> Any:
    """Parsed JSON, or None when it is not JSON or nests deeper than anything Slack sends."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if _depth(data) <= _MAX_DEPTH else None


def _depth(value: Any, level: int = 0) -> int:
    if level > _MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


_OBJECTS = ("user", "team", "channel", "container", "view", "enterprise")  # each an object when present
_STRINGS = ("type", "response_url", "trigger_id", "api_app_id", "callback_id")  # each a string when present


def _interaction_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "the payload is not an object with a type"
    if any(name in payload and payload[name] is not None and not isinstance(payload[name], dict)
           for name in _OBJECTS):  # fmt: skip
        return "a payload field that should be an object is not"
    if any(name in payload and not isinstance(payload[name], str) for name in _STRINGS):
        return "a payload field that should be text is not"
    user = payload.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return "the payload has no user"
    if payload["type"] == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
                return "an action is not an object with an action_id"
            if "value" in action and not isinstance(action["value"], str):
                return "an action's value is not text"
    return None
