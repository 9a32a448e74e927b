"""The /gong-erase slash command: an erase request is answered in the ack itself, privately, within
milliseconds; lookup, status and list right after it."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App

from .. import messages, reports
from ..decisions import Decisions
from ..errors import InputRejected, Refusal, SlackError
from ..slack import ApproverGroups, Slack
from ..targets import parse_erase_text
from .payloads import REQUEST_ID, SlashCommand

log = logging.getLogger(__name__)


def register(
    app: App, decisions: Decisions, channels: frozenset[str] | None, slack: Slack, groups: ApproverGroups
) -> None:
    def approver_groups(user_id: str) -> frozenset[str]:
        return groups.needed_for(user_id, decisions.policy.users)

    def lookup(slash: SlashCommand, rest: str) -> tuple[str, messages.Blocks]:
        target, found = decisions.find_proof(rest, slash.user_id, approver_groups(slash.user_id))
        return reports.proof(target.masked, found)

    def status(slash: SlashCommand, rest: str) -> tuple[str, messages.Blocks]:
        request_id = rest.strip().upper()
        if not REQUEST_ID.fullmatch(request_id):
            raise InputRejected("Give the request id, e.g. `/gong-erase status ER-7K2M9QXA`.")
        request, trail = decisions.status(request_id, slash.user_id, lambda: approver_groups(slash.user_id))
        return reports.status(request, trail)

    def overview(slash: SlashCommand, rest: str) -> tuple[str, messages.Blocks]:
        mine, pending = decisions.overview(slash.user_id, approver_groups(slash.user_id))
        return reports.overview(mine, pending)

    # Answered after the ack: these may ask Slack who is in an approver group, which can take a moment.
    after_ack = {"lookup": lookup, "status": status, "list": overview}

    @app.command("/gong-erase")
    def gong_erase(ack: Ack, command: dict[str, object]) -> None:
        slash = SlashCommand.from_payload(command)
        word, _, rest = slash.text.strip().partition(" ")
        if word.lower() in after_ack:
            ack()
            try:
                text, blocks = after_ack[word.lower()](slash, rest)
            except Refusal as refusal:
                text, blocks = messages.refusal(refusal.message)
            except SlackError as exc:
                text, blocks = messages.refusal(f"I couldn't check who may see this ({exc.code}). Try again.")
            try:
                slack.respond(slash.response_url, text, blocks)
            except SlackError as exc:
                log.warning("could not answer /gong-erase %s privately (%s)", word.lower(), exc.code)
            return
        if slash.text.strip().lower() in {"", "help"}:
            text, blocks = messages.usage()
        elif channels is not None and not ({slash.channel_id, slash.channel_name.lower()} & channels):
            text, blocks = messages.refusal(
                "Erase requests can't be made in this channel. Use one of the channels your admins set up "
                "for them (ask them which: it is GONG_ERASE_CHANNELS in the bot's settings)."
            )
        else:
            try:
                erase = parse_erase_text(slash.text)
                request = decisions.start(erase, slash.user_id, slash.channel_id, slash.team_id, slash.trigger_id)
                text, blocks = messages.confirmation(request)
            except Refusal as refusal:
                text, blocks = messages.refusal(refusal.message)
        ack(text=text, blocks=blocks, response_type="ephemeral")
