"""The playground's Slack: the Web API methods the bot calls (with its token), the response_url endpoint, file
upload and download; and what Slack sends the bot — slash commands, clicks, modal submissions, events — built
from what a visitor does on the page and signed with the app's signing secret, exactly as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from .world import APP, CHANNEL, CHANNEL_NAME, GROUP, GROUP_HANDLE, GROUP_MEMBERS, TEAM, USERS, SharedFile, World

__all__ = ["SlackStandIn"]

StartResponse = Callable[..., Any]


def _json(start_response: StartResponse, body: dict[str, Any], status: str = "200 OK") -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


class SlackStandIn:
    """Slack as far as the bot and the page need it, in front of one World."""

    def __init__(self, world: World, *, base_url: str, signing_secret: str) -> None:
        self.world = world
        self.base_url = base_url  # http://127.0.0.1:PORT, where the bot's /slack/events is too
        self.signing_secret = signing_secret

    # -- the Web API, as the bot calls it ----------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if path.startswith("/actions/"):
            return _json(start_response, self._respond(path.rsplit("/", 1)[1], raw))
        if path.startswith("/upload/"):
            file = self.world.files.get(path.rsplit("/", 1)[1])
            if file is None or len(raw) != file.length:
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"length mismatch"]
            file.content = raw
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [f"OK - {len(raw)}".encode()]
        if path.startswith("/files-pri/"):
            # /files-pri/<team>-<file id>/download/<name>, as Slack's url_private_download
            return self._download(environ, start_response, path.split("/")[2].partition("-")[2])
        method = path.removeprefix("/api/")
        if str(environ.get("HTTP_AUTHORIZATION", "")) != f"Bearer {self.world.token}":
            return _json(start_response, {"ok": False, "error": "invalid_auth"})
        args = self._arguments(str(environ.get("CONTENT_TYPE", "")), raw, str(environ.get("QUERY_STRING", "")))
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return _json(start_response, {"ok": False, "error": "unknown_method"})
        return _json(start_response, handler(args))

    @staticmethod
    def _arguments(content_type: str, raw: bytes, query: str) -> dict[str, Any]:
        if content_type.startswith("application/json") and raw:
            loaded = json.loads(raw)
            return loaded if isinstance(loaded, dict) else {}
        pairs = parse_qs(raw.decode() if raw else query)
        args: dict[str, Any] = {key: values[0] for key, values in pairs.items()}
        for name in ("blocks", "view", "files"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        return args

    def api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        """The workspace and app the token belongs to."""
        return {"ok": True, "team_id": TEAM, "user_id": "U0BOT", "bot_id": "B0BOT", "app_id": APP,
                "team": "Playground", "url": "https://playground.invalid/"}  # fmt: skip

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        """A message in the channel, a reply in a thread, or a DM (the channel is a person's ID: the app's
        Messages tab)."""
        if args.get("channel") in USERS:
            ts = self.world.post(str(args.get("text") or ""), list(args.get("blocks") or []),
                                 only_for=str(args["channel"]), direct=True)  # fmt: skip
            return {"ok": True, "channel": f"D{args['channel']}", "ts": ts}
        if args.get("channel") != CHANNEL:
            return {"ok": False, "error": "channel_not_found"}
        ts = self.world.post(str(args.get("text") or ""), list(args.get("blocks") or []),
                             thread_ts=args.get("thread_ts") or None)  # fmt: skip
        return {"ok": True, "channel": CHANNEL, "ts": ts}

    def api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Replace one of the bot's messages (the page shows it edited)."""
        if not self.world.update(str(args.get("ts")), str(args.get("text") or ""), list(args.get("blocks") or [])):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": CHANNEL, "ts": args.get("ts")}

    def api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        """A message only one person sees."""
        if args.get("user") not in USERS:
            return {"ok": False, "error": "user_not_in_channel"}
        ts = self.world.post(str(args.get("text") or ""), list(args.get("blocks") or []), only_for=str(args["user"]))
        return {"ok": True, "message_ts": ts}

    def api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """One person's Home tab."""
        self.world.homes[str(args.get("user_id"))] = dict(args.get("view") or {})
        self.world.changed()
        return {"ok": True, "view": {"id": f"V{self.world.next_id():08d}"}}

    def api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """A modal, opened with an unused trigger_id."""
        user = self.world.triggers.pop(str(args.get("trigger_id")), None)
        if user is None:
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(args.get("view") or {}) | {"id": f"V{self.world.next_id():08d}"}
        self.world.modals[user] = view
        self.world.modal_errors.pop(user, None)
        self.world.changed()
        return {"ok": True, "view": view}

    def api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """One of the playground's people."""
        user = str(args.get("user"))
        if user not in USERS:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, "name": USERS[user][0].lower(), "deleted": False}}

    def api_usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """The approver group."""
        return {"ok": True, "usergroups": [{"id": GROUP, "handle": GROUP_HANDLE, "user_count": len(GROUP_MEMBERS),
                                            "date_delete": 0, "users": list(GROUP_MEMBERS)}]}  # fmt: skip

    def api_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Who is in the approver group."""
        if args.get("usergroup") != GROUP:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(GROUP_MEMBERS)}

    def api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """The playground's one channel."""
        if args.get("channel") != CHANNEL:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": CHANNEL, "name": CHANNEL_NAME, "is_member": True}}

    def api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """Where to upload a file of the length announced."""
        file = SharedFile(f"F{self.world.next_id():08d}", str(args.get("filename")), length=int(args.get("length", 0)))
        self.world.files[file.id] = file
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file.id}", "file_id": file.id}

    def api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """Share uploaded files into the channel or a thread."""
        done = []
        for entry in args.get("files") or []:
            file = self.world.files.get(str(entry.get("id")))
            if file is None:
                return {"ok": False, "error": "file_not_found"}
            file.title = str(entry.get("title") or file.name)
            shared = {"id": file.id, "name": file.name, "title": file.title}
            self.world.post(f"📎 {file.title}", [], thread_ts=args.get("thread_ts") or None, file=shared)
            done.append(shared)
        return {"ok": True, "files": done}

    def _respond(self, key: str, raw: bytes) -> dict[str, Any]:
        responder = self.world.responders.get(key)
        if responder is None:
            return {"ok": False, "error": "expired_url"}
        body = json.loads(raw or b"{}")
        text, blocks = str(body.get("text") or ""), list(body.get("blocks") or [])
        if body.get("replace_original") and responder.replaces and self.world.find(responder.replaces):
            self.world.update(responder.replaces, text, blocks)
        elif body.get("delete_original") and responder.replaces:
            self.world.remove(responder.replaces)
        else:
            responder.replaces = self.world.post(text, blocks, only_for=responder.user)
        return {"ok": True}

    def _download(self, environ: dict[str, Any], start_response: StartResponse, file_id: str) -> list[bytes]:
        file = self.world.files.get(file_id)
        if file is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        if str(environ.get("HTTP_AUTHORIZATION", "")) != f"Bearer {self.world.token}":
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])  # as Slack does
            return [b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"]
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [file.content]

    # -- what Slack sends the bot, on a visitor's behalf -------------------------------------------

    def share(self, name: str, content: bytes) -> dict[str, Any]:
        """A file attached in a modal: the object Slack puts in the submission."""
        file = SharedFile(f"F{self.world.next_id():08d}", name, content, len(content), name)
        self.world.files[file.id] = file
        return {"id": file.id, "name": name, "size": len(content),
                "url_private_download": f"{self.base_url}/files-pri/{TEAM}-{file.id}/download/{name}"}  # fmt: skip

    def command(self, user: str, text: str) -> httpx.Response:
        """`/gong-erase <text>` typed by `user`; its ack, when it has a body, is that user's private message."""
        body = urlencode({
            "token": "playground", "team_id": TEAM, "team_domain": "playground", "channel_id": CHANNEL,
            "channel_name": CHANNEL_NAME, "user_id": user, "user_name": USERS[user][0].lower(),
            "command": "/gong-erase", "text": text, "api_app_id": APP, "is_enterprise_install": "false",
            "response_url": self._response_url(user), "trigger_id": self.world.trigger(user),
        }).encode()  # fmt: skip
        answer = self._send(body, "application/x-www-form-urlencoded")
        if answer.status_code == 200 and answer.content.strip():
            said = answer.json()
            self.world.post(str(said.get("text") or ""), list(said.get("blocks") or []), only_for=user)
        return answer

    def click(self, user: str, action_id: str, value: str, *, ts: str = "", in_home: bool = False) -> httpx.Response:
        """A button pressed by `user`: on a message (public or private) or in their Home tab."""
        post = self.world.find(ts) if ts else None
        container: dict[str, Any] = {"type": "view", "view_id": "V0HOME"} if in_home else {
            "type": "message", "message_ts": ts, "channel_id": CHANNEL,
            "is_ephemeral": bool(post and post.only_for)}  # fmt: skip
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user, "username": USERS[user][0].lower(), "team_id": TEAM},
            "api_app_id": APP, "token": "playground", "container": container, "trigger_id": self.world.trigger(user),
            "team": {"id": TEAM, "domain": "playground"},
            "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                         "action_ts": str(time.time())}],
        }  # fmt: skip
        if in_home:
            payload["view"] = {"id": "V0HOME", "type": "home", "blocks": []}
        else:
            payload["channel"] = {"id": CHANNEL, "name": CHANNEL_NAME}
            payload["response_url"] = self._response_url(user, ts if post and post.only_for else None)
            if post is not None and post.thread_ts is None and not post.only_for:
                payload["message"] = {"ts": ts, "text": post.text, "blocks": post.blocks}
        return self._send(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")

    def submit_view(self, user: str, values: dict[str, Any]) -> httpx.Response:
        """The visitor's open modal submitted with `values`; errors stay beside the fields, else it closes."""
        view = self.world.modals.get(user)
        if view is None:
            raise LookupError("no modal is open")
        payload = {
            "type": "view_submission", "team": {"id": TEAM, "domain": "playground"},
            "user": {"id": user, "username": USERS[user][0].lower(), "team_id": TEAM}, "api_app_id": APP,
            "token": "playground", "trigger_id": self.world.trigger(user),
            "view": {"id": view["id"], "type": "modal", "callback_id": view.get("callback_id", ""),
                     "private_metadata": view.get("private_metadata", ""), "blocks": view.get("blocks", []),
                     "state": {"values": values}, "hash": f"{time.time_ns()}.play", "app_id": APP},
            "response_urls": [],
        }  # fmt: skip
        answer = self._send(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")
        said = answer.json() if answer.status_code == 200 and answer.content.strip() else {}
        if said.get("response_action") == "errors":
            self.world.modal_errors[user] = dict(said.get("errors") or {})
        elif answer.status_code == 200:
            self.world.modals.pop(user, None)
            self.world.modal_errors.pop(user, None)
        self.world.changed()
        return answer

    def home_opened(self, user: str) -> httpx.Response:
        """The visitor opened the app's Home tab."""
        payload = {"token": "playground", "team_id": TEAM, "api_app_id": APP, "type": "event_callback",
                   "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()),
                   "event": {"type": "app_home_opened", "user": user, "channel": "D0PLAY", "tab": "home",
                             "event_ts": str(time.time())}}  # fmt: skip
        return self._send(json.dumps(payload).encode(), "application/json")

    def _response_url(self, user: str, replaces: str | None = None) -> str:
        return f"{self.base_url}/actions/{self.world.responder(user, replaces)}"

    def _send(self, body: bytes, content_type: str) -> httpx.Response:
        """POST to the bot's /slack/events, signed as Slack signs (v0, HMAC-SHA256 of `v0:timestamp:body`)."""
        timestamp = str(int(time.time()))
        signature = hmac.new(self.signing_secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": "v0=" + signature.hexdigest()}  # fmt: skip
        return httpx.post(f"{self.base_url}/slack/events", content=body, headers=headers, timeout=10)
