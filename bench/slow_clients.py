"""Load an attacker or a crowd can make: 200 stalled clients (health and command latency, waitress vs gunicorn's
threads), and 600 concurrent clicks on one request (ack latency against Slack's 3 s).

Run: `make bench`, or `.venv/bin/python -m bench.slow_clients`. Both servers run the same bot against the fakes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.latency import percentile, unthrottled
from tests.e2e.test_load import click_body, stall
from tests.support import (
    ROOT,
    BotProcess,
    SignedSlack,
    button_value,
    flood,
    free_port,
    fresh_number,
    submit_request,
)

STALLED = 200
SAMPLES = 10
CLICKS = 600
GIVE_UP = 10.0  # seconds a sample may take before it counts as timed out


def sample(call: object) -> float:
    started = time.perf_counter()
    try:
        call()  # type: ignore[operator]
    except httpx.TimeoutException:
        return GIVE_UP * 1000
    return (time.perf_counter() - started) * 1000


def stalled_figures(url: str, port: int, user: SignedSlack) -> tuple[list[float], list[float]]:
    conns: list[socket.socket] = stall(port, STALLED)
    try:
        time.sleep(0.5)
        health = [sample(lambda: httpx.get(url + "/healthz", timeout=GIVE_UP)) for _ in range(SAMPLES)]
        command = [
            sample(lambda: user.post(user.command_body(f"{fresh_number()[0]} DSR-SLOW"))) for _ in range(SAMPLES)
        ]
    finally:
        for conn in conns:
            conn.close()
    return health, command


def start(env: dict[str, str], log: Path, module: str) -> tuple[subprocess.Popen[bytes], str]:
    env = {**env, "PORT": str(free_port())}
    url = f"http://127.0.0.1:{env['PORT']}"
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env, stdout=out, stderr=out)
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{module} did not start; see {log}")


def main() -> None:
    slack, gong, folder, env = unthrottled()
    try:
        print(f"{STALLED} clients stalled mid-request; {SAMPLES} sequential requests each  (goal: under 1 s)")
        for name, module in (("waitress (shipped)", "bot"), ("gunicorn gthread", "bench.gthread_bot")):
            proc, url = start(env, folder / f"{module}.log", module)
            try:
                port = int(url.rsplit(":", 1)[1])
                health, command = stalled_figures(url, port, SignedSlack(url, slack))
            finally:
                proc.terminate()
                proc.wait(30)
            print(f"  {name:19} /healthz p50 {percentile(health, 50):7.1f} ms  max {max(health):7.1f} ms   "
                  f"command p50 {percentile(command, 50):7.1f} ms  max {max(command):7.1f} ms")  # fmt: skip
        bot = BotProcess({**env, "PORT": str(free_port())}, folder / "flood.log").start()
        try:
            user = SignedSlack(bot.url, slack)
            parent = submit_request(user, fresh_number()[0])
            request_id = button_value(parent.blocks, "erase_approve")
            bodies = [click_body(request_id, parent.ts, slack.response_url()) for _ in range(CLICKS)]
            answers = flood(bot.port, bodies)
            assert all(status == 200 for status, _ in answers)
            acks = [ms for _, ms in answers]
        finally:
            bot.kill()
        late = sum(1 for ms in acks if ms > 3000)
        print(f"{CLICKS} concurrent Approve clicks on one request (one client process, same 2 cores)")
        print(f"  ack p50 {percentile(acks, 50):7.1f} ms   p99 {percentile(acks, 99):7.1f} ms   max {max(acks):7.1f} ms"
              f"   over 3 s: {late}  (goal: 0)")  # fmt: skip
    finally:
        slack.stop()
        gong.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
