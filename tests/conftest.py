"""Fixtures: one fake Slack and one fake Gong for the session; bot processes started per configuration."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.adapters.store import Store
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.postgres import PostgresServer
from tests.support import BotProcess, SignedSlack, base_env, free_port

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    slack.groups["SPRIVACY"] = ["UGROUPMEMBER"]
    slack.users |= {"UREQUESTER", "UAPPROVER1", "UAPPROVER2", "UGROUPMEMBER", "UOUTSIDER"}
    yield slack
    slack.stop()


@pytest.fixture(scope="session")
def fake_gong() -> Iterator[FakeGong]:
    gong = FakeGong().start()
    yield gong
    gong.stop()


@pytest.fixture()
def socket(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    """A Socket Mode endpoint that the fake Slack's apps.connections.open hands out, for this test."""
    endpoint = FakeSocketMode().start()
    fake_slack.socket_url = endpoint.url
    yield endpoint
    fake_slack.socket_url = None
    endpoint.stop()


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


class Deployment:
    """The bot as a company runs it: one host on SQLite, or several hosts (separate processes, working folders and
    ports, as on two machines) sharing one Postgres database behind a load balancer that spreads requests."""

    def __init__(self, start: Callable[[], BotProcess], hosts: int, slack: FakeSlack) -> None:
        self._start = start
        self.slack = slack
        self.hosts = [start() for _ in range(hosts)]

    def add_host(self) -> BotProcess:
        """One more host on the same database."""
        self.hosts.append(self._start())
        return self.hosts[-1]

    def user(self) -> SignedSlack:
        """Slack, sending each request to the next host in turn."""
        return SignedSlack(self.hosts[0].url, self.slack, spread=tuple(host.url for host in self.hosts))

    @property
    def any_host(self) -> BotProcess:
        """A host to read the shared database through (see tests.support.db_rows)."""
        return self.hosts[0]

    def logs(self) -> str:
        """Every host's log."""
        return "\n".join(host.logs() for host in self.hosts)


DeploymentFactory = Callable[..., Deployment]


@pytest.fixture(scope="module", params=BACKENDS, ids=["sqlite-1-host", "postgres-2-hosts"])
def start_deployment(
    request: pytest.FixtureRequest,
    start_bot: BotFactory,
    fake_slack: FakeSlack,
    tmp_path_factory: pytest.TempPathFactory,
) -> DeploymentFactory:
    """Start the bot on each backend with any extra environment: one host on a SQLite file (or `hosts` sharing it,
    as processes of one machine), or two hosts (or `hosts`) on a fresh Postgres database."""

    def start(hosts: int | None = None, **extra: str) -> Deployment:
        if request.param == "sqlite":
            shared = tmp_path_factory.mktemp("deployment") / "gong-erase.db"
            return Deployment(lambda: start_bot(db_path=shared, **extra), hosts or 1, fake_slack)
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
        return Deployment(lambda: start_bot(DATABASE_URL=url, **extra), hosts or 2, fake_slack)

    return start


@pytest.fixture(scope="module")
def deployment(start_deployment: DeploymentFactory) -> Deployment:
    """The bot with the default settings, on each backend."""
    return start_deployment()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session. If none can be started its tests skip, saying why, on a developer's
    machine; in CI (TESTS_NEED_POSTGRES=1, set by .ci/run) they fail instead, so a green run has tested Postgres."""
    server, why = PostgresServer.start()
    if server is None:
        if os.environ.get("TESTS_NEED_POSTGRES") == "1":
            pytest.fail(why, pytrace=False)
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
