"""Every refusal and failure the bot tells a person, in words that say what to do instead (pure)."""

from __future__ import annotations

from ..domain.approval import ApprovalPolicy
from ..domain.request import State
from ..domain.target import TargetKind
from ..errors import Refusal, Why
from .blocks import Message, escape, section, user
from .words import NOUN, describe_approvers

__all__ = [
    "ACCEPTED_EMAIL", "ACCEPTED_FORM", "CLOSED", "explain", "gong_failure", "gong_gave_up", "gong_internal_error",
    "lookup_failure", "notice", "refusal", "refused", "slack_unavailable", "undeliverable", "unreadable_identifier",
]  # fmt: skip

ACCEPTED_FORM = "+1 425 555 2671"
ACCEPTED_EMAIL = "jane.doe@example.com"
_EXAMPLE = f"`/gong-erase {ACCEPTED_FORM} DSR-1234`"

# `{approvers}` is filled in from the policy; every other field comes from the refusal's facts.
_WORDS: dict[Why, str] = {
    Why.TEXT_TOO_LONG: "That is {length:,} characters. Send the phone number or email address and a short reason "
    "(under {limit:,} characters), e.g. " + _EXAMPLE + ".",
    Why.NO_IDENTIFIER: "Give the phone number to erase, e.g. " + _EXAMPLE + ".",
    Why.NOT_AN_IDENTIFIER: "Start with the phone number or email address to erase, e.g. "
    + _EXAMPLE
    + f" or `/gong-erase {ACCEPTED_EMAIL} DSR-1234`. Type `/gong-erase help` for more.",
    Why.NO_PLUS: "The number needs a leading + and its country code, because Gong matches numbers only in that "
    f"form. Write it like `{ACCEPTED_FORM}` (+1 is the US and Canada, +44 the UK, +49 Germany).",
    Why.EXTENSION: "Phone extensions can't be erased: Gong ignores the `ext`/`x` and would glue the extension's "
    f"digits onto the number, matching someone else. Give the main number only, e.g. `{ACCEPTED_FORM}`.",
    Why.LETTERS_IN_NUMBER: "The number has letters or symbols in it. Gong ignores everything but digits, so it "
    f"would look for a different number. Write the number in digits only, e.g. `{ACCEPTED_FORM}`.",
    Why.IMPOSSIBLE_NUMBER: "That is not a phone number that can exist: check the country code and the number of "
    f"digits, e.g. `{ACCEPTED_FORM}`.{{hint}}",
    Why.ONLY_A_NUMBER: "Expected only a phone number, but found more after it.",
    Why.BAD_EMAIL: "Gong couldn't match that email address: {problem} Write the address on its own, like "
    f"`{ACCEPTED_EMAIL}`, then the reason.",
    Why.REASON_TOO_LONG: "The reason is {length:,} characters; keep it under {limit} (a ticket id and a few words "
    "are enough).",
    Why.REGIME_NEEDED: "Say which law applies after the date: `gdpr` (30 days) or `ccpa` (45 days).",
    Why.BAD_DATE: "`received:{text}` is not a date: write it like `received:{today}`.",
    Why.FUTURE_DATE: "`received:{text}` is in the future; give the day the data subject asked.",
    Why.STATUS_NEEDS_ID: "Give the request id, e.g. `/gong-erase status ER-7K2M9QXA`.",
    Why.CHANNEL_NOT_ALLOWED: "Erase requests can't be made in this channel. Use one of the channels your admins set "
    "up for them (ask them which: it is GONG_ERASE_CHANNELS in the bot's settings).",
    Why.DM_NEEDS_APPROVAL_CHANNEL: "Requests can't be made in a direct message here: approvers would not see them "
    "(no approvals channel is set up: GONG_ERASE_APPROVAL_CHANNEL). Use `/gong-erase` in a channel the bot is in.",
    Why.BATCH_TOO_LARGE: "That batch has {size:,} {unit}; one batch may have at most {limit:,} {unit}. Split it and "
    "send the parts one after the other (Gong allows 10,000 calls a day for everything).",
    Why.BATCH_NOT_TEXT: "That file is not text in UTF-8. Export it as CSV (UTF-8) or plain text, one identifier per "
    "line.",
    Why.ONE_PER_LINE: "Put one phone number or email address on each line, and nothing else (a reason goes in the "
    "form, or in a `reason` column of a CSV file).",
    Why.TOO_MANY_IDENTIFIERS: "That is {count} identifiers; one request (one person) takes at most {limit}. For "
    "more, use `/gong-erase bulk`.",
    Why.BATCH_EMPTY: "Paste the identifiers (one per line) or attach a CSV or text file: the form had neither.",
    Why.BATCH_NEEDS_REASON: "Give the batch a reason: the ticket number, and `received:YYYY-MM-DD` with `gdpr` or "
    "`ccpa` if a deadline applies.",
    Why.REASON_PATTERN: "The reason must include your ticket reference, in the form this workspace asks for: "
    "`{pattern}` (a regular expression). Add the reference after the number or address and try again.",
    Why.NOT_APPROVER: "Only the configured approvers can approve or reject erase requests. Ask one of them: "
    "{approvers}.",
    Why.SELF_APPROVAL: "You made this request, so you can't approve it yourself: another approver has to. "
    "Approvers: {approvers}.",
    Why.BREAK_GLASS_JUSTIFY: "You made this request: approving it yourself is break-glass, and needs a "
    "justification. Press Approve again and give one (every other approver is told).",
    Why.NOT_REQUESTER_SUBMIT: "Only {requester}, who started this request, can submit it.",
    Why.NOT_REQUESTER_CANCEL: "Only {requester}, who made this request, can cancel it. Approvers can reject it "
    "instead.",
    Why.NOT_APPROVER_REJECT: "Only the configured approvers can reject erase requests (the requester can cancel "
    "instead). Approvers: {approvers}.",
    Why.NOT_APPROVER_REVEAL: "Only approvers can see the full {noun}; the requester has it in their ticket. "
    "Approvers: {approvers}.",
    Why.NOT_APPROVER_LOOKUP: "Only approvers can look up erase records. Approvers: {approvers}.",
    Why.NOT_APPROVER_RETRY: "Only approvers can send a batch's failed items again. Approvers: {approvers}.",
    Why.NOT_ALLOWED_STATUS: "Only the person who made a request and the approvers can see its history.",
    Why.UNKNOWN_REQUEST: "I can't find that erase request. Start a new one with `/gong-erase`.",
    Why.UNKNOWN_BUTTON: "That button doesn't belong to a request I know. Start a new one with `/gong-erase`.",
    Why.ALREADY_APPROVED: "You already approved this request; it is waiting for {waiting} more approval(s).",
    Why.IDENTIFIER_GONE: "The full {noun} of request `{request_id}` is no longer kept by the bot.",
    Why.BATCH_NOT_SHOWN: "A batch's identifiers are not shown in Slack: check them against the list or file batch "
    "`{request_id}` was made from (its requester has it; the masked samples on the message match its lines).",
    Why.IDENTIFIER_UNREADABLE: "The stored {noun} of request `{request_id}` cannot be decrypted (it was altered, or "
    "its key is not configured). Nothing will be sent to Gong for it; ask the bot's admin to check its keys.",
    Why.NOTHING_TO_RETRY: "No failed item of this batch can be sent again: none failed, they were sent again "
    "already, or their identifiers were forgotten after the retry window. Start a new batch with `/gong-erase bulk` "
    "for any that still need erasing (the results file in the thread lists them).",
    Why.TOO_MANY_DRAFTS: "You have {count} erase requests you haven't submitted yet. Submit or cancel some of them "
    "(their private confirmations are above), or let them expire, then try again.",
}

# Why a button on a request in this state no longer does anything.
CLOSED: dict[State, str] = {
    State.DRAFT: "This request hasn't been submitted yet.",
    State.PENDING: "This request is still waiting for approval.",
    State.APPROVED: "This request is already approved; the erase is being sent to Gong.",
    State.SUBMITTED: "This request was already approved and sent to Gong.",
    State.VERIFIED: "This request was approved, sent to Gong, and Gong has since erased the data.",
    State.UNVERIFIED: "This request was sent to Gong, but the data was still there at the last check; see the thread.",
    State.FAILED: "This request was approved, but Gong refused it; see the thread. Start a new one if needed.",
    State.REJECTED: "This request was rejected. Start a new one with `/gong-erase` if needed.",
    State.CANCELLED: "This request was cancelled. Start a new one with `/gong-erase` if needed.",
    State.EXPIRED: "This request expired before it was approved. Start a new one with `/gong-erase`.",
}

_LETTERS_HINT = " If the number goes on with letters (like 1-800-FLOWERS), write those as digits: Gong ignores letters."


def explain(refused: Refusal, policy: ApprovalPolicy | None = None) -> str:
    """The words for a refusal: what was wrong, and what to do instead."""
    facts = dict(refused.facts)
    if refused.why is Why.CLOSED:
        return CLOSED[State(str(facts["state"]))]
    if "requester" in facts:
        facts["requester"] = user(str(facts["requester"]))
    if "pattern" in facts:
        facts["pattern"] = escape(str(facts["pattern"]))
    if "kind" in facts:
        facts["noun"] = NOUN[TargetKind(str(facts["kind"]))]
    facts["hint"] = _LETTERS_HINT if facts.get("letters_follow") else ""
    facts["approvers"] = describe_approvers(policy) if policy else "your admins know who"
    return _WORDS[refused.why].format(**facts)


def refused(why: Refusal, policy: ApprovalPolicy | None = None) -> Message:
    """A refusal as the private message that says it."""
    return refusal(explain(why, policy))


def refusal(message: str) -> Message:
    """A private refusal, with a warning sign."""
    return message, [section(f":warning: {message}")]


def notice(message: str) -> Message:
    """A private note, as written."""
    return message, [section(message)]


def slack_unavailable(code: str, *, deciding: bool) -> str:
    """Slack could not say who is in an approver group, so who may act cannot be checked."""
    if deciding:
        return "I couldn't check who may approve (Slack didn't answer). Try again."
    return f"I couldn't check who may see this ({code}). Try again."


def undeliverable(request_id: str, code: str, *, unreachable_channel: bool) -> str:
    """The approval message could not be posted, so the request was cancelled before anything was public."""
    if unreachable_channel:
        return (
            f"I couldn't post request `{request_id}` in this channel ({code}). Invite me first "
            "(`/invite @gong-erase`), then run `/gong-erase` again. Nothing was sent to Gong."
        )
    return (
        f"Slack would not take the approval message for `{request_id}` ({code}), so the request is "
        "cancelled and nothing was sent to Gong. Try `/gong-erase` again in a few minutes; if it keeps "
        "failing, ask the bot's admin to check its log."
    )


def gong_failure(status: int) -> str:
    """Why Gong refused an erase for good, and who should do what about it."""
    if status == 401:
        return (
            "Gong rejected the bot's API credentials (401). An admin should check GONG_ACCESS_KEY and "
            "GONG_ACCESS_KEY_SECRET; then start a new request."
        )
    if status == 403:
        return "The Gong API key is not allowed to erase data (403). An admin should check its permissions."
    if status == 400:
        return (
            "Gong refused the erase request (400). If Gong's data-integrity protection stopped an unusually "
            "large deletion, contact help@gong.io with the requestId below."
        )
    return f"Gong refused the erase request ({status})."


def gong_gave_up(error: str, attempts: int, *, rate_limited: bool = False) -> str:
    """Gong kept failing; the erase was not sent (or not confirmed) and a new request is needed."""
    if rate_limited:
        return "Gong kept answering that the API rate limit was reached."
    return (
        f"Gong could not be reached or kept failing ({error}) after {attempts} attempts. Try again later with a "
        "new request; if it persists, contact help@gong.io."
    )


def unreadable_identifier(kind: TargetKind) -> str:
    """Why an approved request was not sent: its stored identifier does not decrypt."""
    return (
        f"The stored {NOUN[kind]} could not be decrypted (it does not belong to this request, was altered, or its "
        "key is not configured), so nothing was sent to Gong. An admin should check GONG_ERASE_DATA_KEY and "
        "run `python -m bot audit verify`; then start a new request."
    )


def gong_internal_error(error: str) -> str:
    """The bot itself failed while erasing, repeatedly."""
    return f"The bot hit an internal error ({error}); ask an admin to check"


def lookup_failure(
    status: int | None = None, *, error: str = "", rate_limited: bool = False, gone: TargetKind | None = None
) -> str:
    """Why a preview or a check could not be made (shown to approvers; the flow goes on without it)."""
    if gone is not None:
        return f"the {NOUN[gone]} is no longer kept, or cannot be decrypted"
    if rate_limited:
        return "Gong kept answering that the API rate limit was reached"
    if status in {401, 403}:
        return f"Gong refused the lookup ({status}): the API key may lack the api:data-privacy:read scope"
    if status is not None:
        return f"Gong refused the lookup ({status})"
    return f"Gong did not answer ({error})"
