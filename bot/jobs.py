"""The durable job table: enqueue with the state change, claim under a lease, finish, retry, reclaim."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlite_utils

from .store import Store


class Kind(StrEnum):
    POST_APPROVAL = "post_approval"  # post the public approval message, then replace the ephemeral
    REFRESH_PARENT = "refresh_parent"  # chat.update the approval message from the request's current state
    THREAD_NOTE = "thread_note"  # a reply in the approval message's thread
    GONG_ERASE = "gong_erase"  # the one erase call to Gong
    PREVIEW = "preview"  # look up what Gong holds, for the approvers
    VERIFY = "verify"  # look again, hours after the erase: is it gone?
    REMIND = "remind"  # nudge the approvers of a pending request


_LANES = {Kind.GONG_ERASE: "gong", Kind.PREVIEW: "preview", Kind.VERIFY: "verify", Kind.REMIND: "remind"}


def lane_of(kind: Kind) -> str:
    """Jobs of one request and lane run one at a time, in order; lanes do not wait on each other (a check
    scheduled for tomorrow must not hold up today's Slack messages, nor a slow preview an approved erase)."""
    return _LANES.get(kind, "slack")


@dataclass(frozen=True)
class Job:
    id: int
    kind: Kind
    request_id: str
    payload: dict[str, Any]
    attempts: int
    owner: str


def enqueue(
    db: sqlite_utils.Database,
    kind: Kind,
    request_id: str,
    now: float,
    payload: dict[str, Any] | None = None,
) -> None:
    """Add a job inside the caller's transaction, so it exists exactly when the state change does."""
    db.execute(
        "INSERT INTO jobs (kind, lane, request_id, payload, run_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [kind.value, lane_of(kind), request_id, json.dumps(payload or {}), now, now, now],
    )


# A job is claimable when it is due (or its holder's lease ran out) and no earlier job of the same request
# and lane is still unfinished: notifications then reach Slack in the order the decisions were made.
_CLAIM = """
UPDATE jobs SET status = 'running', owner = :owner, lease_until = :lease_until,
       attempts = attempts + 1, updated_at = :now
WHERE id = (
    SELECT j.id FROM jobs j
    WHERE ((j.status = 'queued' AND j.run_at <= :now) OR (j.status = 'running' AND j.lease_until <= :now))
      AND NOT EXISTS (
          SELECT 1 FROM jobs e
          WHERE e.request_id = j.request_id AND e.lane = j.lane AND e.id < j.id
            AND e.status IN ('queued', 'running'))
    ORDER BY j.run_at, j.id
    LIMIT 1)
RETURNING id, kind, request_id, payload, attempts, owner
"""


def claim(store: Store, owner: str, now: float, lease: float) -> Job | None:
    """Take the next due job for `owner` until `now + lease`; None when there is nothing to do."""
    with store.transaction() as db:
        rows = list(db.query(_CLAIM, {"owner": owner, "now": now, "lease_until": now + lease}))
    if not rows:
        return None
    row = rows[0]
    return Job(
        id=row["id"],
        kind=Kind(row["kind"]),
        request_id=row["request_id"],
        payload=json.loads(row["payload"]),
        attempts=row["attempts"],
        owner=row["owner"],
    )


def _settle(db: sqlite_utils.Database, job: Job, now: float, **columns: Any) -> bool:
    # the column names are this module's own keyword arguments, never input
    assignments = "".join(f", {name} = :{name}" for name in columns)
    cursor = db.execute(
        f"UPDATE jobs SET updated_at = :now{assignments} WHERE id = :id AND owner = :owner AND status = 'running'",  # noqa: S608
        {"now": now, "id": job.id, "owner": job.owner, **columns},
    )
    return cursor.rowcount == 1


def complete(db: sqlite_utils.Database, job: Job, now: float) -> bool:
    """Mark done; False if the lease was lost to another worker (then the caller must change nothing)."""
    return _settle(db, job, now, status="done", lease_until=None)


def retry_at(
    db: sqlite_utils.Database, job: Job, now: float, run_at: float, error: str, payload: dict[str, Any] | None = None
) -> bool:
    """Put the job back to run again at `run_at`, keeping counters in its payload."""
    return _settle(
        db, job, now, status="queued", run_at=run_at, lease_until=None, last_error=error,
        payload=json.dumps(job.payload if payload is None else payload),
    )  # fmt: skip


def bury(db: sqlite_utils.Database, job: Job, now: float, error: str) -> bool:
    """Give up on the job for good; it stays in the table for the operator to see."""
    return _settle(db, job, now, status="dead", lease_until=None, last_error=error)


def release(store: Store, owner: str, now: float) -> int:
    """Hand back every lease `owner` holds (on shutdown), so another process can start at once."""
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE jobs SET status = 'queued', lease_until = NULL, run_at = :now, updated_at = :now "
            "WHERE owner = :owner AND status = 'running'",
            {"owner": owner, "now": now},
        )
        return cursor.rowcount


def next_due(store: Store, now: float) -> float | None:
    """When the next job waiting for a later time falls due, so an idle worker knows how long it may sleep.

    Jobs already due but blocked behind another job of their request are left out: finishing that job wakes
    the worker, so counting them would only make it spin.
    """
    rows = list(store.db.query("SELECT MIN(run_at) AS due FROM jobs WHERE status = 'queued' AND run_at > ?", [now]))
    return rows[0]["due"] if rows else None
