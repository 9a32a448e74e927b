"""GONG_ERASE_REASON_PATTERN: a reason without the deployment's ticket reference is refused privately, saying the
expected form, and nothing is recorded; unset, any reason goes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import ROOT, SignedSlack, base_env, db_rows, free_port, fresh_number, request_count


def test_a_reason_without_the_ticket_reference_is_refused_with_the_form_expected(
    start_bot: BotFactory, fake_slack: FakeSlack
) -> None:
    """`DSR-\\d+` required: "gdpr" alone is refused (the pattern named), nothing stored; "DSR-42 gdpr" is drafted;
    the bulk form shows the same refusal beside its reason."""
    bot = start_bot(GONG_ERASE_REASON_PATTERN=r"DSR-\d+")
    user = SignedSlack(bot.url, fake_slack)
    typed, _ = fresh_number()
    before = request_count(bot)
    refused = user.command(f"{typed} gdpr")
    said = refused["blocks"][0]["text"]["text"]
    assert refused["response_type"] == "ephemeral" and r"`DSR-\d+`" in said and "ticket reference" in said
    assert "erase_submit" not in str(refused["blocks"]) and request_count(bot) == before
    drafted = user.command(f"{typed} DSR-42 gdpr")
    assert "erase_submit" in str(drafted["blocks"]) and request_count(bot) == before + 1
    answer = user.bulk(typed, None, "no ticket here")
    assert answer.json()["response_action"] == "errors" and r"DSR-\d+" in answer.json()["errors"]["bulk_reason"]
    assert db_rows(bot, "SELECT COUNT(*) AS n FROM batches")[0]["n"] == 0


def test_a_pattern_that_is_not_a_regular_expression_stops_the_start_with_one_line(
    fake_slack: FakeSlack, fake_gong: FakeGong, tmp_path: Path
) -> None:
    """A broken pattern is a configuration problem: the bot does not start, and says which setting and why."""
    env = base_env(fake_slack, fake_gong, tmp_path / "bot.db", free_port()) | {"GONG_ERASE_REASON_PATTERN": "DSR-(\\d+"}
    ran = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert ran.returncode == 2 and "GONG_ERASE_REASON_PATTERN is not a regular expression" in ran.stderr
    assert "Traceback" not in ran.stderr
