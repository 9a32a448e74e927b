"""The playground's Gong: the four Data Privacy endpoints, answering in the shapes of Gong's OpenAPI description
from what the visitor says it holds, and failing the way the visitor switches it to (429, 500, 401, 400, a
timeout), so that they can watch the bot cope. Every call is listed on the page, its identifier masked."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from ..domain.target import parse_erase_text
from ..errors import InputRejected
from .world import World

__all__ = ["FAULTS", "GongStandIn", "held_answer"]

StartResponse = Callable[..., Any]
ACCESS_KEY = "playground-gong-key"
ACCESS_KEY_SECRET = "playground-gong-secret"  # noqa: S105 (a made-up key for a made-up Gong)
FAULTS = ("none", "429", "500", "401", "400", "timeout")
TIMEOUT_SECONDS = 6.0  # longer than the playground's GONG_TIMEOUT: the bot gives up waiting
# path → (method, the one query parameter it takes)
ENDPOINTS = {
    "/v2/data-privacy/erase-data-for-phone-number": ("POST", "phoneNumber"),
    "/v2/data-privacy/erase-data-for-email-address": ("POST", "emailAddress"),
    "/v2/data-privacy/data-for-phone-number": ("GET", "phoneNumber"),
    "/v2/data-privacy/data-for-email-address": ("GET", "emailAddress"),
}


def held_answer(calls: int = 0, emails: int = 0, meetings: int = 0) -> dict[str, Any]:
    """A data-for-… answer holding that much, shaped as Gong's."""
    return {
        "calls": [{"id": f"{7782342274025937895 + i}", "status": "COMPLETED"} for i in range(calls)],
        "emails": [{"id": f"m{i:031d}", "from": "rep@seller.example", "sentTime": "2026-01-20T00:00:00Z"}
                   for i in range(emails)],
        "meetings": [{"id": f"{i}.abc@calendar.example_2026-06-30T13:00:00Z"} for i in range(meetings)],
        "customerData": [], "matchingPhoneNumbers": [], "emailAddresses": [],
    }  # fmt: skip


def _masked(identifier: str) -> str:
    try:
        return parse_erase_text(identifier).target.masked
    except InputRejected:
        return "•••"


class GongStandIn:
    """Gong's Data Privacy API in front of one World (Basic auth, the identifier in the query only)."""

    def __init__(self, world: World) -> None:
        self.world = world

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        status, body = self._answer(method, path, query, str(environ.get("HTTP_AUTHORIZATION", "")))
        if status == "timeout":
            time.sleep(TIMEOUT_SECONDS)
            status = 200
        data = json.dumps(body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        if status == 429:
            headers.append(("Retry-After", "2"))
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
        return [data]

    def _answer(self, method: str, path: str, query: dict[str, list[str]], authorization: str) -> tuple[Any, Any]:
        request_id = secrets.token_hex(8)
        expected = "Basic " + base64.b64encode(f"{ACCESS_KEY}:{ACCESS_KEY_SECRET}".encode()).decode()
        endpoint = ENDPOINTS.get(path)
        parameter = endpoint[1] if endpoint else ""
        identifier = (query.get(parameter) or [""])[0]
        status: Any = 200
        body: dict[str, Any] = {"requestId": request_id}
        fault = self.world.fault
        if authorization != expected or fault == "401":
            status, body = 401, {"requestId": request_id, "errors": ["Access denied"]}
        elif endpoint is None or endpoint[0] != method:
            status, body = 404, {"requestId": request_id, "errors": ["Not found"]}
        elif fault == "429":
            status, body = 429, {"requestId": request_id, "errors": ["API request limit exceeded"]}
        elif fault == "500":
            status, body = 500, {"requestId": request_id, "errors": ["Internal server error"]}
        elif fault == "400" or len(query.get(parameter, [])) != 1:
            status, body = 400, {"requestId": request_id, "errors": ["The request could not be processed"]}
        elif method == "GET":
            counts = self.world.held.get(identifier, {})
            body = {"requestId": request_id, **held_answer(**counts)}
            status = "timeout" if fault == "timeout" else 200
        else:
            status = "timeout" if fault == "timeout" else 200
            self.world.held.pop(identifier, None)  # the data goes once Gong accepted the erase
        self.world.record_call({"method": method, "path": path, "masked": _masked(identifier),
                                "status": 200 if status == "timeout" else status, "timeout": status == "timeout",
                                "request_id": request_id, "at": time.time()})  # fmt: skip
        return status, body
