"""`make run` on an empty environment: from exec of `python -m bot local` to the playground's page answering.

Run: `make bench`, or `.venv/bin/python -m bench.playground`. Each start is in a fresh folder (its database is made
anew, as on a fresh clone); the .venv already exists (make's own setup is not timed).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.support import free_port

STARTS = 5


def time_to_page() -> float:
    """Seconds from exec to the first 200 from the playground's page; then a clean SIGTERM."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GONG_", "DATABASE_"))}
    folder = Path(tempfile.mkdtemp(prefix="bench-playground-"))
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "local"], cwd=folder, env=env | {"PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.perf_counter() - started > 30:
                raise RuntimeError("the playground did not start")
            time.sleep(0.01)
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    starts = [time_to_page() for _ in range(STARTS)]
    print(
        f"playground: exec of `python -m bot local` (make run) on an empty environment → page served, {STARTS} starts"
    )
    print(f"  median {statistics.median(starts):.2f} s   max {max(starts):.2f} s  (goal ≤ 2 s)")


if __name__ == "__main__":
    main()
