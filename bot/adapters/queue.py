"""The durable job table: enqueue with the state change, claim under a lease, settle, retry, reclaim.

Every function takes the caller's transaction (`Sql`) first. A job is claimed by one guarded
`UPDATE … WHERE id = (…) RETURNING`: inside BEGIN IMMEDIATE on SQLite; on Postgres with the row it takes locked
(FOR UPDATE SKIP LOCKED), so that claimers pass each other. Either way two workers can never hold the same job; a
worker that dies keeps its lease until it runs out, then another takes the job over; and a worker whose lease was
taken cannot settle the job (LeaseLost) — its late result is not recorded twice."""

from __future__ import annotations

import json
from typing import Any

from ..domain.jobs import Job, Kind, NewJob, lane_of
from ..errors import LeaseLost
from .database import Sql

__all__ = ["bury", "claim", "complete", "enqueue", "next_due", "release", "renew", "retry"]


def enqueue(sql: Sql, job: NewJob, now: float) -> None:
    """Add a job inside the caller's transaction, so it exists exactly when the state change does."""
    sql.execute(
        "INSERT INTO jobs (kind, lane, request_id, payload, run_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [job.kind.value, lane_of(job.kind), job.request_id, json.dumps(dict(job.payload)), job.run_at, now, now],
    )


# A job is claimable when its holder's lease ran out, or when it is due and no earlier job of the same request
# and lane is still unfinished: notifications then reach Slack in the order the decisions were made. The two are
# asked apart, so that each walks an index in order and stops at the first job it can take (asked together,
# every due job of a backlog was visited and sorted on every claim).
_TAKE = """
UPDATE jobs SET status = 'running', owner = :owner, lease_until = :lease_until,
       attempts = attempts + 1, updated_at = :now
WHERE id = ({pick})
RETURNING id, kind, request_id, payload, attempts, owner
"""
_ABANDONED = """
    SELECT j.id FROM jobs j WHERE j.status = 'running' AND j.lease_until <= :now
    ORDER BY j.lease_until LIMIT 1 {skip_locked}"""
_DUE = """
    SELECT j.id FROM jobs j
    WHERE j.status = 'queued' AND j.run_at <= :now
      AND NOT EXISTS (
          SELECT 1 FROM jobs e
          WHERE e.request_id = j.request_id AND e.lane = j.lane AND e.id < j.id
            AND e.status IN ('queued', 'running'))
    ORDER BY j.status, j.run_at, j.id
    LIMIT 1 {skip_locked}"""


def claim(sql: Sql, owner: str, now: float, lease: float, skip_locked: str = "") -> Job | None:
    """Take the job a dead worker left, else the next due job, for `owner` until `now + lease`; None when there
    is nothing to do. `skip_locked` is the dialect's clause locking the row taken (see Dialect.skip_locked)."""
    params = {"owner": owner, "now": now, "lease_until": now + lease}
    row = None
    for pick in (_ABANDONED, _DUE):
        row = sql.one(_TAKE.format(pick=pick.format(skip_locked=skip_locked)), params)
        if row is not None:
            break
    if row is None:
        return None
    return Job(
        id=row["id"],
        kind=Kind(row["kind"]),
        request_id=row["request_id"],
        payload=json.loads(row["payload"]),
        attempts=row["attempts"],
        owner=row["owner"],
    )


def complete(sql: Sql, job: Job, now: float) -> None:
    """Mark done; LeaseLost if another worker took the job over (then the caller's transaction rolls back)."""
    _settle(sql, job, now, status="done", lease_until=None)


def retry(sql: Sql, job: Job, now: float, *, run_at: float, error: str, payload: dict[str, Any] | None = None) -> None:
    """Put the job back to run again at `run_at`, keeping counters in its payload; LeaseLost as `complete`."""
    _settle(
        sql, job, now, status="queued", run_at=run_at, lease_until=None, last_error=error,
        payload=json.dumps(job.payload if payload is None else payload),
    )  # fmt: skip


def bury(sql: Sql, job: Job, now: float, error: str) -> None:
    """Give up on the job for good; it stays in the table for the operator to see. LeaseLost as `complete`."""
    _settle(sql, job, now, status="dead", lease_until=None, last_error=error)


def renew(sql: Sql, job: Job, until: float) -> bool:
    """Extend the lease of a job still held by its owner (a heartbeat); False when another worker took it over."""
    return (
        sql.execute(
            "UPDATE jobs SET lease_until = :until WHERE id = :id AND owner = :owner AND status = 'running'",
            {"until": until, "id": job.id, "owner": job.owner},
        )
        == 1
    )


def release(sql: Sql, owner: str, now: float) -> int:
    """Hand back every lease `owner` holds (on shutdown), so another process can start at once."""
    return sql.execute(
        "UPDATE jobs SET status = 'queued', lease_until = NULL, run_at = :now, updated_at = :now "
        "WHERE owner = :owner AND status = 'running'",
        {"owner": owner, "now": now},
    )


def next_due(sql: Sql, now: float) -> float | None:
    """When the next job waiting for a later time falls due, so an idle worker knows how long it may sleep.

    Jobs already due but blocked behind another job of their request are left out: finishing that job wakes
    the worker, so counting them would only make it spin.
    """
    row = sql.one("SELECT MIN(run_at) AS due FROM jobs WHERE status = 'queued' AND run_at > ?", [now])
    return row["due"] if row else None


def _settle(sql: Sql, job: Job, now: float, **columns: Any) -> None:
    # the column names are this module's own keyword arguments, never input
    assignments = "".join(f", {name} = :{name}" for name in columns)
    changed = sql.execute(
        f"UPDATE jobs SET updated_at = :now{assignments} WHERE id = :id AND owner = :owner AND status = 'running'",  # noqa: S608
        {"now": now, "id": job.id, "owner": job.owner, **columns},
    )
    if changed != 1:
        raise LeaseLost(f"job {job.id} ({job.kind}) is no longer held by {job.owner}")
