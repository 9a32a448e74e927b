"""Fixtures: one fake Slack and one fake Gong for the session; bot processes started per configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import BotProcess, SignedSlack, base_env, free_port


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    slack.groups["SPRIVACY"] = ["UGROUPMEMBER"]
    yield slack
    slack.stop()


@pytest.fixture(scope="session")
def fake_gong() -> Iterator[FakeGong]:
    gong = FakeGong().start()
    yield gong
    gong.stop()


BotFactory = Callable[..., BotProcess]


@pytest.fixture(scope="module")
def start_bot(
    fake_slack: FakeSlack, fake_gong: FakeGong, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotFactory]:
    """Start `python -m bot` with the fakes and any extra environment; every bot is killed at module end."""
    started: list[BotProcess] = []

    def start(db_path: Path | None = None, **extra: str) -> BotProcess:
        folder = tmp_path_factory.mktemp("bot")
        env = base_env(fake_slack, fake_gong, db_path or folder / "gong-erase.db", free_port())
        env.update(extra)
        bot = BotProcess(env, folder / "bot.log")
        started.append(bot)
        return bot.start()

    yield start
    for bot in started:
        bot.kill()


@pytest.fixture(scope="module")
def bot(start_bot: BotFactory) -> BotProcess:
    return start_bot()


@pytest.fixture()
def slack_user(bot: BotProcess, fake_slack: FakeSlack) -> SignedSlack:
    return SignedSlack(bot.url, fake_slack)
