"""Composition root: wires settings, store, Gong and Slack into the Bolt app and the job worker."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from .budget import GongBudget
from .config import Settings
from .decisions import Decisions
from .erasure import ApprovalPolicy
from .gong import GongClient
from .keys import development_key
from .listeners import actions, commands, events
from .slack import ApproverGroups, Slack
from .store import Store
from .worker import RetryPolicy, Worker

log = logging.getLogger(__name__)


@dataclass
class Bot:
    app: App
    decisions: Decisions
    worker: Worker
    store: Store


def create_app(settings: Settings, store: Store, gong: GongClient, slack_client: WebClient) -> Bot:
    """Build the Bolt app and its worker; nothing starts running until `bot.worker.start()`."""
    policy = ApprovalPolicy(
        users=settings.approver_users,
        groups=settings.approver_groups,
        required=settings.required_approvals,
        allow_self_approval=settings.allow_self_approval,
    )
    slack = Slack(slack_client)
    decisions = Decisions(
        store, policy, settings.request_ttl, remind_after=settings.remind_after, hash_key=settings.hash_key,
        default_regime=settings.default_regime,
    )  # fmt: skip
    worker = Worker(
        store,
        gong,
        slack,
        policy,
        budget=GongBudget(store, settings.gong_rate_per_second, settings.gong_daily_limit),
        retry=RetryPolicy(
            max_attempts=settings.gong_max_attempts,
            backoff=settings.gong_retry_backoff,
            retry_after_cap=settings.gong_retry_after_cap,
        ),
        lease=settings.job_lease,
        poll_interval=settings.poll_interval,
        expire=decisions.expire_due,
        verify_after=settings.verify_after,
        remind_after=settings.remind_after,
    )
    decisions.wake = worker.wake
    bolt_logger = logging.getLogger("slack_bolt.App")
    bolt_logger.addFilter(_ignore_token_skipped)
    app = App(
        signing_secret=settings.slack_signing_secret or None,
        client=slack_client,
        token_verification_enabled=False,  # __main__ checked the token once, before forking workers
        request_verification_enabled=not settings.socket_mode,
        logger=bolt_logger,
    )
    groups = ApproverGroups(slack, settings.approver_groups)
    commands.register(app, decisions, settings.channels, slack, groups)
    actions.register(app, decisions, slack, groups)
    events.register(app, decisions, slack, groups)

    @app.error
    def unexpected(error: Exception, body: dict[str, Any]) -> None:
        # Only the kind of payload and the exception type: bodies and messages may carry the number.
        kind = body.get("command") or body.get("type") or "request"
        log.error("unexpected %s while handling %s", type(error).__name__, kind, exc_info=error)

    return Bot(app=app, decisions=decisions, worker=worker, store=store)


def _ignore_token_skipped(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client (pointed at SLACK_API_URL) wins: it should."""
    return "`token` will be unused" not in record.getMessage()


def build(settings: Settings) -> Bot:
    """The real adapters: a SQLite file, Gong over HTTPS, the Slack Web API."""
    if not settings.hash_key:
        settings = dataclasses.replace(settings, hash_key=development_key(settings.db_path, create=True))
        log.warning(
            "GONG_ERASE_HASH_KEY is not set: using the development key in %s.hashkey. Set GONG_ERASE_ENV=production "
            "and GONG_ERASE_HASH_KEY for a real deployment (see README).", settings.db_path,
        )  # fmt: skip
    store = Store(settings.db_path, settings.hash_key)
    gong = GongClient(
        settings.gong_base_url, settings.gong_access_key, settings.gong_access_key_secret, settings.gong_timeout
    )
    slack_client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    return create_app(settings, store, gong, slack_client)
