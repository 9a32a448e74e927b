"""The /gong-erase slash command: an erase request is answered in the ack itself, privately, within
milliseconds; lookup, status and list right after it (they may ask Slack who is in an approver group)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App

from ..domain.subject import SubjectCommand, parse_request_text
from ..domain.workspace import is_direct_message
from ..errors import InputRejected, Refusal, SlackError, Why
from ..render import batches, refusals, reports, requests, subjects
from ..render.blocks import Message
from ..service import Services
from .payloads import REQUEST_ID, SlashCommand

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """The one slash command and its subcommands."""
    decisions, queries = services.decisions, services.queries
    policy = decisions.policy

    def lookup(slash: SlashCommand, rest: str) -> Message:
        target, found, in_batches = queries.find_proof(rest, slash.user_id)
        return reports.proof(target.masked, found, in_batches)

    def status(slash: SlashCommand, rest: str) -> Message:
        request_id = rest.strip().upper()
        if not REQUEST_ID.fullmatch(request_id):
            raise InputRejected(Why.STATUS_NEEDS_ID)
        request, trail = queries.status(request_id, slash.user_id)
        return reports.status(request, trail, queries.item_counts(request), queries.items_listed(request))

    def overview(slash: SlashCommand, rest: str) -> Message:
        mine, pending = queries.overview(slash.user_id)
        return reports.overview(mine, pending)

    after_ack: dict[str, Callable[[SlashCommand, str], Message]] = {
        "lookup": lookup, "status": status, "list": overview,
    }  # fmt: skip

    def answer_after_ack(slash: SlashCommand, word: str, rest: str) -> None:
        try:
            text, blocks = after_ack[word](slash, rest)
        except Refusal as refusal:
            text, blocks = refusals.refused(refusal, policy)
        except SlackError as exc:
            text, blocks = refusals.refusal(refusals.slack_unavailable(exc.code, deciding=False))
        try:
            services.slack.respond(slash.response_url, text, blocks)
        except SlackError as exc:
            log.warning("could not answer /gong-erase %s privately (%s)", word, exc.code)

    def erase_request(slash: SlashCommand) -> Message:
        text = slash.text.strip()
        if text.lower() in {"", "help"}:
            return requests.usage()
        refused = _channel_refused(services, slash)
        if refused is not None:
            return refused
        try:
            erase = parse_request_text(slash.text)
            if isinstance(erase, SubjectCommand):  # one person's several identifiers: one request
                subject = services.batches.start_subject(erase, requester=slash.user_id, channel=slash.channel_id,
                                                         team=slash.team_id, trigger_id=slash.trigger_id)  # fmt: skip
                return subjects.confirmation(subject, erase)
            request = decisions.start(erase, requester=slash.user_id, channel=slash.channel_id, team=slash.team_id,
                                      trigger_id=slash.trigger_id)  # fmt: skip
        except Refusal as refusal:
            return refusals.refused(refusal, policy)
        return requests.confirmation(request)

    @app.command("/gong-erase")
    def gong_erase(ack: Ack, command: dict[str, object]) -> None:
        slash = SlashCommand.from_payload(command)
        word, _, rest = slash.text.strip().partition(" ")
        if word.lower() == "bulk":
            refused = _channel_refused(services, slash)
            if refused is not None:
                ack(text=refused[0], blocks=refused[1], response_type="ephemeral")
                return
            ack()
            services.after_ack(lambda: _open_bulk(services, slash))
            return
        if word.lower() in after_ack:
            ack()
            services.after_ack(lambda: answer_after_ack(slash, word.lower(), rest))
            return
        text, blocks = erase_request(slash)
        ack(text=text, blocks=blocks, response_type="ephemeral")


def _channel_refused(services: Services, slash: SlashCommand) -> Message | None:
    """The refusal of a command from a channel GONG_ERASE_CHANNELS leaves out, or from a DM with the bot when
    there is no approvals channel for its requests to go to; None where requests may be made."""
    if is_direct_message(slash.channel_id):
        if services.approval_channel:
            return None
        return refusals.refused(Refusal(Why.DM_NEEDS_APPROVAL_CHANNEL), services.decisions.policy)
    channels = services.channels
    if channels is not None and not ({slash.channel_id, slash.channel_name.lower()} & channels):
        return refusals.refused(Refusal(Why.CHANNEL_NOT_ALLOWED), services.decisions.policy)
    return None


def _open_bulk(services: Services, slash: SlashCommand) -> None:
    """The bulk modal, opened with the command's trigger_id (valid for 3 s, once)."""
    try:
        services.slack.open_view(slash.trigger_id, batches.modal(slash.channel_id))
    except SlackError as exc:
        log.warning("could not open the bulk modal (%s)", exc.code)
        text, blocks = refusals.refusal(refusals.slack_unavailable(exc.code, deciding=False))
        try:
            services.slack.respond(slash.response_url, text, blocks)
        except SlackError:
            log.warning("could not tell %s the bulk modal did not open", slash.user_id)
