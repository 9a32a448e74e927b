"""A fake Socket Mode endpoint: the WebSocket URL apps.connections.open hands out; it delivers envelopes and
collects the app's acknowledgements, as Slack does."""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.connections: list[ServerConnection] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.server: Server = serve(self._serve, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={secrets.token_hex(8)}"

    def start(self) -> FakeSocketMode:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def _serve(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                                    "connection_info": {"app_id": "A000"}}))  # fmt: skip
        with self.lock:
            self.connections.append(connection)
            self.lock.notify_all()
        try:
            for raw in connection:
                message = json.loads(raw)
                with self.lock:
                    self.acks[message["envelope_id"]] = message.get("payload") or {}
                    self.lock.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self.lock:
                self.connections.remove(connection)
                self.lock.notify_all()

    def wait_connected(self, timeout: float = 30.0) -> None:
        self._wait(lambda: bool(self.connections), timeout, "the app to connect")

    def deliver(self, kind: str, payload: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Send one envelope (slash_commands, interactive, events_api) and wait for the app's ack payload."""
        envelope_id = secrets.token_hex(8)
        envelope = {
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": "",
        }  # fmt: skip
        with self.lock:
            connection = self.connections[-1]
        connection.send(json.dumps(envelope))
        self._wait(lambda: envelope_id in self.acks, timeout, f"the ack of a {kind} envelope")
        return self.acks[envelope_id]

    def _wait(self, predicate: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                self.lock.wait(min(remaining, 0.1))
