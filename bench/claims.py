"""How fast the job table hands out work: on Postgres, claims locking only the row they take (FOR UPDATE SKIP
LOCKED, as shipped) against claims taking the one advisory write lock every other write takes (as BEGIN
IMMEDIATE does on SQLite), and a bare SKIP LOCKED claim without the lane rule as the ceiling; SQLite beside them.
8 threads in 2 processes' worth of connections claim and complete 2,000 jobs of distinct requests.

Run: `.venv/bin/python -m bench.claims`.
"""

from __future__ import annotations

import concurrent.futures
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool

from bench.databases import durable_postgres
from bot.adapters import queue
from bot.adapters.store import Store
from bot.domain.approval import ApprovalPolicy
from bot.domain.jobs import Kind, NewJob
from bot.domain.target import parse_erase_text
from bot.service.decisions import Decisions, RequestRules
from tests.doubles import Groups

JOBS = 2000
THREADS = 8
KEY = "bench-claims-" + "4f9a2c" * 6

_SKIP_LOCKED = """
UPDATE jobs SET status = 'running', owner = %(owner)s, lease_until = %(until)s, attempts = attempts + 1
WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= %(now)s ORDER BY run_at, id LIMIT 1
            FOR UPDATE SKIP LOCKED)
RETURNING id
"""


def requests(store: Store) -> list[str]:
    """JOBS drafts, so that each job belongs to a request of its own."""
    decisions = Decisions(store, ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), required=1), Groups(),
                          rules=RequestRules(ttl=3600, max_open_drafts=JOBS), hash_key=KEY)  # fmt: skip
    return [decisions.start(parse_erase_text(f"+1 425 555 {n % 10000:04d}"), requester="U", channel="C", team="T",
                            trigger_id=f"t{n}").id for n in range(JOBS)]  # fmt: skip


def fill(store: Store, ids: list[str]) -> None:
    now = time.time()
    with store.transaction() as tx:
        for request_id in ids:
            queue.enqueue(tx.sql, NewJob(Kind.THREAD_NOTE, request_id, run_at=now), now)


def shipped(stores: list[Store]) -> float:
    """Claim and complete every job through the store, as the worker does; claims per second."""

    def work(index: int) -> int:
        store, done = stores[index % len(stores)], 0
        while (job := store.claim(f"bench/{index}", time.time(), 30.0)) is not None:
            store.complete(job, time.time())  # as a job that changed nothing else finishes
            done += 1
        return done

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        assert sum(pool.map(work, range(THREADS))) == JOBS
    return JOBS / (time.perf_counter() - started)


def skip_locked(url: str) -> float:
    """The same with FOR UPDATE SKIP LOCKED and no write lock; claims per second."""
    pools = [ConnectionPool(url, min_size=4, max_size=4, kwargs={"autocommit": True}, open=True) for _ in range(2)]

    def work(index: int) -> int:
        done = 0
        while True:
            with pools[index % 2].connection() as conn:
                row = conn.execute(_SKIP_LOCKED, {"owner": f"b/{index}", "until": time.time() + 30, "now": time.time()})
                found = row.fetchone()
                if found is None:
                    return done
                conn.execute("UPDATE jobs SET status = 'done' WHERE id = %s", [found[0]])
                done += 1

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        assert sum(pool.map(work, range(THREADS))) == JOBS
    rate = JOBS / (time.perf_counter() - started)
    for pool_ in pools:
        pool_.close()
    return rate


def main() -> None:
    print(f"job claims, {THREADS} threads in 2 processes' pools, {JOBS} jobs claimed and completed   (bench/claims.py)")
    with durable_postgres() as server:
        url = server.new_database()
        stores = [Store(url, hash_key=KEY, pool_size=4) for _ in range(2)]
        ids = requests(stores[0])
        fill(stores[0], ids)
        print(f"  Postgres, rows locked, SKIP LOCKED (shipped) {shipped(stores):7.0f} claims/s")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM jobs")
        fill(stores[0], ids)
        for store in stores:  # the write lock for the job table too, as every other write takes it
            store.database.queueing = store.database.transaction  # type: ignore[method-assign]
        print(f"  Postgres, one advisory write lock             {shipped(stores):7.0f} claims/s")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM jobs")
        fill(stores[0], ids)
        print(f"  Postgres, bare SKIP LOCKED, no lane rule      {skip_locked(url):7.0f} claims/s")
        for store in stores:
            store.shutdown()
    path = str(Path(tempfile.mkdtemp(prefix="bench-")) / "claims.db")
    stores = [Store(path, hash_key=KEY) for _ in range(2)]
    fill(stores[0], requests(stores[0]))
    print(f"  SQLite, BEGIN IMMEDIATE (shipped)            {shipped(stores):7.0f} claims/s")


if __name__ == "__main__":
    main()
