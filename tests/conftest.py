"""Fixtures: one fake Slack and one fake Gong for the session; bot processes started per configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.adapters.store import Store
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.postgres import PostgresServer
from tests.support import BotProcess, SignedSlack, base_env, free_port

BACKENDS = ["sqlite", "postgres"]


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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session; its tests skip, saying why, only if none can be started."""
    server, why = PostgresServer.start()
    if server is None:
        pytest.skip(why)
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend: a SQLite file, or a Postgres database."""
    if request.param == "sqlite":
        return str(tmp_path / "t.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


StoreFactory = Callable[..., Store]


@pytest.fixture()
def open_store(location: str) -> Iterator[StoreFactory]:
    """Open Store objects on this test's database (as several processes would); all are shut down at the end."""
    opened: list[Store] = []

    def open_one(**options: object) -> Store:
        store = Store(location, **options)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.shutdown()
