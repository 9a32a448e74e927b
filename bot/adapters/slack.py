"""The Slack Web API as the bot uses it; slack_sdk errors become our SlackError at this boundary."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from ..domain.workspace import Installation
from ..errors import SlackError
from .metrics import slack_failed

__all__ = ["ApproverGroups", "Slack", "call_api"]

T = TypeVar("T")
log = logging.getLogger(__name__)
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,64}")


class Slack:
    """Posts, updates and responds; every failure is a SlackError with Slack's error code."""

    def __init__(
        self, client: WebClient, timeout: int = 10, response_url_prefix: str = "https://hooks.slack.com/"
    ) -> None:
        self.client = client
        self.timeout = timeout
        self.response_url_prefix = response_url_prefix  # a signed payload's response_url is still only a URL

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None = None) -> str:
        """chat.postMessage, in a thread when `thread_ts` is given; the new message's ts."""
        response = call_api(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False
            )
        )
        return str(response["ts"])

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """chat.update of one of the bot's messages."""
        call_api(lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks))

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """views.publish: one person's App Home tab."""
        call_api(lambda: self.client.views_publish(user_id=user_id, view=view))

    def respond(self, response_url: str, text: str, blocks: list[dict[str, Any]], replace: bool | None = None) -> None:
        """Answer privately through an interaction's response_url; `replace` says whether the message the click
        came from is replaced (None: leave it to Slack, as for a slash command)."""
        if not response_url.startswith(self.response_url_prefix):
            # never POST to an address a payload names unless it is Slack's: no requests to internal hosts
            raise SlackError("the response_url is not Slack's", "untrusted_response_url")
        body: dict[str, Any] = {"text": text, "blocks": blocks, "response_type": "ephemeral"}
        if replace is not None:
            body["replace_original"] = replace
        try:
            response = WebhookClient(response_url, timeout=self.timeout).send_dict(body)
        except (SlackClientError, OSError) as exc:
            raise SlackError(f"response_url unreachable ({type(exc).__name__})", "connection_error") from None
        if response.status_code != 200:
            code = response.body.strip() if response.body and len(response.body) < 100 else "http_error"
            raise SlackError(f"response_url answered {response.status_code}", code or "http_error")

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """chat.postEphemeral: a message only `user` sees, in `channel`."""
        call_api(lambda: self.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks))

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        """views.open with an interaction's trigger_id (valid for 3 s, once); the new view's id."""
        response = call_api(lambda: self.client.views_open(trigger_id=trigger_id, view=view))
        return str((response.get("view") or {}).get("id") or "")

    def download(self, url: str, limit: int) -> bytes:
        """A file a person shared (its url_private_download), with the bot token; at most `limit` bytes. Slack
        answers a missing token or a missing files:read scope with its HTML sign-in page and status 200: that is
        a SlackError (`not_a_file`), never the batch's content."""
        if not url.startswith(self.client.base_url.rsplit("/api/", 1)[0]) and not url.startswith(
            "https://files.slack.com/"
        ):
            raise SlackError("the file's address is not Slack's", "untrusted_file_url")
        headers = {"Authorization": f"Bearer {self.client.token}"}
        try:
            with httpx.stream("GET", url, headers=headers, timeout=self.timeout, follow_redirects=False) as response:
                kind = response.headers.get("content-type", "")
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise SlackError(f"the file is larger than {limit:,} bytes", "file_too_large")
        except httpx.HTTPError as exc:
            raise SlackError(f"the file could not be fetched ({type(exc).__name__})", "connection_error") from None
        if response.status_code != 200:
            raise SlackError(f"the file could not be fetched ({response.status_code})", f"http_{response.status_code}")
        if kind.startswith("text/html") or body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
            raise SlackError("Slack sent its sign-in page, not the file: the bot needs the files:read scope",
                             "not_a_file")  # fmt: skip
        return body

    def upload_file(self, channel: str, thread_ts: str, filename: str, content: bytes, title: str) -> str:
        """files.getUploadURLExternal, the bytes, files.completeUploadExternal into a thread; the file's id."""
        response = call_api(lambda: self.client.files_upload_v2(
            channel=channel, thread_ts=thread_ts, filename=filename, content=content, title=title))  # fmt: skip
        files = response.get("files") or [response.get("file") or {}]
        return str(files[0].get("id") or "")

    def installation(self) -> Installation:
        """auth.test: the workspace, organisation and app the bot token belongs to."""
        response = call_api(self.client.auth_test)
        return Installation(
            team_id=str(response.get("team_id") or ""),
            enterprise_id=str(response.get("enterprise_id") or ""),
            app_id=str(response.get("app_id") or ""),
        )

    def user_exists(self, user_id: str) -> bool:
        """users.info: whether the workspace has this user (SlackError when Slack cannot say)."""
        try:
            call_api(lambda: self.client.users_info(user=user_id))
        except SlackError as exc:
            if exc.code in {"user_not_found", "users_not_found"}:
                return False
            raise
        return True

    def user_groups(self) -> dict[str, tuple[str, int]]:
        """usergroups.list: every enabled user group's ID → (handle, member count)."""
        response = call_api(lambda: self.client.usergroups_list(include_count=True))
        return {str(g["id"]): (str(g.get("handle") or ""), int(g.get("user_count") or 0))
                for g in response.get("usergroups") or []}  # fmt: skip

    def channel(self, channel_id: str) -> tuple[str, bool] | None:
        """conversations.info: (name, whether the bot is a member), or None when there is no such channel."""
        try:
            response = call_api(lambda: self.client.conversations_info(channel=channel_id))
        except SlackError as exc:
            if exc.code == "channel_not_found":
                return None
            raise
        channel = response.get("channel") or {}
        return str(channel.get("name") or channel_id), bool(channel.get("is_member"))

    def group_members(self, group_id: str) -> frozenset[str]:
        """usergroups.users.list: who is in a user group now."""
        response = call_api(lambda: self.client.usergroups_users_list(usergroup=group_id))
        return frozenset(response.get("users") or [])


def call_api(request: Callable[[], T]) -> T:
    """Run one slack_sdk call; every failure comes out as SlackError with Slack's error code."""
    try:
        return request()
    except SlackApiError as exc:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        code = str(data.get("error") or "")
        if not _ERROR_CODE.fullmatch(code):  # e.g. slack_sdk's "Received a response in a non-JSON format: <html>…"
            code = f"http_{exc.response.status_code}"
        slack_failed(code)
        retry_after = exc.response.headers.get("Retry-After") if exc.response.headers else None
        raise SlackError(
            f"Slack refused the call: {code}",
            code,
            retry_after=float(retry_after) if retry_after and str(retry_after).isdigit() else None,
        ) from None
    except (SlackClientError, OSError) as exc:
        slack_failed("connection_error")
        raise SlackError(f"Slack unreachable ({type(exc).__name__})", "connection_error") from None


# Slack's answers meaning a group cannot be read now or later: a stale ID, a free plan, a scope not granted
_UNREADABLE = frozenset({"no_such_subteam", "subteam_not_found", "invalid_usergroup", "plan_upgrade_required",
                         "paid_teams_only", "missing_scope"})  # fmt: skip


class ApproverGroups:
    """Which configured approver groups a user belongs to, from usergroups.users.list, cached briefly.

    A group Slack says it cannot read (a stale ID, a free plan) is skipped, logged once, and listed in
    `unreadable`: one bad ID must not stop the members of every other group from approving."""

    def __init__(self, slack: Slack, groups: Iterable[str], ttl: float = 60.0) -> None:
        self.slack = slack
        self.groups = tuple(sorted(groups))
        self.ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._unreadable: dict[str, str] = {}  # group → Slack's error code
        self._lock = threading.Lock()

    @property
    def unreadable(self) -> dict[str, str]:
        """Configured groups Slack last refused to read, with its error code."""
        with self._lock:
            return dict(self._unreadable)

    def groups_of(self, user_id: str, *, fresh: bool = False) -> frozenset[str]:
        """The configured approver groups `user_id` belongs to. `fresh` asks Slack now: a decision must not rest
        on a membership that has since been taken away. SlackError only when a group could not be read for a
        passing reason (Slack down, rate-limited) and no other group has the user."""
        found, passing = set(), None
        for group in self.groups:
            try:
                if user_id in self._members(group, fresh):
                    found.add(group)
            except SlackError as exc:
                if exc.code not in _UNREADABLE:
                    passing = exc
                    continue
                with self._lock:
                    first = group not in self._unreadable
                    self._unreadable[group] = exc.code
                if first:
                    log.warning("approver group %s cannot be read (%s): skipped; fix GONG_ERASE_APPROVERS "
                                "(python -m bot check)", group, exc.code)  # fmt: skip
        if passing is not None and not found:
            raise passing
        return frozenset(found)

    def _members(self, group: str, fresh: bool) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(group)
        if cached and not fresh and now - cached[0] < self.ttl:
            return cached[1]
        members = self.slack.group_members(group)
        with self._lock:
            self._cache[group] = (now, members)
            self._unreadable.pop(group, None)
        return members
