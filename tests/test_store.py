"""The store, job table and decisions on a real SQLite file: atomic, exclusive, append-only."""

from __future__ import annotations

import concurrent.futures
import sqlite3
import time
from pathlib import Path

import pytest

from bot import jobs
from bot.decisions import Decisions
from bot.erasure import ApprovalPolicy, Event, State
from bot.errors import IllegalTransition, NotAllowed, Refusal
from bot.jobs import Kind
from bot.schema import MIGRATIONS
from bot.store import Store
from bot.targets import parse_erase_text

POLICY = ApprovalPolicy(users=frozenset({"UA", "UB", "UC"}), groups=frozenset(), required=2)


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(str(tmp_path / "t.db"))


def pending(decisions: Decisions, trigger: str = "t1") -> str:
    request = decisions.start(parse_erase_text("+1 425 555 2671 DSR-1"), "UREQ", "C1", "T1", trigger)
    decisions.submit(request.id, "UREQ", "https://hooks.example/x")
    return request.id


def job_kinds(store: Store, request_id: str) -> list[str]:
    return [r["kind"] for r in store.db.query("SELECT kind FROM jobs WHERE request_id = ? ORDER BY id", [request_id])]


def test_schema_is_created_once_and_reopening_keeps_data(tmp_path: Path) -> None:
    """Migrations run on start; a second start finds the schema current and the data intact."""
    path = str(tmp_path / "t.db")
    decisions = Decisions(Store(path), POLICY, ttl=3600)
    request_id = pending(decisions)
    reopened = Store(path)
    assert next(reopened.db.query("PRAGMA user_version"))["user_version"] == len(MIGRATIONS)
    assert next(reopened.db.query("PRAGMA journal_mode"))["journal_mode"] == "wal"
    assert reopened.get_request(request_id).state is State.PENDING  # type: ignore[union-attr]


def test_illegal_move_raises_and_changes_nothing(store: Store) -> None:
    decisions = Decisions(store, POLICY, ttl=3600)
    request_id = pending(decisions)
    request = store.get_request(request_id)
    assert request is not None
    audit_before = store.audit_trail(request_id)
    with pytest.raises(IllegalTransition), store.transaction() as db:
        store.move(db, request, Event.GONG_ACCEPTED, "x", 1.0)
    assert store.get_request(request_id) == request
    assert store.audit_trail(request_id) == audit_before


def test_audit_log_is_append_only(store: Store) -> None:
    decisions = Decisions(store, POLICY, ttl=3600)
    pending(decisions)
    for statement in ["UPDATE audit SET actor = 'someone'", "DELETE FROM audit"]:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"), store.transaction() as db:
            db.execute(statement)


def test_concurrent_approvals_from_many_threads_decide_once(store: Store) -> None:
    """20 threads approving at once: two approvals decide, exactly one erase job, the rest are refused."""
    decisions = Decisions(store, POLICY, ttl=3600)
    request_id = pending(decisions)

    def approve(user: str) -> str:
        try:
            return "decided" if decisions.approve(request_id, user, ()).decided else "counted"
        except Refusal:
            return "refused"

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(approve, ["UA", "UB", "UC"] * 7))
    assert outcomes.count("decided") == 1
    assert outcomes.count("counted") == 1
    assert job_kinds(store, request_id).count(Kind.GONG_ERASE) == 1
    assert store.get_request(request_id).state is State.APPROVED  # type: ignore[union-attr]


def test_second_erase_job_for_a_request_is_impossible(store: Store) -> None:
    """Below the state machine, a unique index forbids a second erase job for one request."""
    decisions = Decisions(store, POLICY, ttl=3600)
    request_id = pending(decisions)
    with store.transaction() as db:
        jobs.enqueue(db, Kind.GONG_ERASE, request_id, 1.0)
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as db:
        jobs.enqueue(db, Kind.GONG_ERASE, request_id, 1.0)


def test_requester_rules_and_refusals_change_nothing(store: Store) -> None:
    decisions = Decisions(store, POLICY, ttl=3600)
    request_id = pending(decisions)
    before = store.get_request(request_id)
    with pytest.raises(NotAllowed):
        decisions.cancel(request_id, "UA")  # only the requester cancels
    with pytest.raises(NotAllowed):
        decisions.approve(request_id, "UREQ", ())  # not an approver
    with pytest.raises(NotAllowed):
        decisions.reject(request_id, "UOUT", ())
    assert store.get_request(request_id) == before


def test_expired_requests_cannot_be_approved_and_are_marked(store: Store) -> None:
    clock = Clock()
    decisions = Decisions(store, POLICY, ttl=60, clock=clock)
    request_id = pending(decisions)
    clock.now += 61
    with pytest.raises(Refusal, match="expired"):
        decisions.approve(request_id, "UA", ())
    assert store.get_request(request_id).state is State.EXPIRED  # type: ignore[union-attr]
    assert job_kinds(store, request_id)[-2:] == [Kind.REFRESH_PARENT, Kind.THREAD_NOTE]


def test_expire_due_sweeps_open_requests_only(store: Store) -> None:
    clock = Clock()
    decisions = Decisions(store, POLICY, ttl=60, clock=clock)
    old = pending(decisions, "a")
    decided = pending(decisions, "b")
    decisions.cancel(decided, "UREQ")
    clock.now += 61
    assert decisions.expire_due() == [old]
    assert decisions.expire_due() == []


def test_duplicate_slash_command_delivery_gives_the_same_draft(store: Store) -> None:
    decisions = Decisions(store, POLICY, ttl=60)
    command = parse_erase_text("+1 425 555 2671")
    first = decisions.start(command, "UREQ", "C1", "T1", "trigger-1")
    again = decisions.start(command, "UREQ", "C1", "T1", "trigger-1")
    assert first.id == again.id
    assert len(list(store.db.query("SELECT id FROM requests"))) == 1


def test_claims_are_exclusive_across_threads(store: Store) -> None:
    """Many workers claiming at once: each job goes to exactly one of them."""
    decisions = Decisions(store, POLICY, ttl=3600)
    request_ids = [pending(decisions, f"t{i}") for i in range(10)]  # a post_approval and a preview job each

    def claim_all(worker: int) -> list[int]:
        got = []
        while (job := jobs.claim(store, f"w{worker}", 2_000_000_000.0, 60)) is not None:
            got.append(job.id)
            with store.transaction() as db:
                assert jobs.complete(db, job, 2_000_000_000.0)
        return got

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        claimed = [job for batch in pool.map(claim_all, range(8)) for job in batch]
    assert len(claimed) == len(set(claimed)) == 2 * len(request_ids)


def test_expired_lease_is_reclaimed_and_the_old_holder_cannot_settle(store: Store) -> None:
    decisions = Decisions(store, POLICY, ttl=3600)
    pending(decisions)
    t = time.time() + 1
    first = jobs.claim(store, "dead-worker", t, lease=10)
    assert first is not None
    preview = jobs.claim(store, "other", t + 5, lease=10)  # the request's other job, in another lane
    assert preview is not None and preview.kind is Kind.PREVIEW
    assert jobs.claim(store, "other", t + 5, lease=10) is None  # the first job's lease is still held
    second = jobs.claim(store, "other", t + 11, lease=10)
    assert second is not None and second.id == first.id and second.attempts == 2
    with store.transaction() as db:
        assert not jobs.complete(db, first, t + 12)  # the dead worker's late result is refused
        assert jobs.complete(db, second, t + 12)


def test_jobs_of_one_request_and_lane_run_in_order(store: Store) -> None:
    """A later Slack job of a request waits until the earlier one finishes, so updates arrive in order."""
    decisions = Decisions(store, POLICY, ttl=3600)
    request_id = pending(decisions)
    decisions.cancel(request_id, "UREQ")  # adds refresh_parent and thread_note after post_approval
    first = jobs.claim(store, "w1", 2_000_000_000.0, 60)
    assert first is not None and first.kind is Kind.POST_APPROVAL
    other_lane = jobs.claim(store, "w2", 2_000_000_000.0, 60)
    assert other_lane is not None and other_lane.kind is Kind.PREVIEW  # Gong's lane does not wait for Slack's
    assert jobs.claim(store, "w2", 2_000_000_000.0, 60) is None
    with store.transaction() as db:
        jobs.complete(db, first, 2_000_000_000.0)
    second = jobs.claim(store, "w2", 2_000_000_000.0, 60)
    assert second is not None and second.kind is Kind.REFRESH_PARENT
