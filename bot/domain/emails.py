"""Check and mask email addresses the way Gong matches them (pure; uses email-validator)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from ..errors import InputRejected, Why
from .text import clean

# Slack may hand a typed address over as a link: <mailto:jane@example.com|jane@example.com>
_SLACK_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$", re.IGNORECASE)
# How people and systems spell the @ and the dot when they would rather a machine did not see an address
AT = r"(?:\s*@\s*|%40|\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+)"
DOT = r"(?:\.|%2e|\s*[(\[{]\s*dot\s*[)\]}]\s*)"
_EMAIL_IN_TEXT = re.compile(rf"[\w.+'%-]+{AT}[\w-]+(?:{DOT}[\w-]+)+", re.IGNORECASE)


@dataclass(frozen=True)
class EmailAddress:
    """An address Gong can match: normalised (domain lower-cased), never in a repr."""

    address: str = field(repr=False)

    @property
    def masked(self) -> str:
        """The address as channels see it."""
        return mask_email(self.address)


def looks_like_email(token: str) -> bool:
    """Whether the first word of a command is meant as an address (and so is checked as one)."""
    return "@" in token or token.lower().startswith("<mailto:")


def parse_email(token: str) -> EmailAddress:
    """One address as typed (or as Slack linked it); InputRejected says what Gong could not match."""
    link = _SLACK_MAILTO.match(token)
    candidate = link.group(1) if link else token
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[len("mailto:") :]
    candidate = candidate.strip("<>")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        # email-validator explains the flaw ("The part after the @-sign is not valid…") without the address
        raise InputRejected(Why.BAD_EMAIL, problem=str(exc)) from None
    return EmailAddress(checked.normalized)


def mask_email(address: str) -> str:
    """`j•••@example.com`: the first character and the domain, enough to recognise, not to write to."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def redact_emails(text: str) -> str:
    """Replace anything that looks like an email address in free text (e.g. a Gong error) by a mark."""
    return _EMAIL_IN_TEXT.sub("[address removed]", clean(text))
