"""The /gong-erase slash command: answered in the ack itself, privately, within milliseconds."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App

from .. import messages
from ..decisions import Decisions
from ..errors import Refusal, SlackError
from ..slack import ApproverGroups, Slack
from ..targets import parse_erase_text
from .payloads import SlashCommand

log = logging.getLogger(__name__)


def register(
    app: App, decisions: Decisions, channels: frozenset[str] | None, slack: Slack, groups: ApproverGroups
) -> None:
    def lookup(slash: SlashCommand) -> tuple[str, messages.Blocks]:
        """`/gong-erase lookup <number|address>`: answered after the ack (it may ask Slack for group members)."""
        policy = decisions.policy
        user_groups = frozenset() if slash.user_id in policy.users else groups.groups_of(slash.user_id)
        try:
            target, found = decisions.find_proof(slash.text.strip()[len("lookup") :], slash.user_id, user_groups)
        except Refusal as refusal:
            return messages.refusal(refusal.message)
        return messages.proof(target.masked, found)

    @app.command("/gong-erase")
    def gong_erase(ack: Ack, command: dict[str, object]) -> None:
        slash = SlashCommand.from_payload(command)
        if slash.text.strip().lower().split(" ", 1)[0] == "lookup":
            ack()
            try:
                text, blocks = lookup(slash)
            except SlackError as exc:
                text, blocks = messages.refusal(f"I couldn't check who may look up records ({exc.code}). Try again.")
            body = {"text": text, "blocks": blocks, "response_type": "ephemeral"}
            try:
                slack.respond(slash.response_url, body)
            except SlackError as exc:
                log.warning("could not answer a lookup privately (%s)", exc.code)
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
