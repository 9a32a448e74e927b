"""What an erase request is about: a phone number or an email address, parsed from the command (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import InputRejected, Why
from . import emails, phones
from .text import clean

__all__ = ["EraseCommand", "Target", "TargetKind", "parse_erase_text", "redact", "scrub_reason"]

_TYPED_NUMBER = re.compile(r"\(?" + phones.NUMBER_IN_TEXT.pattern)


class TargetKind(StrEnum):
    """Which of Gong's erase endpoints a request goes to."""

    PHONE = "phone"
    EMAIL = "email"
    BATCH = "batch"  # a batch of both (domain.batch): its items go to Gong one by one, the batch itself never
    SUBJECT = "subject"  # one person's several identifiers (domain.subject): items, as a batch's

    @property
    def has_items(self) -> bool:
        """A request whose identifiers are its items (a batch, or one person's several), never its own."""
        return self in {TargetKind.BATCH, TargetKind.SUBJECT}


@dataclass(frozen=True)
class Target:
    """The identifier Gong gets, how people read it, and the mask that is all a channel ever sees."""

    kind: TargetKind
    identifier: str = field(repr=False)  # E.164, or the normalised address: exactly what goes to Gong
    display: str = field(repr=False)  # +1 425-555-2671, or the address
    masked: str
    country: str = ""
    valid: bool = True  # False: a possible phone number its country does not use (yet)


@dataclass(frozen=True)
class EraseCommand:
    """What `/gong-erase <number|address> [reason…]` asked for."""

    target: Target
    reason: str


def parse_erase_text(text: str) -> EraseCommand:
    """A phone number or an email address, then the reason (cleaned: see domain.text); InputRejected says what
    was wrong with it."""
    text = clean(text).strip()
    if len(text) > phones.MAX_TEXT_LENGTH:
        raise InputRejected(Why.TEXT_TOO_LONG, length=len(text), limit=phones.MAX_TEXT_LENGTH)
    first, rest = [*text.split(maxsplit=1), "", ""][:2]
    if not emails.looks_like_email(first):
        command = phones.parse_command_text(text)
        number = command.number
        target = Target(TargetKind.PHONE, number.e164, number.international, number.masked, number.country,
                        number.valid)  # fmt: skip
        return EraseCommand(target, scrub_reason(command.reason, target))
    address = emails.parse_email(first)
    reason = rest.strip()
    phones.check_reason_length(reason)
    target = Target(TargetKind.EMAIL, address.address, address.address, address.masked)
    return EraseCommand(target, scrub_reason(reason, target))


def scrub_reason(reason: str, target: Target) -> str:
    """The reason is public: if the requester typed the number or address into it again, in any spelling, show
    the mask there. `reason` has been cleaned (zero-width characters gone, digits and dashes folded).

    Only this identifier is replaced, so ticket numbers (DSR-20261129) stay as written."""
    if target.kind is TargetKind.EMAIL:
        return _spelled_address(target.identifier).sub(target.masked, reason)
    digits = "".join(ch for ch in target.identifier if ch.isdigit())

    def mask_if_same(match: re.Match[str]) -> str:
        typed = "".join(ch for ch in match.group(0) if ch.isdigit())
        same = digits.endswith(typed) or typed.endswith(digits[-7:])
        return target.masked if same else match.group(0)

    return _TYPED_NUMBER.sub(mask_if_same, reason)


def _spelled_address(address: str) -> re.Pattern[str]:
    """The address as written, percent-encoded, or with its @ and dots spelled out or spaced."""
    local, _, domain = address.rpartition("@")

    def dotted(part: str) -> str:
        return emails.DOT.join(re.escape(piece) for piece in part.split("."))

    return re.compile(dotted(local) + emails.AT + dotted(domain), re.IGNORECASE)


def redact(text: str) -> str:
    """Free text (a Gong error, say) with anything like a phone number or an email address removed."""
    return phones.redact_numbers(emails.redact_emails(text))
