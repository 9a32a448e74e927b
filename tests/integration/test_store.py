"""The store, job table and decisions on a real SQLite file: atomic, exclusive, append-only."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable

import pytest

from bot.adapters import queue
from bot.adapters.schema import MIGRATIONS
from bot.adapters.store import Store
from bot.domain.approval import ApprovalPolicy
from bot.domain.jobs import Kind, NewJob
from bot.domain.request import Event, State
from bot.domain.target import parse_erase_text
from bot.errors import IllegalTransition, LeaseLost, NotAllowed, Refusal, StoreConflict
from bot.service.decisions import Decisions, RequestRules
from tests.conftest import StoreFactory
from tests.doubles import Clock, Groups
from tests.postgres import PostgresServer

POLICY = ApprovalPolicy(users=frozenset({"UA", "UB", "UC"}), groups=frozenset(), required=2)


@pytest.fixture()
def store(open_store: StoreFactory) -> Store:
    """A fresh store on each backend (SQLite and Postgres)."""
    return open_store()


def decisions_on(store: Store, ttl: int = 3600, clock: Callable[[], float] | None = None) -> Decisions:
    return Decisions(store, POLICY, Groups(), rules=RequestRules(ttl=ttl), **({"clock": clock} if clock else {}))


def pending(decisions: Decisions, trigger: str = "t1") -> str:
    command = parse_erase_text("+1 425 555 2671 DSR-1")
    request = decisions.start(command, requester="UREQ", channel="C1", team="T1", trigger_id=trigger)
    decisions.submit(request.id, "UREQ", "https://hooks.example/x")
    return request.id


def job_kinds(store: Store, request_id: str) -> list[str]:
    rows = store.database.reader().query("SELECT kind FROM jobs WHERE request_id = ? ORDER BY id", [request_id])
    return [r["kind"] for r in rows]


def test_schema_is_created_once_and_reopening_keeps_data(open_store: StoreFactory) -> None:
    """Migrations run on start; a second start finds the schema current and the data intact."""
    decisions = decisions_on(open_store())
    request_id = pending(decisions)
    reopened = open_store()
    with reopened.database.transaction() as sql:
        assert reopened.database.schema_version(sql) == len(MIGRATIONS)
    if reopened.database.dialect.name == "sqlite":
        assert reopened.database.reader().one("PRAGMA journal_mode") == {"journal_mode": "wal"}
    assert reopened.get_request(request_id).state is State.PENDING  # type: ignore[union-attr]


def test_processes_starting_together_on_an_empty_database_migrate_it_once(
    open_store: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Six processes (each its own Store and connections) start at once: every migration runs exactly once,
    one process at a time, and all of them start."""
    with caplog.at_level(logging.INFO, logger="bot.adapters.schema"), concurrent.futures.ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(lambda _: open_store(), range(6)))
    applied = [record.getMessage() for record in caplog.records if "migrated to schema" in record.getMessage()]
    assert len(applied) == len(MIGRATIONS) == len(set(applied))
    with stores[-1].database.transaction() as sql:
        assert stores[-1].database.schema_version(sql) == len(MIGRATIONS)


def test_illegal_move_raises_and_changes_nothing(store: Store) -> None:
    """A move the table does not allow raises before anything is written: no state, audit row or job."""
    decisions = decisions_on(store)
    request_id = pending(decisions)
    request = store.get_request(request_id)
    assert request is not None
    audit_before, jobs_before = store.audit_trail(request_id), job_kinds(store, request_id)
    with pytest.raises(IllegalTransition), store.transaction() as tx:
        tx.move(request, Event.GONG_ACCEPTED, actor="x", now=1.0)
    assert job_kinds(store, request_id) == jobs_before
    assert store.get_request(request_id) == request
    assert store.audit_trail(request_id) == audit_before


def test_audit_log_is_append_only(store: Store) -> None:
    """The database itself refuses to edit or delete audit rows; the driver's error arrives as ours."""
    decisions = decisions_on(store)
    pending(decisions)
    statements = ["UPDATE audit SET actor = 'someone'", "DELETE FROM audit"]
    if store.database.dialect.name == "postgres":
        statements.append("TRUNCATE audit")
    for statement in statements:
        with pytest.raises(StoreConflict, match="append-only"), store.transaction() as tx:
            tx.sql.execute(statement)


def test_concurrent_approvals_from_many_threads_decide_once(store: Store) -> None:
    """20 threads approving at once: two approvals decide, exactly one erase job, the rest are refused."""
    decisions = decisions_on(store)
    request_id = pending(decisions)

    def approve(user: str) -> str:
        try:
            return "decided" if decisions.approve(request_id, user).decided else "counted"
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
    decisions = decisions_on(store)
    request_id = pending(decisions)
    with store.transaction() as tx:
        queue.enqueue(tx.sql, NewJob(Kind.GONG_ERASE, request_id, 1.0), 1.0)
    with pytest.raises(StoreConflict), store.transaction() as tx:
        queue.enqueue(tx.sql, NewJob(Kind.GONG_ERASE, request_id, 1.0), 1.0)


def test_requester_rules_and_refusals_change_nothing(store: Store) -> None:
    """Only the requester cancels, only approvers approve or reject; a refusal leaves the request as it was."""
    decisions = decisions_on(store)
    request_id = pending(decisions)
    before = store.get_request(request_id)
    with pytest.raises(NotAllowed):
        decisions.cancel(request_id, "UA")  # only the requester cancels
    with pytest.raises(NotAllowed):
        decisions.approve(request_id, "UREQ")  # not an approver
    with pytest.raises(NotAllowed):
        decisions.reject(request_id, "UOUT")
    assert store.get_request(request_id) == before


def test_expired_requests_cannot_be_approved_and_are_marked(store: Store) -> None:
    """A click after the TTL is refused as expired, and the expiry is recorded (its message is told)."""
    clock = Clock()
    decisions = decisions_on(store, ttl=60, clock=clock)
    request_id = pending(decisions)
    clock.now += 61
    with pytest.raises(Refusal) as refused:
        decisions.approve(request_id, "UA")
    assert refused.value.facts == {"state": "expired"}
    assert store.get_request(request_id).state is State.EXPIRED  # type: ignore[union-attr]
    assert job_kinds(store, request_id)[-2:] == [Kind.REFRESH_PARENT, Kind.THREAD_NOTE]


def test_expire_due_sweeps_open_requests_only(store: Store) -> None:
    """The sweeper expires open requests past their TTL, once, and leaves decided ones alone."""
    clock = Clock()
    decisions = decisions_on(store, ttl=60, clock=clock)
    old = pending(decisions, "a")
    decided = pending(decisions, "b")
    decisions.cancel(decided, "UREQ")
    clock.now += 61
    assert decisions.expire_due() == [old]
    assert decisions.expire_due() == []


def test_duplicate_slash_command_delivery_gives_the_same_draft(store: Store) -> None:
    """Slack's retry of a command (same trigger_id) gets the draft the first delivery made."""
    decisions = decisions_on(store, ttl=60)
    command = parse_erase_text("+1 425 555 2671")
    first = decisions.start(command, requester="UREQ", channel="C1", team="T1", trigger_id="trigger-1")
    again = decisions.start(command, requester="UREQ", channel="C1", team="T1", trigger_id="trigger-1")
    assert first.id == again.id
    assert len(store.database.reader().query("SELECT id FROM requests")) == 1


def test_claims_are_exclusive_across_threads(store: Store) -> None:
    """Many workers claiming at once: each job goes to exactly one of them."""
    decisions = decisions_on(store)
    request_ids = [pending(decisions, f"t{i}") for i in range(10)]  # a post_approval and a preview job each

    def claim_all(worker: int) -> list[int]:
        got = []
        while (job := store.claim(f"w{worker}", 2_000_000_000.0, 60)) is not None:
            got.append(job.id)
            with store.transaction() as tx:
                tx.complete(job, 2_000_000_000.0)
        return got

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        claimed = [job for batch in pool.map(claim_all, range(8)) for job in batch]
    assert len(claimed) == len(set(claimed)) == 2 * len(request_ids)


def test_expired_lease_is_reclaimed_and_the_old_holder_cannot_settle(store: Store) -> None:
    """A dead holder's job is taken over when its lease runs out; the old holder's late result is refused."""
    decisions = decisions_on(store)
    pending(decisions)
    t = time.time() + 1
    first = store.claim("dead-worker", t, lease=10)
    assert first is not None
    preview = store.claim("other", t + 5, lease=10)  # the request's other job, in another lane
    assert preview is not None and preview.kind is Kind.PREVIEW
    assert store.claim("other", t + 5, lease=10) is None  # the first job's lease is still held
    second = store.claim("other", t + 11, lease=10)
    assert second is not None and second.id == first.id and second.attempts == 2
    with pytest.raises(LeaseLost), store.transaction() as tx:
        tx.complete(first, t + 12)  # the dead worker's late result is refused
    with store.transaction() as tx:
        tx.complete(second, t + 12)


def test_jobs_of_one_request_and_lane_run_in_order(store: Store) -> None:
    """A later Slack job of a request waits until the earlier one finishes, so updates arrive in order."""
    decisions = decisions_on(store)
    request_id = pending(decisions)
    decisions.cancel(request_id, "UREQ")  # adds refresh_parent and thread_note after post_approval
    now = 2_000_000_000.0
    first = store.claim("w1", now, 60)
    assert first is not None and first.kind is Kind.POST_APPROVAL
    other_lane = store.claim("w2", now, 60)
    assert other_lane is not None and other_lane.kind is Kind.PREVIEW  # Gong's lane does not wait for Slack's
    assert store.claim("w2", now, 60) is None
    with store.transaction() as tx:
        tx.complete(first, now)
    second = store.claim("w2", now, 60)
    assert second is not None and second.kind is Kind.REFRESH_PARENT


def test_on_postgres_a_claim_passes_a_writer_holding_the_write_lock(postgres: PostgresServer) -> None:
    """Decisions and audit rows queue for the one write lock; the job table's claims lock only the row they take,
    so a worker finds its next job while a decision is being written (it would wait here for ever otherwise)."""
    store = Store(postgres.new_database())
    try:
        pending(decisions_on(store))  # its submit queued jobs that are due now
        claimed: list[object] = []
        done = threading.Event()

        def claim() -> None:
            claimed.append(store.claim("worker/1", time.time(), 30.0))
            done.set()

        with store.transaction():  # holds the write lock until the claim is through
            threading.Thread(target=claim, daemon=True).start()
            assert done.wait(30), "the claim waited for the write lock"
        assert claimed[0] is not None
    finally:
        store.shutdown()
