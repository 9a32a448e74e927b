"""The buttons: acknowledged first, then decided atomically; refusals go privately to whoever clicked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from .. import messages
from ..decisions import Decisions
from ..errors import Refusal, SlackError
from ..slack import ApproverGroups, Slack
from .events import publish_home
from .payloads import Click

log = logging.getLogger(__name__)


def answer_privately(decisions: Decisions, slack: Slack, groups: ApproverGroups, click: Click,
                     message: tuple[str, messages.Blocks], replace: bool) -> None:  # fmt: skip
    """Through the click's response_url; in the Home tab, which has none, at the top of the republished tab."""
    text, blocks = message
    if click.from_home:
        said = messages.plain_fallback(blocks)
        notice = said if click.request_id in said else f"`{click.request_id}`: {said}"
        publish_home(decisions, slack, groups, click.user_id, notice=notice)
        return
    try:
        slack.respond(click.response_url, text, blocks, replace)
    except SlackError as exc:
        log.warning("could not answer %s privately (%s)", click.user_id, exc.code)


def register(app: App, decisions: Decisions, slack: Slack, groups: ApproverGroups) -> None:
    policy = decisions.policy

    def tell(click: Click, message: tuple[str, messages.Blocks], replace: bool = False) -> None:
        answer_privately(decisions, slack, groups, click, message, replace)

    def handle(action: Callable[[Click], tuple[str, messages.Blocks] | None]) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any]) -> None:
            ack()
            try:
                click = Click.from_body(body)
            except Refusal as refusal:
                log.info("click with an unknown request id")
                if body.get("response_url"):
                    tell(Click("", "", "", "", str(body["response_url"]), False), messages.refusal(refusal.message))
                return
            try:
                reply = action(click)
            except Refusal as refusal:
                log.info(
                    "%s on %s by %s refused (%s)",
                    click.action_id, click.request_id, click.user_id, type(refusal).__name__,
                )  # fmt: skip
                tell(click, messages.refusal(refusal.message))
                return
            except SlackError as exc:
                log.warning("%s on %s: Slack lookup failed (%s)", click.action_id, click.request_id, exc.code)
                tell(click, messages.refusal("I couldn't check who may approve (Slack didn't answer). Try again."))
                return
            if reply is not None:
                tell(click, reply, replace=click.from_ephemeral)
            elif click.from_home:
                done = {"erase_approve": "approved: the erase is on its way to Gong", "erase_reject": "rejected"}
                what = done.get(click.action_id, "updated")
                tell(click, messages.notice(f":white_check_mark: `{click.request_id}` {what}."))

        return listener

    def groups_of(user_id: str) -> frozenset[str]:
        return groups.needed_for(user_id, policy.users)

    def submit(click: Click) -> None:
        decisions.submit(click.request_id, click.user_id, click.response_url)

    def approve(click: Click) -> tuple[str, messages.Blocks] | None:
        result = decisions.approve(click.request_id, click.user_id, groups_of(click.user_id))
        if result.decided:
            return None
        request = result.request
        missing = request.required_approvals - len(request.approvals)
        return messages.notice(
            f":ballot_box_with_check: Your approval of `{request.id}` is recorded ({len(request.approvals)} of "
            f"{request.required_approvals}). It needs {missing} more before anything is sent to Gong."
        )

    def reject(click: Click) -> None:
        decisions.reject(click.request_id, click.user_id, groups_of(click.user_id))

    def cancel(click: Click) -> tuple[str, messages.Blocks] | None:
        request = decisions.cancel(click.request_id, click.user_id)
        return messages.closed_ephemeral(request) if click.from_ephemeral else None

    def show_number(click: Click) -> tuple[str, messages.Blocks]:
        return messages.revealed(decisions.reveal(click.request_id, click.user_id, groups_of(click.user_id)))

    app.action("erase_submit")(handle(submit))
    app.action("erase_show_number")(handle(show_number))
    app.action("erase_approve")(handle(approve))
    app.action("erase_reject")(handle(reject))
    app.action("erase_cancel")(handle(cancel))
