"""Which Slack workspace and app the bot is installed in, and whether a request comes from them (pure)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Installation", "Origin", "is_direct_message"]


@dataclass(frozen=True)
class Origin:
    """The workspace, organisation and app a Slack request says it comes from (empty when it does not say)."""

    team_id: str = ""
    enterprise_id: str = ""
    app_id: str = ""


@dataclass(frozen=True)
class Installation:
    """Where the bot token belongs (from auth.test): requests from anywhere else are refused."""

    team_id: str
    enterprise_id: str = ""
    app_id: str = ""

    def accepts(self, origin: Origin) -> bool:
        """The request names this workspace (or, for an organisation-wide install, this organisation), and, when
        both sides know it, this app; a request that names no workspace at all is not accepted."""
        if self.app_id and origin.app_id and origin.app_id != self.app_id:
            return False
        if self.enterprise_id and origin.enterprise_id == self.enterprise_id:
            return True
        return bool(origin.team_id) and origin.team_id == self.team_id


def is_direct_message(channel_id: str) -> bool:
    """A conversation with the bot itself (D…), not a channel: nothing public may be posted there for others."""
    return channel_id.startswith("D")
