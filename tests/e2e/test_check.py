"""`python -m bot check` says, one line per check, what works and what to do about what does not; `python -m bot`
refuses to start with one line, never a traceback, when a token or the database is wrong."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.doctor import PROBE_NUMBER
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import APP_TOKEN, FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.support import ROOT, base_env, free_port


def run_bot(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m bot …` to the end: its exit code and everything it printed."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


@pytest.fixture()
def env(fake_slack: FakeSlack, fake_gong: FakeGong, tmp_path: Path) -> dict[str, str]:
    """A deployment the fakes accept entirely, with a channel list and a Socket Mode token."""
    env = base_env(fake_slack, fake_gong, tmp_path / "gong-erase.db", free_port())
    env.update(GONG_ERASE_CHANNELS="CPRIVACY", SLACK_APP_TOKEN=APP_TOKEN)
    return env


def test_check_passes_every_check_against_a_working_deployment(
    env: dict[str, str], socket: FakeSocketMode, fake_gong: FakeGong
) -> None:
    """Settings, both tokens, each approver and group with its member count, the channel, the database and Gong
    (one lookup of a fictional number): every line ✓, exit 0."""
    result = run_bot(env, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("✓ ") for line in lines), result.stdout
    text = result.stdout
    for expected in ("SLACK_BOT_TOKEN works", "SLACK_APP_TOKEN opens", "approver UAPPROVER1 exists",
                     "approver group SPRIVACY (@sprivacy): 1 member(s)", "#cprivacy (CPRIVACY): the bot is a member",
                     "schema current", "Gong accepts the credentials"):  # fmt: skip
        assert expected in text, expected
    assert [c.status for c in fake_gong.lookups_for(PROBE_NUMBER)][-1:] == [200]
    assert "Traceback" not in result.stderr


def _wrong_bot_token(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    env["SLACK_BOT_TOKEN"] = "xoxb-not-the-token"


def _wrong_app_token(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    env["SLACK_APP_TOKEN"] = "xapp-1-A000-0000-wrong"


def _unknown_user(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    env["GONG_ERASE_APPROVERS"] += " UNOBODY"


def _stale_group(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    env["GONG_ERASE_APPROVERS"] += " SBAD"


def _free_plan(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    slack.paid_plan = False


def _missing_scope(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    slack.scopes.discard("users:read")


def _not_in_channel(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    env["GONG_ERASE_CHANNELS"] = "CELSEWHERE"
    slack.not_in.add("CELSEWHERE")


def _wrong_hash_key(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    assert run_bot(env, "check").returncode == 0  # the database now knows its key
    env["GONG_ERASE_HASH_KEY"] = "a-different-key-" + "93be71" * 6


def _wrong_gong_key(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    env["GONG_ACCESS_KEY_SECRET"] = "not-the-secret"


def _gong_scope_missing(env: dict[str, str], slack: FakeSlack, gong: FakeGong) -> None:
    gong.script_lookup(PROBE_NUMBER, Reply(403, {"errors": ["Insufficient scopes"]}))


Breakage = Callable[[dict[str, str], FakeSlack, FakeGong], None]
BREAKAGES: list[tuple[Breakage, str, str]] = [
    (_wrong_bot_token, "✗ SLACK_BOT_TOKEN was refused by Slack (invalid_auth)", "OAuth & Permissions"),
    (_wrong_app_token, "✗ SLACK_APP_TOKEN was refused by Slack (invalid_auth)", "connections:write"),
    (_unknown_user, "✗ approver UNOBODY is not a user of this workspace", "Copy member ID"),
    (_stale_group, "✗ approver group SBAD does not exist", "the others can"),
    (_free_plan, "✗ approver groups: Slack would not say (plan_upgrade_required)", "paid Slack plan"),
    (_missing_scope, "✗ approver UAPPROVER1: Slack would not say (missing_scope)", "users:read"),
    (_not_in_channel, "✗ the bot is not in #celsewhere (CELSEWHERE)", "/invite @gong-erase"),
    (_wrong_hash_key, "✗ the database", "not the key this database was made with"),
    (_wrong_gong_key, "✗ Gong refused GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (401)", "Company settings"),
    (_gong_scope_missing, "✗ Gong's API key lacks the Data Privacy scope (403)", "api:data-privacy:read"),
]


@pytest.mark.parametrize(("breakage", "line", "todo"), BREAKAGES, ids=[b[0].__name__[1:] for b in BREAKAGES])
def test_check_names_each_failing_check_and_what_to_do(
    env: dict[str, str], socket: FakeSocketMode, fake_slack: FakeSlack, fake_gong: FakeGong,
    breakage: Breakage, line: str, todo: str,
) -> None:  # fmt: skip
    """Each check failing in turn: its line starts ✗, says what to do, the exit code is 1, no traceback; the
    other checks still run and report."""
    breakage(env, fake_slack, fake_gong)
    try:
        result = run_bot(env, "check")
    finally:
        fake_slack.paid_plan = True
        fake_slack.scopes.add("users:read")
        fake_slack.not_in.discard("CELSEWHERE")
    failing = [text for text in result.stdout.splitlines() if text.startswith(line)]
    assert result.returncode == 1 and failing, result.stdout + result.stderr
    assert todo in failing[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert any(text.startswith("✓ ") for text in result.stdout.splitlines())  # the rest still ran


def test_the_bot_refuses_to_start_on_a_wrong_app_token_with_one_line(env: dict[str, str]) -> None:
    """Socket Mode with a wrong xapp- token: exit 2 and one line saying which token and what to do."""
    env["SLACK_APP_TOKEN"] = "xapp-1-A000-0000-wrong"
    result = run_bot(env)
    assert result.returncode == 2
    assert "cannot start: SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr and "SlackApiError" not in result.stderr


def test_the_bot_asks_an_unreachable_slack_again_then_gives_up_with_one_line(env: dict[str, str]) -> None:
    """Slack unreachable at start-up: asked again with backoff for GONG_ERASE_STARTUP_WAIT seconds, then exit 2
    with one line; no traceback."""
    env.update(SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/", GONG_ERASE_STARTUP_WAIT="4")
    result = run_bot(env)
    assert result.returncode == 2
    assert "cannot start: Slack could not be reached at http://127.0.0.1:" in result.stderr
    assert "for 4 s: check this host's network" in result.stderr
    assert "trying again in 1 s" in result.stderr and "Traceback" not in result.stderr
    assert "ERROR" not in result.stderr  # the library's own complaint per attempt is not repeated at the admin


def test_the_bot_refuses_another_hash_key_with_one_line(env: dict[str, str], socket: FakeSocketMode) -> None:
    """A database made under one hash key stops a bot given another, saying what is at stake."""
    assert run_bot(env, "check").returncode == 0
    env["GONG_ERASE_HASH_KEY"] = "a-different-key-" + "93be71" * 6
    result = run_bot(env)
    assert result.returncode == 2
    assert "cannot start: the database" in result.stderr and "`audit verify` reports" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_bot_refuses_a_wrong_bot_token_in_http_mode_with_one_line(env: dict[str, str]) -> None:
    """HTTP mode (no app token) with a wrong xoxb- token: exit 2 before gunicorn starts, one line, no traceback."""
    del env["SLACK_APP_TOKEN"]
    env["SLACK_BOT_TOKEN"] = "xoxb-not-the-token"
    result = run_bot(env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "gong-erase-bot cannot start: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User OAuth "
        "Token (xoxb-…) again from OAuth & Permissions"
    )
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr
