"""/healthz tells a platform whether this process can do its work: the database answers and the job worker is
alive and turning; otherwise 503 with the reason."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from bot.app import Bot, bootstrap
from bot.config import Settings
from bot.web import make_wsgi
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.postgres import PostgresServer
from tests.support import SIGNING_SECRET, base_env


@pytest.fixture()
def bot(fake_slack: FakeSlack, fake_gong: FakeGong, location: str, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Bot]:  # fmt: skip
    """The bot built in this process on each backend, its worker running."""
    env = base_env(fake_slack, fake_gong, tmp_path_factory.mktemp("health") / "gong-erase.db", port=3000)
    if location.startswith("postgres"):
        env["DATABASE_URL"] = location
    built = bootstrap(Settings.from_env(env))
    built.worker.start()
    yield built
    built.close(grace=5)


def healthz(bot: Bot) -> httpx.Response:
    """GET /healthz through the bot's front door."""
    app = make_wsgi(bot.app, SIGNING_SECRET, trouble=bot.trouble, metrics=bot.metrics)
    with httpx.Client(transport=httpx.WSGITransport(app=app)) as client:
        return client.get("http://bot.test/healthz")


def test_a_working_bot_is_healthy(bot: Bot) -> None:
    """The database answers and the worker turns: 200 ok."""
    response = healthz(bot)
    assert response.status_code == 200 and response.text == "ok\n"


def test_a_stopped_worker_makes_the_bot_unhealthy(bot: Bot) -> None:
    """Requests would be acknowledged but nothing queued would ever run: 503, saying so."""
    bot.worker.stop(timeout=5)
    response = healthz(bot)
    assert response.status_code == 503 and "the job worker is stopped" in response.text


def test_a_worker_whose_heartbeat_went_quiet_makes_the_bot_unhealthy(bot: Bot, monkeypatch: pytest.MonkeyPatch
                                                                     ) -> None:  # fmt: skip
    """A housekeeping round not finished for minutes (a hung database call, a stuck thread): 503 with its age."""
    stuck = time.monotonic() - 120
    monkeypatch.setattr(bot.worker, "_last_round", stuck)
    monkeypatch.setattr(bot.worker, "chores", [lambda: time.sleep(3600)])  # the next round never ends
    time.sleep(1.5)
    monkeypatch.setattr(bot.worker, "_last_round", stuck)
    response = healthz(bot)
    assert response.status_code == 503 and "heartbeat is 12" in response.text


def test_a_database_that_does_not_answer_makes_the_bot_unhealthy(
    fake_slack: FakeSlack, fake_gong: FakeGong, postgres: PostgresServer, tmp_path: Path
) -> None:
    """Postgres refusing the bot's database (its connections cut, new ones refused): 503 saying the database
    does not answer, its URL never printed; healthy again once it answers."""
    location = postgres.new_database()
    env = base_env(fake_slack, fake_gong, tmp_path / "unused.db", port=3000)
    env["DATABASE_URL"] = location
    built = bootstrap(Settings.from_env(env))
    built.worker.start()
    name = urlsplit(location).path.lstrip("/")
    try:
        assert healthz(built).status_code == 200
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")  # type: ignore[arg-type]
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        response = healthz(built)
        assert response.status_code == 503 and "the database does not answer" in response.text
        assert name not in response.text and str(postgres.folder) not in response.text
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")  # type: ignore[arg-type]
        deadline = time.monotonic() + 20  # the worker's next round comes as soon as its database answers
        while healthz(built).status_code != 200:
            assert time.monotonic() < deadline, healthz(built).text
            time.sleep(0.5)
    finally:
        built.close(grace=5)
