"""Modal submissions: the bulk modal is checked within Slack's 3 s (its errors shown beside the fields), and the
batch is received; reading its list and file is a job."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from ..errors import Refusal, Why
from ..render import refusals
from ..service import Services
from .payloads import bulk_form

__all__ = ["register"]

log = logging.getLogger(__name__)

# Which field a refusal of the bulk modal belongs beside.
_REASON_FIELD = {
    Why.BATCH_NEEDS_REASON,
    Why.REASON_TOO_LONG,
    Why.BAD_DATE,
    Why.FUTURE_DATE,
    Why.REGIME_NEEDED,
    Why.REASON_PATTERN,
}


def register(app: App, services: Services) -> None:
    """The bulk modal (`callback_id` erase_bulk)."""
    policy = services.decisions.policy

    @app.view("erase_bulk")
    def bulk_submitted(ack: Ack, body: dict[str, Any]) -> None:
        form = bulk_form(body)
        user = body.get("user") or {}
        try:
            services.batches.receive(form, requester=str(user.get("id", "")),
                                     team=str((body.get("team") or {}).get("id", "")))  # fmt: skip
        except Refusal as refusal:
            block = "bulk_reason" if refusal.why in _REASON_FIELD else "bulk_identifiers"
            log.info("bulk modal refused (%s)", refusal.why.value)
            ack(response_action="errors", errors={block: refusals.explain(refusal, policy)})
            return
        ack()
