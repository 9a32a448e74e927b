"""manifest.yml creates a working app in one paste: the command, interactivity and the least scopes."""

from __future__ import annotations

import yaml

from tests.support import ROOT


def test_manifest_declares_the_command_interactivity_and_least_scopes() -> None:
    """manifest.yml declares the command, interactivity, the Home tab and only the scopes the bot uses."""
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/gong-erase"]
    assert commands[0]["usage_hint"] and commands[0]["url"].endswith("/slack/events")
    assert commands[0]["should_escape"] is False  # we read user and channel IDs, not names
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True and interactivity["request_url"].endswith("/slack/events")
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "channels:read", "chat:write", "commands", "files:read", "files:write", "groups:read", "usergroups:read",
        "users:read",
    ]  # fmt: skip
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    events = manifest["settings"]["event_subscriptions"]
    assert events["bot_events"] == ["app_home_opened"] and events["request_url"].endswith("/slack/events")


def test_the_socket_mode_manifest_is_the_same_app_without_urls() -> None:
    """manifest.socket.yml: Socket Mode on, no request URLs, everything else as manifest.yml."""
    http = yaml.safe_load((ROOT / "manifest.yml").read_text())
    socket = yaml.safe_load((ROOT / "manifest.socket.yml").read_text())
    assert socket["settings"]["socket_mode_enabled"] is True and http["settings"]["socket_mode_enabled"] is False
    assert "YOUR-HOST" not in (ROOT / "manifest.socket.yml").read_text()
    del http["features"]["slash_commands"][0]["url"], http["settings"]["interactivity"]["request_url"]
    del http["settings"]["event_subscriptions"]["request_url"]
    http["settings"]["socket_mode_enabled"] = True
    assert socket == http
