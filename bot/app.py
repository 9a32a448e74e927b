"""Composition root: `bootstrap` builds the adapters, the use cases, the Bolt app and the worker from Settings.

Tests build the same bot in-process against the fakes by pointing Settings at them (and may inject the clock or
Gong's transport); nothing starts running until `bot.worker.start()`."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from slack_bolt import App
from slack_sdk import WebClient

from . import listeners
from .adapters.budget import GongBudget
from .adapters.gong import GongClient
from .adapters.keys import development_key
from .adapters.metrics import DeploymentState, exposition
from .adapters.slack import ApproverGroups, Slack
from .adapters.store import Store
from .config import Settings
from .domain.approval import ApprovalPolicy
from .domain.budget import Pace
from .domain.jobs import RetryPolicy
from .domain.request import Schedule
from .domain.workspace import Installation
from .errors import StoreError
from .service import Services
from .service.audit import Checkpoints
from .service.batches import Batches
from .service.decisions import Decisions, RequestRules
from .service.home import Home
from .service.housekeeping import Retention
from .service.jobs.context import JobContext
from .service.queries import Queries
from .service.workspace import WorkspaceGuard
from .worker import Worker, process_identity

__all__ = ["Bot", "bootstrap", "with_hash_key"]

log = logging.getLogger(__name__)


class AfterAck:
    """What a listener does after acknowledging: run on a few threads of our own, not Bolt's. Bolt's listener
    threads then only ever ack, so a flood of clicks on one request is answered within Slack's 3 s while the
    decisions (one database transaction each) queue here. Work lost with the process is a click the person makes
    again: nothing was decided, and the message still shows its buttons."""

    def __init__(self, threads: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="after-ack")

    def __call__(self, work: Callable[[], None]) -> None:
        """Queue `work`; an unexpected error in it is logged (its type only: a message may carry an identifier)."""
        self._pool.submit(self._run, work)

    def close(self) -> None:
        """Finish what is queued, then stop the threads."""
        self._pool.shutdown(wait=True)

    @staticmethod
    def _run(work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as exc:
            log.error("unexpected %s after an ack", type(exc).__name__, exc_info=exc)


@dataclass(frozen=True)
class Bot:
    """Everything one process runs: the Bolt app that answers Slack, the worker that runs jobs, and the store."""

    app: App
    services: Services
    worker: Worker
    store: Store
    gong: GongClient
    after_ack: AfterAck
    state: DeploymentState

    def trouble(self) -> str | None:
        """What /healthz reports: the database does not answer, or the worker is not working; None when well."""
        try:
            self.store.database.ping(timeout=2.0)
        except StoreError as exc:
            return f"the database does not answer ({exc})"
        return self.worker.trouble()

    def metrics(self) -> bytes:
        """What /metrics reports (see adapters.metrics)."""
        return exposition(self.state)

    def close(self, grace: float = 20.0) -> None:
        """Stop the worker (running jobs get `grace` seconds), then close the connections this process holds."""
        self.after_ack.close()
        self.worker.stop(grace)
        self.gong.close()
        self.store.close()


def bootstrap(
    settings: Settings,
    *,
    clock: Callable[[], float] | None = None,
    gong_transport: httpx.BaseTransport | None = None,
    installation: Installation | None = None,
) -> Bot:
    """Wire the real adapters (a SQLite file, Gong over HTTP, the Slack Web API) into the use cases.

    `installation` is where the bot token belongs, when the caller already asked Slack (else asked when needed);
    `clock` defaults to the one every process of the deployment agrees on (the database's, on Postgres)."""
    settings = with_hash_key(settings)
    schedule = Schedule(remind_after=settings.remind_after, verify_after=settings.verify_after,
                        receipts=settings.dm_receipts)  # fmt: skip
    store = Store.for_storage(settings.storage, schedule=schedule)
    clock = clock or store.database.deployment_clock()
    gong = GongClient(settings.gong_base_url, settings.gong_access_key, settings.gong_access_key_secret,
                      settings.gong_timeout, transport=gong_transport)  # fmt: skip
    slack_client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    slack = Slack(slack_client, response_url_prefix=settings.slack_response_url_prefix)
    policy = ApprovalPolicy(
        users=settings.approver_users,
        groups=settings.approver_groups,
        required=settings.required_approvals,
        allow_self_approval=settings.allow_self_approval,
        break_glass=settings.break_glass,
        notify_users=settings.notify[0] if settings.notify else None,
        notify_groups=settings.notify[1] if settings.notify else None,
    )
    directory = ApproverGroups(slack, settings.approver_groups)
    doorbell = threading.Event()  # rung when work is queued in this process, so the worker starts at once
    rules = RequestRules(ttl=settings.request_ttl, max_open_drafts=settings.max_open_drafts,
                         default_regime=settings.default_regime, reason_pattern=settings.reason_pattern)  # fmt: skip
    decisions = Decisions(store, policy, directory, rules=rules, hash_key=settings.hash_key, clock=clock,
                          wake=doorbell.set)  # fmt: skip
    queries = Queries(store, policy, directory, hash_key=settings.hash_key, clock=clock,
                      older_hash_keys=settings.storage.old_hash_keys)  # fmt: skip
    after_ack = AfterAck()
    batches = Batches(decisions, retry_window=settings.request_ttl)
    services = Services(decisions, queries, Home(queries, slack, clock), slack, settings.channels,
                        WorkspaceGuard(slack, installation), after_ack, batches,
                        approval_channel=settings.approval_channel)  # fmt: skip
    ctx = JobContext(
        store=store, gong=gong, slack=slack, policy=policy, schedule=schedule, clock=clock, wake=doorbell.set,
        budget=GongBudget(store, Pace(settings.gong_rate_per_second, settings.gong_pace_margin),
                          settings.gong_daily_limit, clock=clock),
        retry=RetryPolicy(max_attempts=settings.gong_max_attempts, backoff=settings.gong_retry_backoff,
                          retry_after_cap=settings.gong_retry_after_cap),
        stopping=threading.Event(), calls_per_second=settings.gong_rate_per_second, hash_key=settings.hash_key,
        approval_channel=settings.approval_channel,
    )  # fmt: skip
    identity = process_identity()
    chores: list[Callable[[], object]] = [
        decisions.expire_due, store.flush_wal, Retention(store, settings.retention, clock).prune_if_due,
        batches.forget_failed,
    ]  # fmt: skip
    if settings.audit_channel:
        chores.append(Checkpoints(store, slack, settings.audit_channel, owner=identity, clock=clock).post_if_due)
    worker = Worker(ctx, doorbell=doorbell, lease=settings.job_lease, poll_interval=settings.poll_interval,
                    chores=chores, identity=identity)  # fmt: skip
    app = _bolt_app(settings, slack_client, services)
    state = DeploymentState(store, settings.gong_daily_limit, clock)
    return Bot(app=app, services=services, worker=worker, store=store, gong=gong, after_ack=after_ack, state=state)


def _bolt_app(settings: Settings, client: WebClient, services: Services) -> App:
    bolt_logger = logging.getLogger("slack_bolt.App")
    bolt_logger.addFilter(_ignore_token_skipped)
    app = App(
        signing_secret=settings.slack_signing_secret or None,
        client=client,
        token_verification_enabled=False,  # __main__ checked the token once, before forking workers
        request_verification_enabled=not settings.socket_mode,
        # Every listener acks and hands its work to AfterAck at once, so Bolt may run it in the request's own
        # thread: its default hands it to another thread and polls for the ack every 10 ms, holding this one.
        process_before_response=True,
        logger=bolt_logger,
    )
    listeners.register(app, services)

    @app.error
    def unexpected(error: Exception, body: dict[str, Any]) -> None:
        # Only the kind of payload and the exception type: bodies and messages may carry the number.
        kind = body.get("command") or body.get("type") or "request"
        log.error("unexpected %s while handling %s", type(error).__name__, kind, exc_info=error)

    return app


def _ignore_token_skipped(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client (pointed at SLACK_API_URL) wins: it should."""
    return "`token` will be unused" not in record.getMessage()


def with_hash_key(settings: Settings, *, quiet: bool = False) -> Settings:
    """Outside production a missing GONG_ERASE_HASH_KEY is made once, in a file beside the database."""
    if settings.hash_key:
        return settings
    (log.debug if quiet else log.warning)(
        "GONG_ERASE_HASH_KEY is not set: using the development key in %s.hashkey. Set GONG_ERASE_ENV=production "
        "and GONG_ERASE_HASH_KEY for a real deployment (see README).", settings.db_path,
    )  # fmt: skip
    key = development_key(settings.db_path, create=True)
    return dataclasses.replace(settings, storage=dataclasses.replace(settings.storage, hash_key=key))
