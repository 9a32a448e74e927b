"""A real Postgres for the tests, started from the machine's server binaries in a temporary directory (its socket
there, no TCP), as the `postgres` user when the tests run as root (initdb refuses root); stopped at the end."""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.support import free_port

_names = itertools.count(1)


def server_binaries() -> Path | None:
    """The newest PostgreSQL's bin folder on this machine (Debian puts them under /usr/lib/postgresql)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """One cluster for the test session; each test or module asks it for a fresh database."""

    def __init__(self, binaries: Path, *, durable: bool = False) -> None:
        self.binaries = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="gong-erase-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "log"  # the server's log (statements too, where a test asks for them)
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-k {self.folder} -p {self.port} -c listen_addresses='' -c max_connections=300"
        if not durable:  # tests: speed; the benches measure a server that keeps what it commits
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    @classmethod
    def start(cls, *, durable: bool = False) -> tuple[PostgresServer | None, str]:
        """A running server, or None and why there is none (the tests that need one then skip, saying so)."""
        binaries = server_binaries()
        if binaries is None:
            return None, "no PostgreSQL server binaries on this machine (install Debian's postgresql package)"
        try:
            return cls(binaries, durable=durable), ""
        except (subprocess.CalledProcessError, KeyError, OSError) as exc:
            return None, f"PostgreSQL would not start here: {exc}"

    def url(self, database: str = "postgres") -> str:
        """A libpq URL to `database` over the server's socket."""
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.port}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"t{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
        return self.url(name)

    def run(self, program: str, *args: str) -> str:
        """One of the server's own programs (pg_dump, psql), as the server's user; what it printed."""
        return self._run(program, *args)

    def stop(self) -> None:
        """Stop the server at once and remove its files."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> str:
        command = [str(self.binaries / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout
