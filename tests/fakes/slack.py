"""A fake Slack Web API: checks the bot token and Block Kit limits, answers like Slack, records every call."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .blockkit import MAX_MESSAGE_TEXT, MAX_VIEW_BLOCKS, validate_blocks, validate_modal
from .server import Handler, LocalServer

BOT_TOKEN = "xoxb-test-0000000000-abcdefabcdef"
APP_TOKEN = "xapp-1-A000-0000-abcdefabcdef"  # Socket Mode: only apps.connections.open takes it


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    history: list[list[dict[str, Any]]] = field(default_factory=list)

    @property
    def all_text(self) -> str:
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)

    def action_ids(self) -> list[str]:
        return [
            element.get("action_id")
            for block in self.blocks
            if block.get("type") == "actions"
            for element in block["elements"]
        ]


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    at: float = field(default_factory=time.time)  # when it arrived


_SCOPES = {  # a method and the scopes any one of which lets a bot token call it
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "users.info": {"users:read"},
    "usergroups.list": {"usergroups:read"},
    "usergroups.users.list": {"usergroups:read"},
    "conversations.info": {"channels:read", "groups:read"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}
TRIGGER_LIFETIME = 3.0  # seconds a trigger_id may open a view (Slack: expired_trigger_id after that)
LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"


@dataclass
class SlackFile:
    """A file in the fake workspace: uploaded by the bot (v2 upload) or shared by a person (a form's file input)."""

    id: str
    name: str
    length: int
    content: bytes = b""
    uploaded: bool = False
    shared_in: list[tuple[str, str | None]] = field(default_factory=list)  # (channel, thread_ts)
    title: str = ""


class FakeSlack:
    """State of one fake workspace: channels the bot is in, user groups, messages, response_urls."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.lock = threading.Condition()
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Message] = {}
        self.groups: dict[str, list[str]] = {}
        self.users: set[str] = set()  # who exists in the workspace (users.info)
        self.paid_plan = True  # user groups exist only on paid plans: otherwise usergroups.* refuse
        # OAuth scopes the bot token was granted: methods that need another answer missing_scope, as Slack does
        self.scopes = {
            "commands",
            "chat:write",
            "usergroups:read",
            "users:read",
            "channels:read",
            "groups:read",
            "files:read",
            "files:write",
        }
        self.not_in: set[str] = set()  # channels the bot is not a member of
        self.deleted: set[str] = set()  # channels that no longer exist
        self.homes: dict[str, list[dict[str, Any]]] = {}  # user → every Home tab view published, in order
        self.triggers: dict[str, float] = {}  # trigger_id → when its interaction happened (views.open needs it)
        self.used_triggers: set[str] = set()
        self.ephemerals: dict[str, list[Message]] = {}  # user → messages only they saw (chat.postEphemeral)
        self.views: list[dict[str, Any]] = []  # every modal opened, with its trigger's user
        self.opened_by: dict[str, dict[str, Any]] = {}  # trigger_id → the modal it opened
        self.files: dict[str, SlackFile] = {}
        self._file_ids = itertools.count(1)
        self.socket_url: str | None = None  # what apps.connections.open hands out (a FakeSocketMode)
        self.failures: dict[str, list[tuple[int, str, dict[str, str], str | None]]] = {}
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self._ts = itertools.count(1)
        self._url_ids = itertools.count(1)
        self.server = LocalServer(_SlackHandler)
        self.server.httpd.owner = self  # type: ignore[attr-defined]

    # -- test controls ----------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self.server.url + "/api/"

    def start(self) -> FakeSlack:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def response_url(self) -> str:
        key = f"T000/{next(self._url_ids)}/{time.time_ns()}"
        with self.lock:
            self.responses[key] = []
        return f"{self.server.url}/actions/{key}"

    def fail_next(self, method: str, error: str, status: int = 200, headers: dict[str, str] | None = None,
                  channel: str | None = None) -> None:  # fmt: skip
        """Make the next call of `method` (to `channel`, if given) fail the way Slack does (e.g. 429 ratelimited
        with Retry-After). An `error` starting with "<" is sent as a bare HTML page, as Slack's edge does on a 5xx."""
        with self.lock:
            self.failures.setdefault(method, []).append((status, error, headers or {}, channel))

    def wait_for(self, predicate, timeout: float = 15.0, what: str = "condition"):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what}; calls: {[c.method for c in self.calls]}")
                self.lock.wait(min(remaining, 0.1))

    def posts(self, channel: str | None = None) -> list[Message]:
        with self.lock:
            return [
                m for m in self.messages.values() if m.thread_ts is None and (channel is None or m.channel == channel)
            ]

    def thread(self, channel: str, ts: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages.values() if m.channel == channel and m.thread_ts == ts]

    def responded(self, url: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.responses[url.split("/actions/", 1)[1]])

    def calls_of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def everything_public(self) -> str:
        """All text that reached channels or threads (not ephemeral responses), for privacy checks."""
        with self.lock:
            return "\n".join(
                m.all_text + "\n" + json.dumps(m.history, ensure_ascii=False) for m in self.messages.values()
            )

    # -- the API ----------------------------------------------------------------------------

    def handle(self, method: str, headers: Any, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            status, body, extra = self._dispatch(method, headers, args)
            self.calls.append(Call(method, args, bool(body.get("ok")), body.get("error")))
            self.lock.notify_all()
            return status, body, extra

    def _dispatch(self, method: str, headers: Any, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        auth = headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else args.get("token")
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if method == "apps.connections.open":  # the app-level token, and nothing else, opens a socket
            if token != APP_TOKEN:
                return (
                    200,
                    {"ok": False, "error": "invalid_auth" if token != self.token else "not_allowed_token_type"},
                    {},
                )
            if not self.socket_url:
                return 200, {"ok": False, "error": "internal_error"}, {}
            return 200, {"ok": True, "url": self.socket_url}, {}
        if token != self.token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        needed = _SCOPES.get(method, set())
        if needed and not needed & self.scopes:
            return 200, {"ok": False, "error": "missing_scope", "needed": ",".join(sorted(needed))}, {}
        if method.startswith("usergroups.") and not self.paid_plan:
            return 200, {"ok": False, "error": "plan_upgrade_required"}, {}
        queued = self.failures.get(method) or []
        due = next((f for f in queued if f[3] is None or f[3] == args.get("channel")), None)
        if due is not None:
            queued.remove(due)
            status, error, extra, _ = due
            if error.startswith("<"):
                return status, {"ok": False, "error": f"http_{status}", "raw": error}, extra
            return status, {"ok": False, "error": error}, extra
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(args), {}

    def api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "gong-erase",
                "team_id": "T000", "user_id": "UBOT", "bot_id": "BBOT", "app_id": "A000"}  # fmt: skip

    def _check_message(self, args: dict[str, Any]) -> dict[str, Any] | None:
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if blocks is None and not args.get("text"):
            return {"ok": False, "error": "no_text"}
        if blocks is not None:
            problems = validate_blocks(blocks)
            if problems:
                return {"ok": False, "error": "invalid_blocks", "errors": problems}
        if len(str(args.get("text") or "")) > MAX_MESSAGE_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        args["blocks"] = blocks or []
        return None

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel or channel in self.deleted:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.not_in:
            return {"ok": False, "error": "not_in_channel"}
        problem = self._check_message(args)
        if problem:
            return problem
        thread_ts = args.get("thread_ts")
        if thread_ts and (channel, thread_ts) not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        self.messages[(channel, ts)] = Message(channel, ts, str(args.get("text") or ""), args["blocks"], thread_ts)
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, user = args.get("channel"), args.get("user")
        if not channel or channel in self.deleted:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.not_in:
            return {"ok": False, "error": "not_in_channel"}
        if user not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        problem = self._check_message(args)
        if problem:
            return problem
        ts = f"{1_700_000_000 + next(self._ts)}.000200"
        self.ephemerals.setdefault(str(user), []).append(
            Message(str(channel), ts, str(args.get("text") or ""), args.get("blocks") or [])
        )
        return {"ok": True, "message_ts": ts}

    def ephemeral_to(self, user: str) -> list[Message]:
        """Every message only `user` saw, oldest first."""
        with self.lock:
            return list(self.ephemerals.get(user, []))

    def api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel"), args.get("ts"))
        if key[0] in self.deleted:
            return {"ok": False, "error": "channel_not_found"}
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        problem = self._check_message(args)
        if problem:
            return problem
        message.history.append(message.blocks)
        message.text = str(args.get("text") or "")
        message.blocks = args["blocks"]
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}

    def api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        user = args.get("user_id")
        if not user or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        if view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": ["type"]}}
        problems = validate_blocks(view.get("blocks"), MAX_VIEW_BLOCKS)
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        self.homes.setdefault(str(user), []).append(view)
        return {"ok": True, "view": {"id": f"V{len(self.homes)}", "type": "home", "blocks": view["blocks"]}}

    def home_of(self, user: str) -> dict[str, Any] | None:
        with self.lock:
            views = self.homes.get(user)
            return views[-1] if views else None

    # -- interactions, modals and files --------------------------------------------------------

    def issue_trigger(self, user: str) -> str:
        """A trigger_id for one interaction of `user` (a command or a click), as Slack puts in the payload."""
        trigger = f"{next(self._url_ids)}.{time.time_ns()}.{user.lower()}"
        with self.lock:
            self.triggers[trigger] = time.time()
        return trigger

    def api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        trigger = str(args.get("trigger_id") or "")
        issued = self.triggers.get(trigger)
        if issued is None:
            return {"ok": False, "error": "invalid_trigger_id"}
        if trigger in self.used_triggers:
            return {"ok": False, "error": "exchanged_trigger_id"}
        if time.time() - issued > TRIGGER_LIFETIME:
            return {"ok": False, "error": "expired_trigger_id"}
        problems = validate_modal(view)
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        self.used_triggers.add(trigger)  # a trigger opens one view
        assert isinstance(view, dict)
        opened = {**view, "id": f"V{len(self.views) + 1:08d}", "trigger_user": trigger.rsplit(".", 1)[1]}
        self.views.append(opened)
        self.opened_by[trigger] = opened
        return {"ok": True, "view": opened}

    def share_file(self, name: str, content: bytes) -> dict[str, Any]:
        """A file a person attached in a form: the object Slack puts in the view_submission's file input."""
        file = SlackFile(f"F{next(self._file_ids):08d}", name, len(content), content, uploaded=True)
        with self.lock:
            self.files[file.id] = file
        return {"id": file.id, "name": name, "filetype": name.rsplit(".", 1)[-1], "size": len(content),
                "url_private_download": f"{self.server.url}/files-pri/T000-{file.id}/download/{name}"}  # fmt: skip

    def download(self, file_id: str, authorization: str) -> tuple[int, bytes, str]:
        """GET url_private_download: the bytes with the bot token (and files:read); else Slack's login page."""
        file = self.files.get(file_id)
        if file is None:
            return 404, b"not found", "text/plain"
        if authorization != f"Bearer {self.token}" or "files:read" not in self.scopes:
            return 200, LOGIN_PAGE, "text/html; charset=utf-8"
        return 200, file.content, "application/octet-stream"

    def api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        name, length = str(args.get("filename") or ""), str(args.get("length") or "")
        if not name or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file = SlackFile(f"F{next(self._file_ids):08d}", name, int(length))
        self.files[file.id] = file
        return {"ok": True, "upload_url": f"{self.server.url}/upload/v1/{file.id}", "file_id": file.id}

    def receive_upload(self, file_id: str, body: bytes) -> tuple[int, bytes]:
        """POST to the upload URL: the whole file, of the length announced."""
        with self.lock:
            file = self.files.get(file_id)
            if file is None:
                return 404, b"not found"
            if len(body) != file.length:
                return 400, b"length mismatch"
            file.content, file.uploaded = body, True
            return 200, f"OK - {len(body)}".encode()

    def api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel, thread_ts = args.get("channel_id"), args.get("thread_ts")
        if channel and (channel in self.deleted or channel in self.not_in):
            return {"ok": False, "error": "not_in_channel" if channel in self.not_in else "channel_not_found"}
        if thread_ts and (channel, thread_ts) not in self.messages:
            return {"ok": False, "error": "invalid_thread_ts"}
        done = []
        for entry in files:
            file = self.files.get(str(entry.get("id")))
            if file is None or not file.uploaded:
                return {"ok": False, "error": "file_not_found"}
            file.title = str(entry.get("title") or file.name)
            if channel:
                file.shared_in.append((str(channel), str(thread_ts) if thread_ts else None))
            done.append({"id": file.id, "name": file.name, "title": file.title})
        return {"ok": True, "files": done}

    def files_in(self, channel: str, thread_ts: str | None = None) -> list[SlackFile]:
        """Files shared into a channel (or one of its threads)."""
        with self.lock:
            return [f for f in self.files.values() if (channel, thread_ts) in f.shared_in]

    def api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, "name": str(user).lower(), "deleted": False}}

    def api_usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        counted = str(args.get("include_count", "")).lower() in {"1", "true"}
        return {"ok": True, "usergroups": [
            {"id": group, "handle": group.lower(), "name": group.title(), "is_usergroup": True,
             **({"user_count": str(len(members))} if counted else {})}
            for group, members in self.groups.items()
        ]}  # fmt: skip

    def api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if channel in self.deleted or channel[:1] not in {"C", "G"}:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {"id": channel, "name": channel.lower(), "is_member": channel not in self.not_in},
        }

    def api_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = args.get("usergroup")
        if group not in self.groups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.groups[group])}

    def respond(self, key: str, body: dict[str, Any]) -> tuple[int, str]:
        with self.lock:
            uses = self.responses.get(key)
            if uses is None:
                return 404, "expired_url"
            if len(uses) >= 5:
                return 404, "used_url"
            if "blocks" in body and validate_blocks(body["blocks"]):
                return 400, "invalid_blocks"
            uses.append(body)
            self.lock.notify_all()
            return 200, "ok"


class _SlackHandler(Handler):
    def do_POST(self) -> None:
        fake: FakeSlack = self.owner
        path = urlsplit(self.path).path
        raw = self.read_body()
        if path.startswith("/actions/"):
            try:
                body = json.loads(raw)
            except ValueError:
                self.send(400, b"invalid_payload", "text/plain")
                return
            status, text = fake.respond(path[len("/actions/") :], body)
            self.send(status, text.encode(), "text/plain")
            return
        if path.startswith("/upload/v1/"):
            status, answer = fake.receive_upload(path[len("/upload/v1/") :], raw)
            self.send(status, answer, "text/plain")
            return
        if not path.startswith("/api/"):
            self.send(404, b"not found", "text/plain")
            return
        self._api(path[len("/api/") :], raw)

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        if split.path.startswith("/files-pri/"):  # /files-pri/T000-F…/download/name
            file_id = split.path.split("/")[2].split("-", 1)[-1]
            status, body, kind = self.owner.download(file_id, self.headers.get("Authorization", ""))
            self.send(status, body, kind)
            return
        if not split.path.startswith("/api/"):
            self.send(404, b"not found", "text/plain")
            return
        self._api(split.path[len("/api/") :], split.query.encode())

    def _api(self, method: str, raw: bytes) -> None:
        fake: FakeSlack = self.owner
        content_type = self.headers.get("Content-Type", "")
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        if "application/json" in content_type:
            try:
                args = json.loads(raw or b"{}")
            except ValueError:
                self.send(200, b'{"ok": false, "error": "invalid_json"}')
                return
        else:
            args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        status, body, headers = fake.handle(method, self.headers, {**query, **args})
        if "raw" in body:
            self.send(status, body["raw"].encode(), "text/html", headers=headers)
            return
        self.send(status, json.dumps(body).encode(), headers=headers)
