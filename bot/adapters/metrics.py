"""/metrics in Prometheus's text format (prometheus-client).

Two kinds of figures. Events — Gong calls by outcome, 429s, Slack errors — are counted in the process that saw
them; under gunicorn, prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `python -m bot`
before the workers fork) sums every process's counts, so any worker answers for its host. The deployment's
state — requests by state, jobs by status, the oldest due job's age, today's Gong budget left — is read from the
database at each scrape: every host reports the same figures (aggregate them with max(), not sum())."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ..domain.budget import day_start
from ..domain.request import State

if TYPE_CHECKING:
    from .store import Store

__all__ = ["GONG_CALLS", "SLACK_ERRORS", "DeploymentState", "exposition", "forget_process", "gong_answered",
           "slack_failed"]  # fmt: skip

JOB_STATUSES = ("queued", "running", "done", "dead")

# Not in prometheus_client's default registry: each scrape builds its registry (see `exposition`).
GONG_CALLS = Counter("gong_erase_gong_calls", "Gong API calls by endpoint and outcome (HTTP status, timeout, "
                     "unreachable)", ["endpoint", "status"], registry=None)  # fmt: skip
SLACK_ERRORS = Counter("gong_erase_slack_errors", "Slack Web API calls that failed, by Slack's error code",
                       ["error"], registry=None)  # fmt: skip


def gong_answered(endpoint: str, status: str) -> None:
    """Count one Gong call: `endpoint` erase or lookup, `status` the HTTP status, `timeout` or `unreachable`."""
    GONG_CALLS.labels(endpoint=endpoint, status=status).inc()


def slack_failed(code: str) -> None:
    """Count one failed Slack Web API call by its error code (`ratelimited`, `connection_error`, …)."""
    SLACK_ERRORS.labels(error=code).inc()


class DeploymentState(Collector):
    """The deployment's state, read from the shared database when Prometheus scrapes."""

    def __init__(self, store: Store, daily_limit: int, clock: Callable[[], float]) -> None:
        self.store = store
        self.daily_limit = daily_limit
        self.clock = clock

    def collect(self) -> Iterable[Metric]:
        """Requests by state, jobs by status, the oldest due job's age, and today's Gong calls left."""
        now = self.clock()
        sql = self.store.database.reader()
        requests = GaugeMetricFamily("gong_erase_requests", "Erase requests by state", labels=["state"])
        counted = {row["state"]: int(row["n"]) for row in
                   sql.query("SELECT state, COUNT(*) AS n FROM requests GROUP BY state")}  # fmt: skip
        for state in State:
            requests.add_metric([state.value], counted.get(state.value, 0))
        jobs = GaugeMetricFamily("gong_erase_jobs", "Jobs by status (done jobs are deleted after the retention)",
                                 labels=["status"])  # fmt: skip
        counted = {row["status"]: int(row["n"]) for row in
                   sql.query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status")}  # fmt: skip
        for status in JOB_STATUSES:
            jobs.add_metric([status], counted.get(status, 0))
        oldest = sql.one("SELECT MIN(run_at) AS due FROM jobs WHERE status = 'queued' AND run_at <= ?", [now])
        due = oldest["due"] if oldest else None
        age = GaugeMetricFamily("gong_erase_oldest_due_job_age_seconds",
                                "How long the longest-waiting due job has waited to be claimed (0: none waits)",
                                value=max(0.0, now - float(due)) if due is not None else 0.0)  # fmt: skip
        today = sql.one("SELECT COUNT(*) AS n FROM gong_calls WHERE at >= ?", [day_start(now)])
        left = GaugeMetricFamily("gong_erase_gong_budget_left", "Gong calls left in today's allowance (UTC day)",
                                 value=max(0, self.daily_limit - int(today["n"] if today else 0)))  # fmt: skip
        return [requests, jobs, age, left]


def forget_process(pid: int) -> None:
    """A gunicorn worker exited: drop what multiprocess mode keeps only for live processes (its counts stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def exposition(state: DeploymentState) -> bytes:
    """The scrape: this host's event counters (every process's, under gunicorn) and the deployment's state."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(GONG_CALLS)
        registry.register(SLACK_ERRORS)
    registry.register(state)
    return generate_latest(registry)
