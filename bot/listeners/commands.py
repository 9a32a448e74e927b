"""The /gong-erase slash command: answered in the ack itself, privately, within milliseconds."""

from __future__ import annotations

from slack_bolt import Ack, App

from .. import messages
from ..decisions import Decisions
from ..errors import Refusal
from ..targets import parse_erase_text
from .payloads import SlashCommand


def register(app: App, decisions: Decisions, channels: frozenset[str] | None) -> None:
    @app.command("/gong-erase")
    def gong_erase(ack: Ack, command: dict[str, object]) -> None:
        slash = SlashCommand.from_payload(command)
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
