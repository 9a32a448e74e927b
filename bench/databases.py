"""Which database a bench runs the bot on: `--postgres` starts a PostgreSQL that keeps what it commits (fsync on,
unlike the tests' server) and points DATABASE_URL at a fresh database in it; else the SQLite file of base_env."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fakes.slack import FakeSlack
from tests.postgres import PostgresServer
from tests.support import BotProcess, SignedSlack, free_port


def options(description: str) -> argparse.Namespace:
    """--postgres, and --hosts N (bot processes as separate hosts sharing the database; Postgres only)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--postgres", action="store_true", help="run the bot on PostgreSQL (DATABASE_URL)")
    parser.add_argument("--hosts", type=int, default=1, help="hosts sharing the database (with --postgres)")
    parser.add_argument("count", nargs="?", type=int, help="how many to measure (the script's default if unset)")
    chosen = parser.parse_args()
    if chosen.hosts > 1 and not chosen.postgres:
        parser.error("several hosts share a database only on Postgres: add --postgres")
    return chosen


@contextmanager
def database(env: dict[str, str], postgres: bool) -> Iterator[str]:
    """Point `env` at the bench's database for the block; yields how to name it in the figures."""
    if not postgres:
        yield "SQLite"
        return
    with durable_postgres() as server:
        env["DATABASE_URL"] = server.new_database()
        yield "Postgres"


@contextmanager
def durable_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the block, fsync on; the bench stops, saying why, when none can be started."""
    server, why = PostgresServer.start(durable=True)
    if server is None:
        raise SystemExit(f"cannot measure on Postgres: {why}")
    try:
        yield server
    finally:
        server.stop()


def start_hosts(env: dict[str, str], folder: Path, hosts: int) -> list[BotProcess]:
    """`hosts` bots on the same database, each with its own port and log (the first keeps env's port)."""
    started = []
    for n in range(hosts):
        own = {**env, "PORT": env["PORT"] if n == 0 else str(free_port())}
        started.append(BotProcess(own, folder / f"bot-{n + 1}.log").start())
    return started


def spread_user(hosts: list[BotProcess], slack: FakeSlack) -> SignedSlack:
    """Slack sending each request to the next host in turn, as a load balancer would."""
    return SignedSlack(hosts[0].url, slack, spread=tuple(host.url for host in hosts))
