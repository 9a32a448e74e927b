"""A fake Gong Data Privacy API: Basic auth, identifier in the query only, 3 calls/s, scripted failures,
lookups answered in the OpenAPI shapes from data the fake holds, and erasure that takes effect later."""

from __future__ import annotations

import base64
import collections
import contextlib
import dataclasses
import json
import math
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .server import Handler, LocalServer

CALL_LOG = "/_fake/calls"
ACCESS_KEY = "fake-gong-key"
ACCESS_KEY_SECRET = "fake-gong-secret"
ERASE_PHONE = "/v2/data-privacy/erase-data-for-phone-number"
ERASE_EMAIL = "/v2/data-privacy/erase-data-for-email-address"
LOOKUP_PHONE = "/v2/data-privacy/data-for-phone-number"
LOOKUP_EMAIL = "/v2/data-privacy/data-for-email-address"
# path → (HTTP method, the one query parameter it takes)
ENDPOINTS = {
    ERASE_PHONE: ("POST", "phoneNumber"),
    ERASE_EMAIL: ("POST", "emailAddress"),
    LOOKUP_PHONE: ("GET", "phoneNumber"),
    LOOKUP_EMAIL: ("GET", "emailAddress"),
}


def references(calls: int = 0, emails: int = 0, meetings: int = 0, leads: int = 0, contacts: int = 0,
               numbers: tuple[str, ...] = (), addresses: tuple[str, ...] = ()) -> dict[str, Any]:  # fmt: skip
    """A data-for-phone-number answer (PhoneNumberReferences) holding that much, as Gong shapes it."""
    objects = [{"id": f"77{i}", "objectType": "Lead", "externalId": f"00Q{i}", "fields": []} for i in range(leads)]
    objects += [{"id": f"78{i}", "objectType": "Contact", "externalId": f"003{i}"} for i in range(contacts)]
    return {
        "emails": [{"from": "rep@seller.example", "id": f"m{i:031d}", "sentTime": "2026-01-20T00:00:00-08:00",
                    "mailbox": "rep@seller.example", "messageHash": "h"} for i in range(emails)],
        "calls": [{"id": f"{7782342274025937895 + i}", "status": "COMPLETED", "externalSystems": []}
                  for i in range(calls)],
        "meetings": [{"id": f"{i}.abc@google.com_2026-06-30T13:00:00Z"} for i in range(meetings)],
        "customerData": [{"system": "Salesforce", "objects": objects}] if objects else [],
        "matchingPhoneNumbers": list(numbers),
        "emailAddresses": list(addresses),
    }  # fmt: skip


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
    method: str = "POST"
    retry_after: str | None = None  # the Retry-After header of the answer, if any

    @property
    def identifier(self) -> str | None:
        values = self.query.get("phoneNumber") or self.query.get("emailAddress")
        return values[0] if values else None

    @property
    def phone(self) -> str | None:
        """The identifier of an erase call (lookups have none here, so that erase counts stay exact)."""
        return self.identifier if self.path in {ERASE_PHONE, ERASE_EMAIL} else None

    @property
    def looked_up(self) -> str | None:
        return self.identifier if self.path in {LOOKUP_PHONE, LOOKUP_EMAIL} else None


class FakeGong:
    """Gong's limit, which Gong does not document, three ways: a sliding one-second window (`limiter="window"`), a
    leaky bucket (`"leaky"`), or no burst at all (`"strict"`: any call closer than 1/rate to the last one accepted is
    refused). A leaky bucket of `rate_per_second` calls
    draining at that rate: a burst of 3 is fine, a fourth call within the next third of a second is not."""

    def __init__(
        self, rate_per_second: int = 3, *, limiter: str = "window", clock: Callable[[], float] | None = None
    ) -> None:
        self.lock = threading.Condition()
        self.rate_per_second = rate_per_second
        self.limiter = limiter
        self._last_accepted = float("-inf")
        # What the rate limit measures time with: by default when the kernel received the call, as a real edge
        # would; a test may step a clock of its own by hand.
        self.clock = clock
        self._level, self._level_at = 0.0, clock() if clock else time.time()
        self.calls: list[GongCall] = []
        self.scripts: dict[str, collections.deque[Reply]] = {}
        self.lookup_scripts: dict[str, collections.deque[Reply]] = {}
        self.held: dict[str, dict[str, Any]] = {}  # identifier → its data-for-* answer
        self.erase_delay: dict[str, float | None] = {}  # identifier → seconds until an erase takes effect
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

    def script_lookup(self, identifier: str, *replies: Reply) -> None:
        """Answer the next lookups of `identifier` with `replies`, in order; then answer from the data held."""
        with self.lock:
            self.lookup_scripts.setdefault(identifier, collections.deque()).extend(replies)

    def hold(self, identifier: str, answer: dict[str, Any], erased_after: float | None = 0.0) -> None:
        """Gong holds `answer` for `identifier`; an erase removes it `erased_after` seconds later (None: never)."""
        with self.lock:
            self.held[identifier] = answer
            self.erase_delay[identifier] = erased_after

    def lookups_for(self, identifier: str, *, answered: bool = False) -> list[GongCall]:
        """Lookups of `identifier`; `answered`: leave out those refused by the shared 3 calls/s limit (429)."""
        with self.lock:
            return [c for c in self.calls if c.looked_up == identifier and not (answered and c.status == 429)]

    def outage(self, seconds: float, reply: Reply | None = None) -> None:
        """For the next `seconds`, answer every authorized call with `reply` (by default a 503 HTML page)."""
        with self.lock:
            self._outage = (
                (self.clock or time.time)() + seconds,
                reply or Reply(503, raw=b"<html>Service Unavailable</html>"),
            )

    def calls_for(self, phone: str, *, answered: bool = False) -> list[GongCall]:
        """Erase calls for `phone`; `answered`: leave out those refused by the shared 3 calls/s limit (429), which
        erase nothing: on a busy machine, other tests' bots spend the same allowance."""
        with self.lock:
            return [c for c in self.calls if c.phone == phone and not (answered and c.status == 429)]

    def wait_for_calls(self, phone: str, count: int, timeout: float = 15.0) -> list[GongCall]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(calls := [c for c in self.calls if c.phone == phone]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} Gong call(s) for the number, saw {len(calls)}")
                self.lock.wait(min(remaining, 0.1))
            return calls

    def answer(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes,
               arrived: float | None = None) -> Reply:  # fmt: skip
        arrived = time.time() if arrived is None else arrived
        with self.lock:
            reply = self._decide(method, path, query, headers, body, self.clock() if self.clock else arrived)
            call = GongCall(path, query, body, reply.status != 401, reply.status, arrived, method,
                            reply.headers.get("Retry-After"))  # fmt: skip
            self.calls.append(call)
            self.lock.notify_all()
            return reply

    def _decide(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes, now: float
    ) -> Reply:
        request_id = secrets.token_hex(8)
        if not self._authorized(headers.get("Authorization", "")):
            return Reply(401, {"requestId": request_id, "errors": ["Access denied"]})
        if self._outage and now < self._outage[0]:
            return self._outage[1]
        wait = {"window": self._window_wait, "leaky": self._bucket_wait, "strict": self._strict_wait}[self.limiter](now)
        if wait:
            return Reply(429, {"requestId": request_id, "errors": ["API request limit exceeded"]},
                         {"Retry-After": str(max(1, math.ceil(wait)))})  # fmt: skip
        if path not in ENDPOINTS:
            return Reply(404, {"requestId": request_id, "errors": ["Not found"]})
        expected_method, parameter = ENDPOINTS[path]
        if method != expected_method:
            return Reply(405, {"requestId": request_id, "errors": ["Method not allowed"]})
        if body:
            return Reply(400, {"requestId": request_id, "errors": ["Request body is not expected"]})
        values = query.get(parameter, [])
        if len(values) != 1 or set(query) != {parameter}:
            return Reply(400, {"requestId": request_id, "errors": [f"{parameter} is required, once"]})
        identifier = values[0]
        if parameter == "phoneNumber" and not identifier.startswith("+"):
            return Reply(400, {"requestId": request_id, "errors": ["phoneNumber must start with + and country code"]})
        if parameter == "emailAddress" and "@" not in identifier:
            return Reply(400, {"requestId": request_id, "errors": ["emailAddress is not a valid email address"]})
        scripts = self.lookup_scripts if method == "GET" else self.scripts
        script = scripts.get(identifier)
        if script:
            reply = script.popleft()
            if reply.body is None and reply.raw is None:
                reply.body = {"requestId": request_id}
            if 200 <= reply.status < 300 and method == "POST":
                self._erase(identifier)
            return reply
        if method == "GET":
            answer = self.held.get(identifier, references())
            return Reply(200, {"requestId": request_id, **answer})
        self._erase(identifier)
        return Reply(200, {"requestId": request_id})

    def _erase(self, identifier: str) -> None:
        """Gong deletes asynchronously: the data goes `erase_delay` seconds after the accepted erase."""
        if identifier not in self.held:
            return
        delay = self.erase_delay.get(identifier, 0.0)
        if delay is None:
            return
        if delay <= 0:
            del self.held[identifier]
            return
        timer = threading.Timer(delay, self._forget, args=(identifier,))
        timer.daemon = True
        timer.start()

    def _forget(self, identifier: str) -> None:
        with self.lock:
            self.held.pop(identifier, None)

    def _window_wait(self, now: float) -> float:
        """Seconds until a call would be allowed (0: allowed, and counted)."""
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_per_second:
            return 1.0 - (now - self._recent[0])
        self._recent.append(now)
        return 0.0

    def _strict_wait(self, now: float) -> float:
        gap = now - self._last_accepted
        if gap < 1.0 / self.rate_per_second:
            return 1.0 / self.rate_per_second - gap
        self._last_accepted = now
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
        if split.path == CALL_LOG:  # for a test in another process: what this Gong has seen
            with fake.lock:
                log = [dataclasses.asdict(call) | {"body": call.body.decode("latin-1")} for call in fake.calls]
            self.send(200, json.dumps(log).encode())
            return
        body = self.read_body()
        reply = fake.answer(self.command, split.path, parse_qs(split.query), self.headers, body, self.arrived_at)
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as on a timeout
            self.send(reply.status, payload, headers=reply.headers)

    do_GET = do_POST


class GongProcess:
    """A FakeGong in a process of its own: like the real Gong, its clock and its timing are not disturbed by the
    load the test itself generates (in-process, a burst of test clients delays when the fake sees a call)."""

    def __init__(self, rate_per_second: int = 3, limiter: str = "strict") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.gong", str(rate_per_second), limiter],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    @property
    def calls(self) -> list[GongCall]:
        """Every call the fake has answered, in order."""
        import httpx

        rows = httpx.get(self.url + CALL_LOG, timeout=10).json()
        return [GongCall(**(row | {"body": row["body"].encode("latin-1")})) for row in rows]

    def calls_for(self, phone: str) -> list[GongCall]:
        """The erase calls for `phone` (E.164)."""
        return [call for call in self.calls if call.phone == phone]

    def stop(self) -> None:
        """End the fake's process."""
        self.proc.terminate()
        self.proc.wait(10)


if __name__ == "__main__":  # python -m tests.fakes.gong RATE LIMITER: serve until terminated
    fake = FakeGong(int(sys.argv[1]), limiter=sys.argv[2]).start()
    print(fake.url, flush=True)
    threading.Event().wait()
