"""The WSGI front door: /healthz, and /slack/events verified before Bolt sees a byte."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
StartResponse = Callable[..., Any]


def make_wsgi(app: App, signing_secret: str) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """/healthz, and /slack/events for Bolt once the Slack signature has been checked here."""
    bolt = SlackRequestHandler(app)
    verifier = SignatureVerifier(signing_secret)

    def plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
        body = text.encode()
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in {"GET", "HEAD"}:
            return plain(start_response, "200 OK", "ok\n")
        if path != "/slack/events":
            return plain(start_response, "404 Not Found", "not found\n")
        if method != "POST":
            return plain(start_response, "405 Method Not Allowed", "POST only\n")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return plain(start_response, "413 Content Too Large", "request too large\n")
        body = environ["wsgi.input"].read(length) if length else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        # Bolt answers 500 to a non-numeric timestamp and logs whole bodies of bad requests: we answer
        # 401 here, logging neither the body nor the signature.
        if not timestamp.isdigit() or not verifier.is_valid(body, timestamp, signature):
            log.warning("refused a request with a missing, stale or invalid Slack signature")
            return plain(start_response, "401 Unauthorized", "invalid request signature\n")
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return bolt(environ, start_response)
        except ValueError:  # Bolt parses the payload before any listener runs; Slack never sends bad JSON
            log.warning("refused a signed request whose payload is not valid JSON")
            return plain(start_response, "400 Bad Request", "malformed payload\n")

    return application
