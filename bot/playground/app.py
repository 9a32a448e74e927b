"""The playground as one WSGI app on loopback: the real bot (bootstrap, the same Bolt app, listeners, store, worker
and Gong client) configured — by its settings alone — to talk to a Slack stand-in served here and a Gong
stand-in on a port of its own; the page, and the page's small JSON API that turns a visitor's typing and clicks
into what Slack would send the bot."""

from __future__ import annotations

import base64
import html
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from waitress.server import create_server

from ..app import Bot, bootstrap
from ..config import Settings
from ..domain.workspace import Installation
from ..web import make_wsgi
from .gong import ACCESS_KEY, ACCESS_KEY_SECRET, FAULTS, GongStandIn
from .page import PAGE
from .render import blocks_html, view_html
from .slack import SlackStandIn
from .world import APP, CHANNEL_NAME, GROUP, GROUP_HANDLE, TEAM, USERS, Post, World

__all__ = ["Playground"]

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
NAMES = {user: name for user, (name, _) in USERS.items()} | {GROUP: GROUP_HANDLE, "C0PRIVACY": CHANNEL_NAME}


def _reply(start_response: StartResponse, body: Any, status: str = "200 OK", content_type: str = "application/json",
           ) -> list[bytes]:  # fmt: skip
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store")])  # fmt: skip
    return [data]


class Playground:
    """Everything `python -m bot playground` serves, built for `port` with its database at `database`."""

    def __init__(self, port: int, database: Path) -> None:
        self.port = port
        self.database = database
        self.base_url = f"http://127.0.0.1:{port}"
        self.world = World()
        self.signing_secret = secrets.token_hex(16)
        self.hash_key = secrets.token_hex(32)
        self.slack = SlackStandIn(self.world, base_url=self.base_url, signing_secret=self.signing_secret)
        self.gong_server = create_server(GongStandIn(self.world), host="127.0.0.1", port=0, threads=4,
                                         ident="playground-gong")  # fmt: skip
        self.approvals = 1
        self._swap = threading.Lock()
        self.bot: Bot | None = None
        self._bot_wsgi: Callable[..., Iterable[bytes]] | None = None

    # -- the bot -----------------------------------------------------------------------------------

    def settings(self) -> Settings:
        """The bot's settings: the stand-ins' addresses, made-up credentials, the playground's own database."""
        gong_port = self.gong_server.effective_port
        return Settings.from_env({
            "SLACK_BOT_TOKEN": self.world.token, "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_API_URL": f"{self.base_url}/api/", "SLACK_RESPONSE_URL_PREFIX": f"{self.base_url}/actions/",
            "GONG_BASE_URL": f"http://127.0.0.1:{gong_port}", "GONG_ACCESS_KEY": ACCESS_KEY,
            "GONG_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET, "GONG_ERASE_APPROVERS": f"U0LEE {GROUP}",
            "GONG_ERASE_REQUIRED_APPROVALS": str(self.approvals), "GONG_ERASE_DB": str(self.database),
            "GONG_ERASE_HASH_KEY": self.hash_key, "PORT": str(self.port), "GONG_TIMEOUT": "3",
            "GONG_MAX_ATTEMPTS": "3", "GONG_RETRY_BACKOFF": "1", "GONG_ERASE_POLL_INTERVAL": "0.5",
            "GONG_ERASE_JOB_LEASE": "10", "LOG_LEVEL": "WARNING",
        })  # fmt: skip

    def start_bot(self) -> None:
        """(Re)build the bot on a fresh database: a playground never keeps or touches a real deployment's data."""
        with self._swap:
            if self.bot is not None:
                self.bot.close(grace=2.0)
            for suffix in ("", "-wal", "-shm", ".hashkey"):
                Path(f"{self.database}{suffix}").unlink(missing_ok=True)
            settings = self.settings()
            bot = bootstrap(settings, clock=self.world.clock, installation=Installation(TEAM, "", APP))
            bot.worker.start(threads=4)
            self._bot_wsgi = make_wsgi(bot.app, self.signing_secret, trouble=bot.trouble, metrics=bot.metrics)
            self.bot = bot

    # -- serving -----------------------------------------------------------------------------------

    def serve(self, ready: Callable[[str], None] = print) -> None:
        """Serve until interrupted; `ready` is told the address once the page answers."""
        threading.Thread(target=self.gong_server.run, name="playground-gong", daemon=True).start()
        self.start_bot()
        server = create_server(self, host="127.0.0.1", port=self.port, threads=24, ident="playground")
        ready(f"Playground: http://localhost:{self.port}/ (nothing reaches Slack or Gong)")
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            if self.bot is not None:
                self.bot.close(grace=2.0)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path == "/":
            return _reply(start_response, PAGE.encode(), content_type="text/html; charset=utf-8")
        if path in {"/slack/events", "/healthz", "/metrics"} and self._bot_wsgi is not None:
            return self._bot_wsgi(environ, start_response)
        if path.startswith(("/api/", "/actions/", "/upload/", "/files-pri/")):
            return self.slack(environ, start_response)
        if path.startswith("/playground/"):
            return self._page_api(environ, start_response, path.removeprefix("/playground/"))
        return _reply(start_response, {"error": "not found"}, "404 Not Found")

    # -- the page's API ----------------------------------------------------------------------------

    def _page_api(self, environ: dict[str, Any], start_response: StartResponse, what: str) -> list[bytes]:
        query = {key: values[0] for key, values in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        if what == "users":
            return _reply(start_response, [{"id": u, "name": n, "role": r} for u, (n, r) in USERS.items()])
        if what == "state":
            since = int(query.get("since", "-1"))
            if since == self.world.version:
                self.world.wait_for_change(since, timeout=0.8)
            return _reply(start_response, self.state(query.get("user", "U0DANA")))
        if what.startswith("files/"):
            file = self.world.files.get(what.removeprefix("files/"))
            if file is None:
                return _reply(start_response, {"error": "no such file"}, "404 Not Found")
            return _reply(start_response, file.content, content_type="text/csv; charset=utf-8")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        user = str(body.get("user") or "")
        if user not in USERS:
            return _reply(start_response, {"error": "choose who you are first"}, "400 Bad Request")
        try:
            said = self._act(what, user, body)
        except (LookupError, ValueError) as exc:
            return _reply(start_response, {"error": str(exc)}, "400 Bad Request")
        return _reply(start_response, said)

    def _act(self, what: str, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """One thing the visitor did, sent to the bot as Slack would send it."""
        world = self.world
        if what == "command":
            answer = self.slack.command(user, str(body.get("text") or ""))
            return {"status": answer.status_code}
        if what == "click":
            answer = self.slack.click(user, str(body.get("action_id")), str(body.get("value")),
                                      ts=str(body.get("ts") or ""), in_home=bool(body.get("home")))  # fmt: skip
            return {"status": answer.status_code}
        if what == "submit":
            answer = self.slack.submit_view(user, self._values(body.get("values") or {}))
            return {"status": answer.status_code}
        if what == "close":
            world.modals.pop(user, None)
            world.changed()
            return {}
        if what == "home":
            return {"status": self.slack.home_opened(user).status_code}
        if what == "fault":
            fault = str(body.get("fault"))
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}")
            world.fault = fault
            world.changed()
            return {}
        if what == "hold":
            return self._hold(body)
        if what == "advance":
            world.clock.advance(float(body.get("hours", 6)) * 3600)
            world.changed()
            if self.bot is not None:
                self.bot.worker.doorbell.set()
            return {}
        if what == "reset":
            self.approvals = 2 if int(body.get("approvals", 1)) == 2 else 1
            world.reset()
            self.start_bot()
            world.changed()
            return {}
        raise LookupError(f"unknown action {what!r}")

    def _values(self, values: dict[str, Any]) -> dict[str, Any]:
        """The modal's fields as Slack puts them in a view_submission; an attached file is shared first."""
        state: dict[str, Any] = {}
        for block_id, actions in values.items():
            for action_id, entry in (actions or {}).items():
                if entry.get("kind") == "file":
                    attached = entry.get("file")
                    files = [self.slack.share(str(attached["name"]), base64.b64decode(attached["content"]))] if \
                        attached else []  # fmt: skip
                    state[block_id] = {action_id: {"type": "file_input", "files": files}}
                else:
                    state[block_id] = {action_id: {"type": "plain_text_input", "value": entry.get("value") or None}}
        return state

    def _hold(self, body: dict[str, Any]) -> dict[str, Any]:
        from ..domain.target import parse_erase_text
        from ..errors import InputRejected

        try:
            target = parse_erase_text(str(body.get("identifier") or "")).target
        except InputRejected as refusal:
            raise ValueError(f"not a phone number or address ({refusal.why.value})") from None
        counts = {"calls": int(body.get("calls") or 0), "emails": int(body.get("emails") or 0)}
        self.world.held[target.identifier] = counts
        self.world.changed()
        return {"held": target.masked}

    # -- what the page shows -----------------------------------------------------------------------

    def state(self, user: str) -> dict[str, Any]:
        """Everything `user` sees, rendered."""
        world = self.world
        visible = world.visible_to(user)
        replies: dict[str, list[Post]] = {}
        for post in visible:
            if post.thread_ts:
                replies.setdefault(post.thread_ts, []).append(post)

        def shown(post: Post) -> dict[str, Any]:
            return {"ts": post.ts, "key": f"{post.edits}", "html": blocks_html(post.blocks, NAMES) or post.text,
                    "visibility": "dm" if post.direct else "ephemeral" if post.only_for else "public",
                    "edited": post.edits > 0,
                    "replies": len(replies.get(post.ts, [])),
                    "file": {k: html.escape(v) for k, v in post.file.items()} if post.file else None}  # fmt: skip

        modal = world.modals.get(user)
        errors = world.modal_errors.get(user, {})
        home = world.homes.get(user)
        offset_hours = world.clock.offset / 3600
        now = datetime.fromtimestamp(world.clock(), UTC).strftime("%a %H:%M UTC")
        calls = [{"text": self._call_line(call), "status": call["status"], "timeout": call["timeout"]}
                 for call in reversed(world.gong_calls[-200:])]  # fmt: skip
        return {
            "version": world.version, "user": user, "approvals": self.approvals,
            "clock": f"bot time {now}" + (f" (+{offset_hours:.0f} h)" if offset_hours else ""),
            "messages": [shown(post) for post in visible if post.thread_ts is None],
            "threads": {ts: [shown(post) for post in posts] for ts, posts in replies.items()},
            "modal": None if modal is None else {
                "key": f"{modal['id']}:{json.dumps(errors, sort_keys=True)}",
                "title": str((modal.get("title") or {}).get("text", "")),
                "submit": str((modal.get("submit") or {}).get("text", "Submit")),
                "html": view_html(modal, NAMES, errors)},
            "home_html": view_html(home, NAMES) if home else "<p>Open this tab to see your requests.</p>",
            "home_key": str(hash(json.dumps(home, sort_keys=True))) if home else "",
            "gong": {"fault": world.fault, "calls": calls},
        }  # fmt: skip

    @staticmethod
    def _call_line(call: dict[str, Any]) -> str:
        at = time.strftime("%H:%M:%S", time.localtime(call["at"]))
        status = "timeout" if call["timeout"] else call["status"]
        what = call["path"].rsplit("/", 1)[-1]
        return html.escape(f"{at} {call['method']} {what} {call['masked']} → {status} · requestId {call['request_id']}")
