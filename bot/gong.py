"""The Gong Data Privacy API client on httpx: typed results, typed errors, Retry-After."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from .errors import GongRateLimited, GongRejected, GongUnavailable
from .phones import redact_numbers

ERASE_PHONE_PATH = "/v2/data-privacy/erase-data-for-phone-number"


@dataclass(frozen=True)
class GongAccepted:
    """Gong took the erase request; it deletes asynchronously, over hours."""

    request_id: str | None
    status: int
    elapsed_ms: int


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
        )

    def close(self) -> None:
        self._http.close()

    def erase_phone_number(self, e164: str) -> GongAccepted:
        """POST erase-data-for-phone-number; raises GongRateLimited, GongUnavailable or GongRejected."""
        return self._post(ERASE_PHONE_PATH, {"phoneNumber": e164})

    def _post(self, path: str, params: dict[str, str]) -> GongAccepted:
        started = time.monotonic()
        try:
            response = self._http.post(path, params=params)
        except httpx.TimeoutException as exc:
            # Errors from httpx carry the request, and so the URL with the number: keep only their kind.
            raise GongUnavailable(f"Gong did not answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise GongUnavailable(f"Could not reach Gong ({type(exc).__name__})") from None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        request_id, errors = _error_body(response)
        status = response.status_code
        if 200 <= status < 300:
            return GongAccepted(request_id=request_id, status=status, elapsed_ms=elapsed_ms)
        if status == 429:
            raise GongRateLimited(
                "Gong's API rate limit was reached",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                request_id=request_id,
            )
        if status >= 500 or status == 408:
            raise GongUnavailable(f"Gong answered {status}", status=status, errors=errors, request_id=request_id)
        raise GongRejected(f"Gong answered {status}", status=status, errors=errors, request_id=request_id)


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
    clean_errors = tuple(redact_numbers(str(e))[:500] for e in errors[:10]) if isinstance(errors, list) else ()
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
