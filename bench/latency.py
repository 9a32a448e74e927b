"""Ack latency of 50 concurrent slash commands (bot vs a bare Bolt floor) and approve → Gong request latency.

Run: `make bench` (or `.venv/bin/python -m bench.latency [--postgres [--hosts N]]`). Both servers run under
gunicorn as the Procfile starts the bot, against the fake Slack and fake Gong on loopback. The machine is noisy:
compare the ratio.
"""

from __future__ import annotations

import concurrent.futures
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.databases import database, options, spread_user, start_hosts
from bot.config import DEFAULT_WEB_CONCURRENCY
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    ROOT,
    SignedSlack,
    base_env,
    button_value,
    free_port,
    fresh_number,
    submit_request,
)

BURST = 50
ROUNDS = 6
APPROVALS = 30


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def concurrency_as_deployed(env: dict[str, str]) -> None:
    """The bot's default number of processes, unless WEB_CONCURRENCY is set for the bench itself."""
    env.pop("WEB_CONCURRENCY", None)  # base_env's value is for the tests
    if "WEB_CONCURRENCY" in os.environ:
        env["WEB_CONCURRENCY"] = os.environ["WEB_CONCURRENCY"]


def burst(user: SignedSlack, texts: list[str]) -> list[float]:
    bodies = [user.command_body(text) for text in texts]

    def one(body: bytes) -> float:
        started = time.perf_counter()
        response = user.post(body)
        assert response.status_code == 200, response.text
        return (time.perf_counter() - started) * 1000

    with concurrent.futures.ThreadPoolExecutor(BURST) as pool:
        return list(pool.map(one, bodies))


def start_bare(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.bare_app:application", "-k", "bot.server.WaitressWorker",
         "-w", env.get("WEB_CONCURRENCY", str(DEFAULT_WEB_CONCURRENCY)), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            httpx.post(f"http://127.0.0.1:{port}/slack/events", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("bare app did not start")


def unthrottled() -> tuple[FakeSlack, FakeGong, Path, dict[str, str]]:
    """Fakes and the bot's environment for benches that measure the bot, not Gong's limit: no rate limit to
    speak of, no limit on one person's drafts (the bench is one person), as many processes as deployed."""
    slack, gong = FakeSlack().start(), FakeGong(rate_per_second=1000).start()
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    env = base_env(slack, gong, folder / "bench.db", free_port())
    env.update(LOG_LEVEL="WARNING", GONG_RATE_PER_SECOND="1000", GONG_ERASE_MAX_OPEN_DRAFTS="100000")
    concurrency_as_deployed(env)
    return slack, gong, folder, env


def main() -> None:
    chosen = options(__doc__ or "")
    slack, gong, folder, env = unthrottled()
    with database(env, chosen.postgres) as name:
        measure(slack, gong, folder, env, f"{name}, {chosen.hosts} host(s)", chosen.hosts)


def measure(slack: FakeSlack, gong: FakeGong, folder: Path, env: dict[str, str], where: str, hosts: int) -> None:
    bots = start_hosts(env, folder, hosts)
    bare_port = free_port()
    bare = start_bare(env, bare_port)
    try:
        bot_user = spread_user(bots, slack)
        bare_user = SignedSlack(f"http://127.0.0.1:{bare_port}", slack)
        bot_ms: list[float] = []
        bare_ms: list[float] = []
        burst(bot_user, [fresh_number()[0] for _ in range(BURST)])  # warm-up
        burst(bare_user, ["x"] * BURST)
        for _ in range(ROUNDS):  # interleaved, so both see the same noise
            bot_ms += burst(bot_user, [f"{fresh_number()[0]} DSR-1" for _ in range(BURST)])
            bare_ms += burst(bare_user, ["x"] * BURST)
        processes = env.get("WEB_CONCURRENCY", str(DEFAULT_WEB_CONCURRENCY))
        print(f"ack latency, {ROUNDS} bursts of {BURST} concurrent signed slash commands, {processes} process(es) "
              f"per host, {where}")  # fmt: skip
        print(f"  bot   p50 {percentile(bot_ms, 50):7.1f} ms   p99 {percentile(bot_ms, 99):7.1f} ms")
        print(f"  floor p50 {percentile(bare_ms, 50):7.1f} ms   p99 {percentile(bare_ms, 99):7.1f} ms")
        ratio = percentile(bot_ms, 99) / percentile(bare_ms, 99)
        print(f"  p99 ratio bot/floor {ratio:.2f}  (goal ≤ 1.20)")

        lag: list[float] = []
        threaded: list[float] = []
        for _ in range(APPROVALS):
            typed, e164 = fresh_number()
            parent = submit_request(bot_user, typed)
            request_id = button_value(parent.blocks, "erase_approve")
            started = time.time()
            bot_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
            call = gong.wait_for_calls(e164, 1)[0]
            lag.append((call.at - started) * 1000)
            slack.wait_for(lambda p=parent: slack.thread(CHANNEL, p.ts), what="the requestId in the thread")
            threaded.append((time.time() - started) * 1000)
        print(f"approve click → Gong request issued, {APPROVALS} sequential approvals")
        print(f"  p50 {statistics.median(lag):7.1f} ms   p99 {percentile(lag, 99):7.1f} ms  (goal p50 ≤ 150 ms)")
        print("approve click → Gong's requestId threaded under the request")
        print(f"  p50 {statistics.median(threaded):7.1f} ms   p99 {percentile(threaded, 99):7.1f} ms")
    finally:
        bare.terminate()
        bare.wait(10)
        for bot in bots:
            bot.kill()
        slack.stop()
        gong.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
