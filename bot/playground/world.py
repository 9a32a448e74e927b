"""What the playground's Slack and Gong hold: one channel's messages, threads and private messages, each person's
Home tab and open modal, shared files, every call Gong received and what it holds; one lock, and a version the
page polls. Nothing here is real: the people, the channel and the data are made up."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["APP", "CHANNEL", "CHANNEL_NAME", "GROUP", "GROUP_HANDLE", "TEAM", "USERS", "Clock", "Post", "World"]

TEAM = "T0PLAYGRD"
APP = "A0PLAYGRD"
CHANNEL = "C0PRIVACY"
CHANNEL_NAME = "privacy-requests"
GROUP = "S0PRIVACY"
GROUP_HANDLE = "privacy-approvers"
# id → (name, role); Sam approves as a member of the approver group, Lee as a listed approver
USERS = {
    "U0DANA": ("Dana", "Requester"),
    "U0LEE": ("Lee", "Approver"),
    "U0SAM": ("Sam", "Approver"),
    "U0ALEX": ("Alex", "Outsider"),
}
GROUP_MEMBERS = ("U0SAM",)


class Clock:
    """The time the bot is given: the real one, moved on by whatever the visitor fast-forwarded."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the bot's time on (reminders, expiry and checks hours later come due)."""
        self.offset += seconds


@dataclass
class Post:
    """A message in the channel or a thread; `only_for` makes it ephemeral (one person sees it)."""

    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    only_for: str | None = None
    edits: int = 0
    file: dict[str, str] | None = None  # a file shared in the message: its id, name and title
    direct: bool = False  # a DM from the bot (its Messages tab), shown only to `only_for`


@dataclass
class SharedFile:
    """A file: one a visitor attached in a modal, or one the bot uploaded."""

    id: str
    name: str
    content: bytes = b""
    length: int = 0
    title: str = ""


@dataclass
class Responder:
    """Where an interaction's response_url answers: to whom, and which private message it may replace."""

    user: str
    replaces: str | None = None


@dataclass
class World:
    """Everything the stand-ins hold; every change bumps `version` and wakes the page's pollers."""

    clock: Clock = field(default_factory=Clock)
    token: str = field(default_factory=lambda: "xoxb-playground-" + secrets.token_hex(12))
    posts: list[Post] = field(default_factory=list)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    modals: dict[str, dict[str, Any]] = field(default_factory=dict)
    modal_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, SharedFile] = field(default_factory=dict)
    responders: dict[str, Responder] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)  # trigger_id → user, until a modal is opened with it
    gong_calls: list[dict[str, Any]] = field(default_factory=list)
    held: dict[str, dict[str, int]] = field(default_factory=dict)  # identifier → counts Gong "holds"
    fault: str = "none"
    version: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def next_id(self) -> int:
        """A number no other ts, file or URL of this world has."""
        return next(self._ids)

    def new_ts(self) -> str:
        """A message timestamp, unique in this world."""
        return f"{int(time.time())}.{self.next_id():06d}"

    def changed(self) -> None:
        """Something changed: bump the version and wake the page's pollers."""
        with self._lock:
            self.version += 1
            self._lock.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Until the version moves past `since` (or `timeout`); the version."""
        with self._lock:
            self._lock.wait_for(lambda: self.version != since, timeout)
            return self.version

    # -- Slack -------------------------------------------------------------------------------------

    def post(self, text: str, blocks: list[dict[str, Any]], *, thread_ts: str | None = None,
             only_for: str | None = None, file: dict[str, str] | None = None, direct: bool = False) -> str:  # fmt: skip
        """A new message; its ts."""
        with self._lock:
            ts = self.new_ts()
            self.posts.append(Post(ts, text, blocks, thread_ts, only_for, file=file, direct=direct))
        self.changed()
        return ts

    def find(self, ts: str) -> Post | None:
        """The message with this ts."""
        with self._lock:
            return next((post for post in self.posts if post.ts == ts), None)

    def update(self, ts: str, text: str, blocks: list[dict[str, Any]]) -> bool:
        """Edit a message in place; False when there is none with that ts."""
        with self._lock:
            post = self.find(ts)
            if post is None:
                return False
            post.text, post.blocks, post.edits = text, blocks, post.edits + 1
        self.changed()
        return True

    def remove(self, ts: str) -> None:
        """Delete a message."""
        with self._lock:
            self.posts = [post for post in self.posts if post.ts != ts]
        self.changed()

    def responder(self, user: str, replaces: str | None = None) -> str:
        """A fresh response_url id for an interaction of `user`."""
        key = secrets.token_hex(8)
        with self._lock:
            self.responders[key] = Responder(user, replaces)
        return key

    def trigger(self, user: str) -> str:
        """A trigger_id for one interaction of `user`."""
        key = f"{self.next_id()}.{secrets.token_hex(6)}"
        with self._lock:
            self.triggers[key] = user
        return key

    def visible_to(self, user: str) -> list[Post]:
        """The messages `user` may see: every public one and their own private ones."""
        with self._lock:
            return [post for post in self.posts if post.only_for in {None, user}]

    # -- Gong --------------------------------------------------------------------------------------

    def record_call(self, call: dict[str, Any]) -> None:
        """One call Gong received, for the page's panel."""
        with self._lock:
            self.gong_calls.append(call)
        self.changed()

    def reset(self) -> None:
        """Forget every message, view, file and call (the bot's database is started afresh by its owner)."""
        with self._lock:
            self.posts.clear()
            self.homes.clear()
            self.modals.clear()
            self.modal_errors.clear()
            self.files.clear()
            self.responders.clear()
            self.gong_calls.clear()
            self.held.clear()
            self.fault = "none"
            self.clock.offset = 0.0
        self.changed()
