"""The kinds of background work a request causes, how they are ordered, and how failures are retried (pure)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Job", "Kind", "NewJob", "RetryPolicy", "lane_of"]


class Kind(StrEnum):
    """One kind of durable job; `worker.HANDLERS` says which function runs it."""

    POST_APPROVAL = "post_approval"  # post the public approval message, then replace the ephemeral
    REFRESH_PARENT = "refresh_parent"  # chat.update the approval message from the request's current state
    THREAD_NOTE = "thread_note"  # a reply in the approval message's thread
    GONG_ERASE = "gong_erase"  # the one erase call to Gong
    PREVIEW = "preview"  # look up what Gong holds, for the approvers
    VERIFY = "verify"  # look again, hours after the erase: is it gone?
    REMIND = "remind"  # nudge the approvers of a pending request
    BATCH_INTAKE = "batch_intake"  # read a submitted batch (and its file), then confirm privately to the requester
    ITEM_ERASE = "item_erase"  # the erase call for one item of an approved batch; it queues the next item's
    RESULTS_FILE = "results_file"  # the results file of a batch, uploaded into its thread at the end
    RECEIPT = "receipt"  # tell the requester by DM what became of their request (GONG_ERASE_DM_RECEIPTS)
    BREAK_GLASS = "break_glass"  # a requester approved their own request: tell every other approver by DM


_LANES = {Kind.GONG_ERASE: "gong", Kind.ITEM_ERASE: "gong", Kind.PREVIEW: "preview", Kind.VERIFY: "verify",
          Kind.REMIND: "remind", Kind.BATCH_INTAKE: "intake", Kind.RECEIPT: "receipt"}  # fmt: skip


def lane_of(kind: Kind) -> str:
    """Jobs of one request and lane run one at a time, in order; lanes do not wait on each other (a check
    scheduled for tomorrow must not hold up today's Slack messages, nor a slow preview an approved erase)."""
    return _LANES.get(kind, "slack")


@dataclass(frozen=True)
class NewJob:
    """A job to write together with the state change that causes it."""

    kind: Kind
    request_id: str
    run_at: float
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """A job one worker thread has claimed under a lease; `attempts` counts its claims."""

    id: int
    kind: Kind
    request_id: str
    payload: dict[str, Any]
    attempts: int
    owner: str


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing call is tried again."""

    max_attempts: int = 5  # Gong 5xx, timeouts and connection errors
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    retry_after_cap: float = 300.0  # the longest we wait, whatever Gong's Retry-After says

    def delay(self, failures: int) -> float:
        """Exponential backoff with ±20% jitter, so processes that failed together do not retry together."""
        base = self.backoff * 2.0 ** max(0, failures - 1)
        return min(self.retry_after_cap, base * random.uniform(0.8, 1.2))
