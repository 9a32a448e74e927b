"""Driving the real bot process over HTTP: signed Slack requests, a process we can start, kill and restart."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from tests.fakes.gong import ACCESS_KEY, ACCESS_KEY_SECRET, FakeGong
from tests.fakes.slack import BOT_TOKEN, FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "fake-signing-secret-8f3a"
HASH_KEY = "test-hash-key-0123456789abcdef0123456789abcdef"
APPROVER = "UAPPROVER1"
APPROVER_2 = "UAPPROVER2"
GROUP = "SPRIVACY"
GROUP_MEMBER = "UGROUPMEMBER"
REQUESTER = "UREQUESTER"
OUTSIDER = "UOUTSIDER"
CHANNEL = "CPRIVACY"

_numbers = itertools.count(int(time.time()) % 5000)


def fresh_number() -> tuple[str, str]:
    """A valid US number no other test uses: (how a person types it, its E.164)."""
    n = next(_numbers) % 10000
    return f"+1 425 555 {n:04d}", f"+1425555{n:04d}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def base_env(slack: FakeSlack, gong: FakeGong, db_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GONG_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        SLACK_RESPONSE_URL_PREFIX=slack.server.url + "/actions/",
        GONG_ACCESS_KEY=ACCESS_KEY,
        GONG_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
        GONG_BASE_URL=gong.url,
        GONG_ERASE_APPROVERS=f"{APPROVER}, {APPROVER_2} {GROUP}",
        GONG_ERASE_DB=str(db_path),
        GONG_ERASE_HASH_KEY=HASH_KEY,
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GONG_TIMEOUT="2",
        GONG_ERASE_JOB_LEASE="4",
        GONG_RETRY_BACKOFF="0.2",
        GONG_MAX_ATTEMPTS="3",
        GONG_ERASE_POLL_INTERVAL="0.2",
        PYTHONUNBUFFERED="1",
    )
    return env


class BotProcess:
    """`python -m bot`, exactly as the Procfile starts it (gunicorn), in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path, cwd: Path = ROOT) -> None:
        self.env = env
        self.port = int(env["PORT"])
        self.log_path = log_path
        self.cwd = cwd  # where a .env would be read from
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> BotProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"bot did not become healthy:\n{self.logs()}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown code runs, as in a crash."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class SignedSlack:
    """Sends what Slack sends: form-encoded, signed with the app's signing secret."""

    url: str
    slack: FakeSlack
    secret: str = SIGNING_SECRET
    client: httpx.Client | None = None  # e.g. on httpx.WSGITransport, to reach a bot built in this process
    spread: tuple[str, ...] = ()  # several hosts behind one load balancer: each request goes to the next
    _triggers = itertools.count(1)
    _turns = itertools.count()

    @property
    def target(self) -> str:
        """Where the next request goes: the one bot, or the next of the hosts in turn."""
        return self.spread[next(self._turns) % len(self.spread)] if self.spread else self.url

    def post(self, body: bytes, timestamp: str | None = None, signature: str | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response:  # fmt: skip
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(body, timestamp, self.secret) if signature is None else signature,
            **(headers or {}),
        }
        if self.client is not None:
            return self.client.post(self.url + "/slack/events", content=body, headers=sent, timeout=10)
        return httpx.post(self.target + "/slack/events", content=body, headers=sent, timeout=10)

    def command_body(self, text: str, user: str = REQUESTER, channel: str = CHANNEL,
                     channel_name: str = "privacy-requests", trigger_id: str | None = None) -> bytes:  # fmt: skip
        return urlencode({
            "token": "deprecated-verification-token", "team_id": "T000", "team_domain": "fake",
            "channel_id": channel, "channel_name": channel_name, "user_id": user, "user_name": user.lower(),
            "command": "/gong-erase", "text": text, "api_app_id": "A000", "is_enterprise_install": "false",
            "response_url": self.slack.response_url(),
            "trigger_id": trigger_id or self.slack.issue_trigger(user),
        }).encode()  # fmt: skip

    def command(self, text: str, **kwargs: Any) -> dict[str, Any]:
        response = self.post(self.command_body(text, **kwargs))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def command_answered_later(self, text: str, user: str = REQUESTER, channel: str = CHANNEL) -> dict[str, Any]:
        """A subcommand answered after the ack through response_url (lookup, status, list): that answer."""
        body = self.command_body(text, user=user, channel=channel)
        url = dict(parse_qsl(body.decode()))["response_url"]
        response = self.post(body)
        assert response.status_code == 200 and not response.content.strip(), response.text  # an empty ack
        answer = self.slack.wait_for(lambda: self.slack.responded(url), what=f"answer to /gong-erase {text}")[0]
        assert answer["response_type"] == "ephemeral"
        return dict(answer)

    def event(self, event: dict[str, Any]) -> httpx.Response:
        """An Events API delivery (JSON), e.g. app_home_opened."""
        payload = {"token": "deprecated-verification-token", "team_id": "T000", "api_app_id": "A000",
                   "type": "event_callback", "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()),
                   "event": {"event_ts": str(time.time()), **event}}  # fmt: skip
        return self.post(json.dumps(payload).encode(), headers={"Content-Type": "application/json"})

    def open_home(self, user: str) -> dict[str, Any]:
        """Open the App Home tab as `user`; returns the view the bot publishes for them."""
        before = len(self.slack.homes.get(user, []))
        assert (
            self.event({"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home"}).status_code == 200
        )
        views = self.slack.wait_for(lambda: len(self.slack.homes.get(user, [])) > before and self.slack.homes[user],
                                    what=f"the Home tab of {user}")  # fmt: skip
        return dict(views[-1])

    def click_in_home(self, action_id: str, request_id: str, user: str) -> httpx.Response:
        """A button in the Home tab: a view container, no channel and no response_url."""
        payload = {
            "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T000"},
            "api_app_id": "A000", "token": "deprecated-verification-token",
            "trigger_id": self.slack.issue_trigger(user),
            "container": {"type": "view", "view_id": "V0001"}, "team": {"id": "T000", "domain": "fake"},
            "view": {"id": "V0001", "type": "home", "blocks": []},
            "actions": [{"action_id": action_id, "block_id": f"home_{request_id}", "value": request_id,
                         "type": "button", "action_ts": str(time.time())}],
        }  # fmt: skip
        return self.post(urlencode({"payload": json.dumps(payload)}).encode())

    def open_bulk(self, user: str = REQUESTER, channel: str = CHANNEL) -> dict[str, Any]:
        """`/gong-erase bulk`: an empty ack, then the modal the bot opened with the command's trigger_id."""
        body = self.command_body("bulk", user=user, channel=channel)
        trigger = dict(parse_qsl(body.decode()))["trigger_id"]
        response = self.post(body)
        assert response.status_code == 200 and not response.content.strip(), response.text
        return dict(self.slack.wait_for(lambda: self.slack.opened_by.get(trigger), what="the bulk modal"))

    def reject(self, request_id: str, user: str, reason: str = "Not the data subject's number",
               message_ts: str | None = None, in_home: bool = False, wait: float = 15.0,
               required: bool = True) -> httpx.Response | None:  # fmt: skip
        """Reject as an approver does: press Reject, then answer the modal it opens with `reason`; the
        submission's HTTP answer (the decision follows after it). No modal within `wait` (refused, or decided
        first): an AssertionError, or None when not `required`."""
        if in_home:
            response = self.click_in_home("erase_reject", request_id, user)
        else:
            response = self.click("erase_reject", request_id, user, message_ts=message_ts)[0]
        assert response.status_code == 200
        try:
            view = self.modal_opened_by(response, "the reject modal", wait)
        except AssertionError:
            if required:
                raise
            return None
        values = {"reject_reason": {"reason": {"type": "plain_text_input", "value": reason}}}
        return self.submit_view(view, values, user)

    def modal_opened_by(self, click: httpx.Response, what: str, timeout: float = 15.0) -> dict[str, Any]:
        """The modal the bot opened (views.open) with the trigger_id of the click `click` answered."""
        trigger = json.loads(dict(parse_qsl(click.request.content.decode()))["payload"])["trigger_id"]
        return dict(self.slack.wait_for(lambda: self.slack.opened_by.get(trigger), timeout=timeout, what=what))

    def submit_view(self, view: dict[str, Any], values: dict[str, Any], user: str = REQUESTER) -> httpx.Response:
        """A view_submission of `view` with the `values` the person entered (see bulk_values)."""
        payload = {
            "type": "view_submission", "team": {"id": "T000", "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": "T000"}, "api_app_id": "A000",
            "token": "deprecated-verification-token", "trigger_id": self.slack.issue_trigger(user),
            "view": {"id": view["id"], "type": "modal", "callback_id": view["callback_id"],
                     "private_metadata": view.get("private_metadata", ""), "blocks": view["blocks"],
                     "state": {"values": values}, "hash": f"{time.time_ns()}.abc", "app_id": "A000"},
            "response_urls": [],
        }  # fmt: skip
        return self.post(urlencode({"payload": json.dumps(payload)}).encode())

    def bulk(self, pasted: str = "", file: dict[str, Any] | None = None, reason: str = "DSR-1234",
             user: str = REQUESTER, channel: str = CHANNEL) -> httpx.Response:  # fmt: skip
        """Open the bulk modal and submit it filled in; Slack's view of the submission's HTTP answer."""
        view = self.open_bulk(user, channel)
        return self.submit_view(view, bulk_values(view, pasted, file, reason), user)

    def click(self, action_id: str, request_id: str, user: str, *, message_ts: str | None = None,
              ephemeral: bool = False, response_url: str | None = None,
              channel: str = CHANNEL) -> tuple[httpx.Response, str]:  # fmt: skip
        """Press a button; returns Slack's view of the HTTP answer and the response_url it carried."""
        response_url = response_url or self.slack.response_url()
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T000"},
            "api_app_id": "A000",
            "token": "deprecated-verification-token",
            "container": {"type": "message", "message_ts": message_ts or "1.0", "channel_id": channel,
                          "is_ephemeral": ephemeral},
            "trigger_id": self.slack.issue_trigger(user),
            "team": {"id": "T000", "domain": "fake"},
            "channel": {"id": channel, "name": "privacy-requests"},
            "response_url": response_url,
            "actions": [{"action_id": action_id, "block_id": "b", "value": request_id, "type": "button",
                         "text": {"type": "plain_text", "text": "x"}, "action_ts": str(time.time())}],
        }  # fmt: skip
        response = self.post(urlencode({"payload": json.dumps(payload)}).encode())
        return response, response_url


def bulk_values(view: dict[str, Any], pasted: str = "", file: dict[str, Any] | None = None,
                reason: str = "DSR-1234") -> dict[str, Any]:  # fmt: skip
    """The state Slack submits for the bulk modal as a person filled it in; only what Slack's client would let
    them submit (a required field empty, or more text than its max_length, cannot be sent)."""
    inputs = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    for block_id, typed in (("bulk_identifiers", pasted), ("bulk_reason", reason)):
        element = inputs[block_id]["element"]
        assert len(typed) <= element.get("max_length", 3000), f"Slack would not submit {len(typed)} characters"
        assert typed or inputs[block_id].get("optional"), f"Slack would not submit an empty {block_id}"
    assert file is None or file["name"].rsplit(".", 1)[-1] in inputs["bulk_file"]["element"]["filetypes"]
    return {
        "bulk_identifiers": {"identifiers": {"type": "plain_text_input", "value": pasted or None}},
        "bulk_file": {"file": {"type": "file_input", "files": [file] if file else []}},
        "bulk_reason": {"reason": {"type": "plain_text_input", "value": reason or None}},
    }


def button_value(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {json.dumps(blocks)[:500]}")


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def db_rows(bot: BotProcess, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Read the bot's database the way an auditor would (read-only): its SQLite file, or its DATABASE_URL."""
    import sqlite3

    if bot.env.get("DATABASE_URL"):
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(bot.env["DATABASE_URL"], row_factory=dict_row) as pg:
            pg.read_only = True
            return pg.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]
    conn = sqlite3.connect(f"file:{bot.env['GONG_ERASE_DB']}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def busy_jobs(bot: BotProcess) -> int:
    """Jobs running or due now; reminders and verification checks scheduled for later do not count."""
    sql = "SELECT COUNT(*) AS n FROM jobs WHERE status = 'running' OR (status = 'queued' AND run_at <= ?)"
    return int(db_rows(bot, sql, (time.time(),))[0]["n"])


def request_state(bot: BotProcess, request_id: str) -> str:
    return str(db_rows(bot, "SELECT state FROM requests WHERE id = ?", (request_id,))[0]["state"])


def request_count(bot: BotProcess) -> int:
    return int(db_rows(bot, "SELECT COUNT(*) AS n FROM requests")[0]["n"])


def submit_request(slack_user: SignedSlack, typed: str, reason: str = "DSR-1234", requester: str = REQUESTER,
                   channel: str = CHANNEL, preview: bool = True) -> Any:  # fmt: skip
    """Run the command, confirm privately, and return the public approval message once posted (and, with
    `preview`, once it shows what Gong holds or why it can't)."""
    ack = slack_user.command(f"{typed} {reason}", user=requester, channel=channel)
    request_id = button_value(ack["blocks"], "erase_submit")
    response, _ = slack_user.click("erase_submit", request_id, requester, ephemeral=True, channel=channel)
    assert response.status_code == 200
    fake = slack_user.slack
    parent = fake.wait_for(
        lambda: next((m for m in fake.posts(channel) if request_id in m.text), None), what="approval message"
    )
    if preview:
        fake.wait_for(lambda: "Looking up what Gong holds" not in parent.all_text, what="the preview")
    return parent


def flood(port: int, bodies: list[bytes], secret: str = SIGNING_SECRET) -> list[tuple[int, float]]:
    """POST every body to /slack/events at once, each signed when sent, over bare asyncio streams (httpx's pool
    spends seconds on hundreds of simultaneous connections, which would measure the client, not the bot).
    Returns (status, milliseconds) per body."""
    import asyncio

    async def one(body: bytes) -> tuple[int, float]:
        stamp = str(int(time.time()))
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: {sign(body, stamp, secret)}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head.encode() + body)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return int(answer.split(b" ", 2)[1]), (time.perf_counter() - started) * 1000

    async def all_at_once() -> list[tuple[int, float]]:
        return list(await asyncio.gather(*(one(body) for body in bodies)))

    return asyncio.run(all_at_once())
