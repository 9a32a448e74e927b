"""Small stand-ins the use cases take through their ports: a clock to move by hand, a directory of groups."""

from __future__ import annotations


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Groups:
    """Who is in which approver group, as Slack's usergroups.users.list would say."""

    def __init__(self, members: dict[str, set[str]] | None = None) -> None:
        self.members = members or {}

    def groups_of(self, user_id: str, *, fresh: bool = False) -> frozenset[str]:
        """The groups that list `user_id`."""
        return frozenset(group for group, users in self.members.items() if user_id in users)

    @property
    def unreadable(self) -> dict[str, str]:
        """Every group here can be read."""
        return {}
