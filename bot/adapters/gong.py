"""The Gong Data Privacy API client on httpx: typed results, typed errors, Retry-After."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from ..domain.emails import mask_email
from ..domain.gong import GongAccepted, GongLookup
from ..domain.holdings import from_gong
from ..domain.phones import mask_any_number
from ..domain.target import TargetKind, redact
from ..errors import GongRateLimited, GongRejected, GongUnavailable
from .metrics import gong_answered

__all__ = ["ERASE_EMAIL_PATH", "ERASE_PHONE_PATH", "GongClient", "parse_retry_after"]

ERASE_PHONE_PATH = "/v2/data-privacy/erase-data-for-phone-number"
ERASE_EMAIL_PATH = "/v2/data-privacy/erase-data-for-email-address"
LOOKUP_PHONE_PATH = "/v2/data-privacy/data-for-phone-number"
LOOKUP_EMAIL_PATH = "/v2/data-privacy/data-for-email-address"
log = logging.getLogger(__name__)

KEEPALIVE = 120.0  # seconds a connection to Gong stays open between calls

# Each endpoint takes the identifier in one query parameter, never in a body.
_ERASE = {TargetKind.PHONE: (ERASE_PHONE_PATH, "phoneNumber"), TargetKind.EMAIL: (ERASE_EMAIL_PATH, "emailAddress")}
_LOOKUP = {
    TargetKind.PHONE: (LOOKUP_PHONE_PATH, "phoneNumber"),
    TargetKind.EMAIL: (LOOKUP_EMAIL_PATH, "emailAddress"),
}


class GongClient:
    """Calls Gong with Basic auth; the identifier travels only in the query string."""

    def __init__(
        self,
        base_url: str,
        access_key: str,
        access_key_secret: str,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            auth=httpx.BasicAuth(access_key, access_key_secret),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Accept": "application/json", "User-Agent": "gong-erase-bot"},
            transport=transport,
            # a connection kept between calls: a new one (TCP, and TLS in production) costs each first call tens of
            # ms more than the next, and calls spaced to the millisecond must not arrive bunched
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE),
        )
        self._last_answer: float | None = None  # monotonic time of the last answer, to tell a warm connection

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def warm(self) -> bool:
        """Whether the next call finds a connection open (a cold one spends its first moments on handshakes)."""
        return self._last_answer is not None and time.monotonic() - self._last_answer < KEEPALIVE - 5.0

    def erase(self, kind: TargetKind, identifier: str, *, at_wire: Callable[[], None] | None = None) -> GongAccepted:
        """POST erase-data-for-phone-number or -email-address; raises GongRateLimited, GongUnavailable or
        GongRejected. `at_wire` runs just before the request's first byte is written (see `_send`)."""
        path, parameter = _ERASE[kind]
        response, elapsed_ms = self._send("POST", path, {parameter: identifier}, at_wire)
        request_id, _ = _error_body(response)
        return GongAccepted(request_id=request_id, status=response.status_code, elapsed_ms=elapsed_ms)

    def lookup(self, kind: TargetKind, identifier: str, *, at_wire: Callable[[], None] | None = None) -> GongLookup:
        """GET data-for-phone-number or -email-address, summarised; the same errors as erase."""
        path, parameter = _LOOKUP[kind]
        response, elapsed_ms = self._send("GET", path, {parameter: identifier}, at_wire)
        try:
            body = response.json()
        except ValueError:
            raise GongUnavailable("Gong's answer was not JSON", status=response.status_code) from None
        holdings = from_gong(body, mask_any_number, mask_email)
        request_id = body.get("requestId") if isinstance(body, dict) else None
        return GongLookup(holdings, str(request_id)[:100] if request_id else None, elapsed_ms)

    def _send(self, method: str, path: str, params: dict[str, str],
              at_wire: Callable[[], None] | None) -> tuple[httpx.Response, int]:  # fmt: skip
        """One call. `at_wire` runs when httpcore is about to write the request line (the connection is then open
        and the request built): the last moment a call spaced to the millisecond can tell whether it is late."""
        started = time.monotonic()
        log.debug("%s %s sent at %.3f", method, path, time.time())  # never the query: it carries the identifier
        endpoint = "erase" if method == "POST" else "lookup"
        extensions = {"trace": _on_event(_WRITING, at_wire)} if at_wire else None
        try:
            response = self._http.request(method, path, params=params, extensions=extensions)
        except httpx.TimeoutException as exc:
            # Errors from httpx carry the request, and so the URL with the identifier: keep only their kind.
            gong_answered(endpoint, "timeout")
            raise GongUnavailable(f"Gong did not answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            gong_answered(endpoint, "unreachable")
            raise GongUnavailable(f"Could not reach Gong ({type(exc).__name__})") from None
        self._last_answer = time.monotonic()
        elapsed_ms = int((self._last_answer - started) * 1000)
        status = response.status_code
        gong_answered(endpoint, str(status))
        if 200 <= status < 300:
            return response, elapsed_ms
        request_id, errors = _error_body(response)
        if status == 429:
            raise GongRateLimited(
                "Gong's API rate limit was reached",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                request_id=request_id,
            )
        if status >= 500 or status == 408:
            raise GongUnavailable(f"Gong answered {status}", status=status, errors=errors, request_id=request_id)
        raise GongRejected(f"Gong answered {status}", status=status, errors=errors, request_id=request_id)


_WRITING = ".send_request_headers.started"  # httpcore's trace event (http11., or http2.) before the first byte


def _on_event(suffix: str, callback: Callable[[], None]) -> Callable[[str, dict[str, Any]], None]:
    """An httpcore trace callback running `callback` at the event ending in `suffix`. Its `info` carries the
    request, and so the identifier: it is never looked at, let alone logged."""

    def trace(event: str, info: dict[str, Any]) -> None:
        if event.endswith(suffix):
            callback()

    return trace


def _error_body(response: httpx.Response) -> tuple[str | None, tuple[str, ...]]:
    """Gong's requestId and errors from a JSON body; anything else yields nothing rather than an exception."""
    try:
        body = response.json()
    except ValueError:
        return None, ()
    if not isinstance(body, dict):
        return None, ()
    request_id = body.get("requestId")
    errors = body.get("errors")
    clean_errors = tuple(redact(str(e))[:500] for e in errors[:10]) if isinstance(errors, list) else ()
    return (str(request_id)[:100] if request_id is not None else None), clean_errors


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP-date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)
