"""A fake Gong Data Privacy API: Basic auth, identifier in the query only, 3 calls/s, scripted failures."""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .server import Handler, LocalServer

ACCESS_KEY = "fake-gong-key"
ACCESS_KEY_SECRET = "fake-gong-secret"
ERASE_PHONE = "/v2/data-privacy/erase-data-for-phone-number"


@dataclass
class Reply:
    """One scripted answer: a status and JSON body, optionally after a delay, or bytes that are not JSON."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


@dataclass
class GongCall:
    path: str
    query: dict[str, list[str]]
    body: bytes
    authorized: bool
    status: int
    at: float

    @property
    def phone(self) -> str | None:
        values = self.query.get("phoneNumber")
        return values[0] if values else None


class FakeGong:
    """Gong's limit as a sliding one-second window, or (`leaky=True`) a leaky bucket of `rate_per_second` calls
    draining at that rate: a burst of 3 is fine, a fourth call within the next third of a second is not."""

    def __init__(self, rate_per_second: int = 3, *, leaky: bool = False) -> None:
        self.lock = threading.Condition()
        self.rate_per_second = rate_per_second
        self.leaky = leaky
        self._level, self._level_at = 0.0, time.monotonic()
        self.calls: list[GongCall] = []
        self.scripts: dict[str, collections.deque[Reply]] = {}
        self._recent: collections.deque[float] = collections.deque()
        self._outage: tuple[float, Reply] | None = None
        self.server = LocalServer(_GongHandler)
        self.server.httpd.owner = self  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> FakeGong:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def script(self, phone: str, *replies: Reply) -> None:
        """Answer the next calls for `phone` (E.164) with `replies`, in order; then succeed."""
        with self.lock:
            self.scripts.setdefault(phone, collections.deque()).extend(replies)

    def outage(self, seconds: float, reply: Reply | None = None) -> None:
        """For the next `seconds`, answer every authorized call with `reply` (by default a 503 HTML page)."""
        with self.lock:
            self._outage = (time.monotonic() + seconds, reply or Reply(503, raw=b"<html>Service Unavailable</html>"))

    def calls_for(self, phone: str) -> list[GongCall]:
        with self.lock:
            return [c for c in self.calls if c.phone == phone]

    def wait_for_calls(self, phone: str, count: int, timeout: float = 15.0) -> list[GongCall]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(calls := [c for c in self.calls if c.phone == phone]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} Gong call(s) for the number, saw {len(calls)}")
                self.lock.wait(min(remaining, 0.1))
            return calls

    def answer(self, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> Reply:
        with self.lock:
            reply = self._decide(path, query, headers, body)
            phone = (query.get("phoneNumber") or [None])[0]
            authorized = reply.status != 401 or phone is None
            self.calls.append(GongCall(path, query, body, authorized, reply.status, time.time()))
            self.lock.notify_all()
            return reply

    def _decide(self, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> Reply:
        request_id = secrets.token_hex(8)
        if not self._authorized(headers.get("Authorization", "")):
            return Reply(401, {"requestId": request_id, "errors": ["Access denied"]})
        now = time.monotonic()
        if self._outage and now < self._outage[0]:
            return self._outage[1]
        wait = self._bucket_wait(now) if self.leaky else self._window_wait(now)
        if wait:
            return Reply(429, {"requestId": request_id, "errors": ["API request limit exceeded"]},
                         {"Retry-After": str(max(1, math.ceil(wait)))})  # fmt: skip
        if path != ERASE_PHONE:
            return Reply(404, {"requestId": request_id, "errors": ["Not found"]})
        if body:
            return Reply(400, {"requestId": request_id, "errors": ["Request body is not expected"]})
        phones = query.get("phoneNumber", [])
        if len(phones) != 1 or not phones[0].startswith("+"):
            return Reply(400, {"requestId": request_id, "errors": ["phoneNumber must start with + and country code"]})
        script = self.scripts.get(phones[0])
        if script:
            reply = script.popleft()
            if reply.body is None and reply.raw is None:
                reply.body = {"requestId": request_id}
            return reply
        return Reply(200, {"requestId": request_id})

    def _window_wait(self, now: float) -> float:
        """Seconds until a call would be allowed (0: allowed, and counted)."""
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_per_second:
            return 1.0 - (now - self._recent[0])
        self._recent.append(now)
        return 0.0

    def _bucket_wait(self, now: float) -> float:
        self._level = max(0.0, self._level - (now - self._level_at) * self.rate_per_second)
        self._level_at = now
        if self._level + 1 > self.rate_per_second + 1e-9:
            return (self._level + 1 - self.rate_per_second) / self.rate_per_second
        self._level += 1
        return 0.0

    @staticmethod
    def _authorized(header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except ValueError:
            return False
        return decoded == f"{ACCESS_KEY}:{ACCESS_KEY_SECRET}"


class _GongHandler(Handler):
    def do_POST(self) -> None:
        fake: FakeGong = self.owner
        split = urlsplit(self.path)
        body = self.read_body()
        reply = fake.answer(split.path, parse_qs(split.query), self.headers, body)
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as on a timeout
            self.send(reply.status, payload, headers=reply.headers)

    do_GET = do_POST
