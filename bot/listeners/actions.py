"""The buttons: acknowledged first, then decided atomically; refusals go privately to whoever clicked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from ..errors import Refusal, SlackError
from ..render import refusals, requests
from ..render.blocks import Message, plain_fallback
from ..service import Services
from .payloads import Click

__all__ = ["register"]

log = logging.getLogger(__name__)


class Asked:
    """A click answered with a modal: nothing is decided (or said) until the modal is submitted."""


Action = Callable[[Click], Message | Asked | None]  # a use case behind a button; the private answer, if any


def register(app: App, services: Services) -> None:
    """Submit, Show number, Approve, Reject and Cancel; a batch's Submit, Cancel and Retry."""
    decisions, queries = services.decisions, services.queries

    def submit(click: Click) -> None:
        decisions.submit(click.request_id, click.user_id, click.response_url)

    def approve(click: Click) -> Message | Asked | None:
        own = decisions.asks_break_glass(click.request_id, click.user_id)
        if own is not None:  # the requester approving their own request: break-glass, justified first
            modal = requests.break_glass_modal(own, channel=click.channel_id, home=click.from_home)
            services.slack.open_view(click.trigger_id, modal)
            return Asked()
        result = decisions.approve(click.request_id, click.user_id)
        return None if result.decided else requests.approval_recorded(result.request)

    def reject(click: Click) -> Asked:
        """Ask the approver why, in a modal; the decision is taken when they answer (listeners.views)."""
        request = decisions.may_reject(click.request_id, click.user_id)
        modal = requests.reject_modal(request, channel=click.channel_id, home=click.from_home)
        services.slack.open_view(click.trigger_id, modal)
        return Asked()

    def cancel(click: Click) -> Message | None:
        request = decisions.cancel(click.request_id, click.user_id)
        return requests.closed_ephemeral(request) if click.from_ephemeral else None

    def show_number(click: Click) -> Message:
        return requests.revealed(*queries.reveal(click.request_id, click.user_id))

    def retry_failed(click: Click) -> Message:
        again = services.batches.retry_failed(click.request_id, click.user_id)
        return refusals.notice(f":repeat: {again:,} failed item(s) of `{click.request_id}` are being sent "
                               "to Gong again; the approval message shows the progress.")  # fmt: skip

    app.action("erase_submit")(_listener(services, submit))
    app.action("bulk_submit")(_listener(services, submit))  # a batch is submitted and cancelled as a request is
    app.action("bulk_cancel")(_listener(services, cancel))
    app.action("bulk_retry")(_listener(services, retry_failed))
    app.action("erase_retry")(_listener(services, retry_failed))  # one person's failed identifiers, the same way
    app.action("erase_show_number")(_listener(services, show_number))
    app.action("erase_approve")(_listener(services, approve))
    app.action("erase_reject")(_listener(services, reject))
    app.action("erase_cancel")(_listener(services, cancel))


def _listener(services: Services, action: Action) -> Callable[..., None]:
    """Ack at once; decide afterwards, on the bot's own threads (see app.AfterAck)."""

    def listener(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        services.after_ack(lambda: _answer(services, action, body))

    return listener


def _answer(services: Services, action: Action, body: dict[str, Any]) -> None:
    """Run the use case behind the click, then answer whoever clicked: its answer, or the refusal in words."""
    policy = services.decisions.policy
    try:
        click = Click.from_body(body)
    except Refusal as refusal:
        log.info("click with an unknown request id")
        if body.get("response_url"):
            nobody = Click("", "", "", "", str(body["response_url"]), from_ephemeral=False)
            _tell(services, nobody, refusals.refused(refusal, policy))
        return
    try:
        reply = action(click)
    except Refusal as refusal:
        log.info("%s on %s by %s refused (%s)", click.action_id, click.request_id, click.user_id,
                 refusal.why.value)  # fmt: skip
        _tell(services, click, refusals.refused(refusal, policy))
        return
    except SlackError as exc:
        log.warning("%s on %s: Slack lookup failed (%s)", click.action_id, click.request_id, exc.code)
        _tell(services, click, refusals.refusal(refusals.slack_unavailable(exc.code, deciding=True)))
        return
    if isinstance(reply, Asked):
        return
    if reply is not None:
        _tell(services, click, reply, replace=click.from_ephemeral)
    elif click.from_home:
        _tell(services, click, requests.done_in_home(click.action_id, click.request_id))


def _tell(services: Services, click: Click, message: Message, replace: bool = False) -> None:
    """Through the click's response_url; in the Home tab, which has none, atop the republished tab."""
    text, blocks = message
    if click.from_home:
        said = plain_fallback(blocks)
        services.home.publish(click.user_id, said if click.request_id in said else f"`{click.request_id}`: {said}")
        return
    try:
        services.slack.respond(click.response_url, text, blocks, replace)
    except SlackError as exc:
        log.warning("could not answer %s privately (%s)", click.user_id, exc.code)
