"""A batch of 1,000 identifiers (a CSV file attached in the bulk modal) against a Gong allowing no burst at 3 calls/s:
the rate achieved, 429s, how often the approval message's progress was updated, memory after.

Run: `make bench`, or `.venv/bin/python -m bench.bulk [--postgres [--hosts N]] [ITEMS]`. The bot runs as the
Procfile starts it (`python -m bot`, gunicorn, default settings) against the fakes on loopback.
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.databases import database, options, spread_user, start_hosts
from bench.latency import concurrency_as_deployed, percentile
from bench.throughput import TEST_TUNING, print_memory
from tests.fakes.gong import GongProcess
from tests.fakes.slack import FakeSlack
from tests.support import APPROVER, CHANNEL, REQUESTER, base_env, busy_jobs, button_value, free_port, fresh_number

ITEMS = 1000
RATE = 3


def main() -> None:
    chosen = options(__doc__ or "")
    slack, gong = FakeSlack().start(), GongProcess(rate_per_second=RATE, limiter="strict")
    slack.users.add(REQUESTER)
    folder = Path(tempfile.mkdtemp(prefix="bench-bulk-"))
    env = base_env(slack, gong, folder / "bench.db", free_port())
    for name in TEST_TUNING:
        env.pop(name)
    env.update(GONG_RATE_PER_SECOND=str(RATE))
    concurrency_as_deployed(env)
    try:
        with database(env, chosen.postgres) as name:
            measure(slack, gong, folder, env, f"{name}, {chosen.hosts} host(s)", chosen.hosts, chosen.count or ITEMS)
    finally:
        slack.stop()
        gong.stop()


def measure(slack: FakeSlack, gong: GongProcess, folder: Path, env: dict[str, str], where: str, hosts: int,
            items: int) -> None:  # fmt: skip
    bots = start_hosts(env, folder, hosts)
    try:
        user = spread_user(bots, slack)
        numbers = [fresh_number()[1] for _ in range(items)]
        shared = slack.share_file("dsr-export.csv", ("phone\n" + "\n".join(numbers) + "\n").encode())
        seen = len(slack.ephemeral_to(REQUESTER))
        user.bulk(file=shared, reason="DSR-bench")
        confirmation = slack.wait_for(lambda: slack.ephemeral_to(REQUESTER)[seen:] and slack.ephemeral_to(REQUESTER)[
            seen], timeout=60, what="the confirmation")  # fmt: skip
        batch_id = button_value(confirmation.blocks, "bulk_submit")
        user.click("bulk_submit", batch_id, REQUESTER, ephemeral=True)
        parent = slack.wait_for(lambda: next((m for m in slack.posts(CHANNEL) if batch_id in m.text), None),
                                what="the approval message")  # fmt: skip
        slack.wait_for(lambda: "sampled" in parent.all_text, timeout=60, what="the sample's preview")
        approving = time.time()
        user.click("erase_approve", batch_id, APPROVER, message_ts=parent.ts)
        slack.wait_for(lambda: slack.files_in(CHANNEL, parent.ts), timeout=items / RATE * 2 + 120,
                       what="the results file")  # fmt: skip
        finished = time.time()
        wanted = set(numbers)
        seen_calls = gong.calls
        calls = [c for c in seen_calls if c.phone in wanted]
        accepted = sorted(c.at for c in calls if c.status == 200)
        limited = sum(1 for c in seen_calls if c.status == 429)
        span = accepted[-1] - accepted[0]
        achieved = (len(accepted) - 1) / span
        gaps = [(b - a) * 1000 for a, b in itertools.pairwise(accepted)]
        print(f"a batch of {items:,} identifiers against a Gong allowing no burst at {RATE} calls/s, {where}")
        print(f"  erased {len({c.phone for c in calls if c.status == 200}):,} (each once: "
              f"{len(accepted) == len(set(numbers))})   429s {limited}   span {span:.1f} s   approve click → results "
              f"file {finished - approving:.1f} s")  # fmt: skip
        print(f"  achieved {achieved:.3f} calls/s = {achieved / RATE * 100:.1f}% of the limit  (goal ≥ 97%, 0 429s)")
        print(f"  gap between calls: p1 {percentile(gaps, 1):.1f} ms   p50 {statistics.median(gaps):.1f} ms   "
              f"p99 {percentile(gaps, 99):.1f} ms")  # fmt: skip
        updates = sorted(c.at for c in slack.calls_of("chat.update")
                         if c.ok and c.args.get("ts") == parent.ts and approving <= c.at)  # fmt: skip
        during = [u for u in updates if u <= accepted[-1]]
        intervals = [b - a for a, b in itertools.pairwise(during)]
        print(f"  progress updates of the approval message while erasing: {len(during)}   shortest interval "
              f"{min(intervals, default=0):.2f} s   median {statistics.median(intervals) if intervals else 0:.2f} s  "
              "(goal: at most one per 3 s)")  # fmt: skip
        while busy_jobs(bots[0]):
            time.sleep(0.2)
        assert bots[0].proc is not None
        print_memory(bots[0].proc.pid, "the batch")
    finally:
        for host in bots:
            host.kill()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
