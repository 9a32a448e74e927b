"""The bot reads `.env` itself, literally: a list of approvers with spaces and a secret with `$` in it survive."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    GROUP,
    GROUP_MEMBER,
    BotProcess,
    SignedSlack,
    base_env,
    button_value,
    free_port,
    fresh_number,
    submit_request,
)

SECRET_WITH_DOLLARS = "8f$HOME$1a${PATH}b2`x`9c'q\"z"  # what a shell would expand, run or choke on


def test_a_dotenv_file_is_read_as_written(tmp_path: Path, fake_slack: FakeSlack, fake_gong: FakeGong) -> None:
    """Values from .env reach the bot unchanged (no word-splitting, no $-expansion) and the real environment wins
    over .env; a group named after a space in the list still approves."""
    env = base_env(fake_slack, fake_gong, tmp_path / "gong-erase.db", free_port())
    for name in ("SLACK_SIGNING_SECRET", "GONG_ERASE_APPROVERS"):
        del env[name]
    env["GONG_ERASE_REQUIRED_APPROVALS"] = "1"
    (tmp_path / ".env").write_text(
        "# written by hand, as an admin would\n"
        f"SLACK_SIGNING_SECRET='{SECRET_WITH_DOLLARS.replace(chr(39), chr(92) + chr(39))}'\n"
        f"GONG_ERASE_APPROVERS={APPROVER} {GROUP}\n"
        "GONG_ERASE_REQUIRED_APPROVALS=2\n"  # the environment says 1, and wins
    )
    bot = BotProcess(env, tmp_path / "bot.log", cwd=tmp_path).start()
    try:
        user = SignedSlack(bot.url, fake_slack, secret=SECRET_WITH_DOLLARS)
        typed, e164 = fresh_number()
        parent = submit_request(user, typed)
        request_id = button_value(parent.blocks, "erase_approve")
        user.click("erase_approve", request_id, GROUP_MEMBER, message_ts=parent.ts)  # the group after the space
        assert fake_gong.wait_for_calls(e164, 1)  # one approval was enough: the environment's 1, not .env's 2
        assert SECRET_WITH_DOLLARS not in bot.logs()
        fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="the outcome in the thread")
        expanded = SECRET_WITH_DOLLARS.replace("$HOME", str(Path.home()))  # what `. ./.env` made of it
        shell_read = SignedSlack(bot.url, fake_slack, secret=expanded)
        refused = shell_read.post(shell_read.command_body(f"{typed} DSR-1"))
        assert refused.status_code == 401
    finally:
        bot.kill()
