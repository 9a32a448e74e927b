"""Modal submissions: the bulk modal is checked within Slack's 3 s (its errors shown beside the fields), and the
batch is received; reading its list and file is a job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from ..errors import Refusal, SlackError, Why
from ..render import refusals
from ..service import Services
from .payloads import DecisionForm, bulk_form

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
    """The bulk modal (`callback_id` erase_bulk), the reason for a rejection (`erase_reject_reason`) and the
    justification of a break-glass approval (`erase_break_glass`)."""
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

    @app.view("erase_reject_reason")
    def rejection_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submitted(ack, body, ("reject_reason", "reason"), "Say why the request is rejected.",
                  lambda form, user: services.decisions.reject(form.request_id, user, form.reason))  # fmt: skip

    @app.view("erase_break_glass")
    def break_glass_submitted(ack: Ack, body: dict[str, Any]) -> None:
        submitted(ack, body, ("break_glass", "justification"), "Give the justification for approving it yourself.",
                  lambda form, user: services.decisions.approve(form.request_id, user, form.reason))  # fmt: skip

    def submitted(ack: Ack, body: dict[str, Any], field: tuple[str, str], empty: str,
                  decide: Callable[[DecisionForm, str], object]) -> None:  # fmt: skip
        """Check the modal's one field within Slack's 3 s (errors beside it), then decide after the ack."""
        block_id, action_id = field
        user = str((body.get("user") or {}).get("id", ""))
        try:
            form = DecisionForm.from_body(body, block_id, action_id)
        except Refusal as refusal:
            ack(response_action="errors", errors={block_id: refusals.explain(refusal, policy)})
            return
        if not form.reason.strip():
            ack(response_action="errors", errors={block_id: empty})
            return
        ack()
        services.after_ack(lambda: _decide(services, form, user, decide))


def _decide(services: Services, form: DecisionForm, user: str, decide: Callable[[DecisionForm, str], object]) -> None:
    """The decision the modal asked for, taken now; if the request was decided while the modal was open (or the
    person may decide no more), nothing changes and they are told privately where they clicked."""
    try:
        decide(form, user)
    except Refusal as refusal:
        log.info("decision on %s by %s refused (%s)", form.request_id, user, refusal.why.value)
        text, blocks = refusals.refused(refusal, services.decisions.policy)
        _tell(services, form, user, text, blocks)
        return
    except SlackError as exc:
        text, blocks = refusals.refusal(refusals.slack_unavailable(exc.code, deciding=True))
        _tell(services, form, user, text, blocks)
        return
    if form.from_home:
        services.home.publish(user, f":white_check_mark: `{form.request_id}` done.")


def _tell(services: Services, form: DecisionForm, user: str, text: str, blocks: list[dict[str, Any]]) -> None:
    if form.from_home:
        services.home.publish(user, f"`{form.request_id}`: {text}")
        return
    try:
        services.slack.post_ephemeral(form.channel, user, text, blocks)
    except SlackError as exc:
        log.warning("could not tell %s why their decision did not count (%s)", user, exc.code)
