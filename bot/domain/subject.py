"""One data subject, several identifiers (pure): `/gong-erase +1 425 555 2671, +44 20 7946 0958, jane@example.com
DSR-1234` — identifiers separated by commas or spaces before the reason — is one request for one person. Each
identifier is parsed by the single command's rules; one that is not an identifier is refused on its own, and the
others go on."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputRejected, Why
from . import emails, phones
from .batch import Refused, mask_line
from .target import EraseCommand, Target, TargetKind, parse_erase_text, scrub_reason
from .text import clean

__all__ = ["MAX_SUBJECT_IDENTIFIERS", "SubjectCommand", "parse_request_text"]

MAX_SUBJECT_IDENTIFIERS = 10  # more is a batch: /gong-erase bulk
_NEXT_NUMBER = re.compile(r"^\(?\+\s*\d")


@dataclass(frozen=True)
class SubjectCommand:
    """Several identifiers of one person, in the order typed; the ones refused, by position; the reason."""

    targets: tuple[Target, ...]
    refused: tuple[Refused, ...]
    duplicates: int
    reason: str


def parse_request_text(text: str) -> EraseCommand | SubjectCommand:
    """One identifier and a reason (as ever), or several of one person: InputRejected when none can be read (the
    first one's refusal) or when there are more than MAX_SUBJECT_IDENTIFIERS."""
    text = clean(text).strip()
    if len(text) > phones.MAX_TEXT_LENGTH:
        raise InputRejected(Why.TEXT_TOO_LONG, length=len(text), limit=phones.MAX_TEXT_LENGTH)
    segments = [segment.strip() for segment in text.split(",")]
    targets: list[Target] = []
    refused: list[Refused] = []
    seen: set[tuple[TargetKind, str]] = set()
    duplicates = 0
    reason = ""
    position = 0
    for index, segment in enumerate(segments):
        rest = segment
        while rest:
            position += 1
            try:
                command = parse_erase_text(rest)
            except InputRejected as refusal:
                if len(segments) == 1 and not targets:
                    raise  # a single request's text: refused as it always was
                refused.append(Refused(position, mask_line(rest), refusal))
                rest = ""
                break
            key = (command.target.kind, command.target.identifier.lower())
            if key in seen:
                duplicates += 1
            else:
                seen.add(key)
                targets.append(command.target)
            rest = command.reason
            if not _starts_with_identifier(rest):
                break
        if rest and index == len(segments) - 1:
            reason = rest
        elif rest:
            position += 1
            refused.append(Refused(position, mask_line(rest), InputRejected(Why.ONE_PER_LINE)))
    if not targets:
        raise refused[0].refusal if refused else InputRejected(Why.NO_IDENTIFIER)
    if len(targets) > MAX_SUBJECT_IDENTIFIERS:
        raise InputRejected(Why.TOO_MANY_IDENTIFIERS, count=len(targets), limit=MAX_SUBJECT_IDENTIFIERS)
    for target in targets:
        reason = scrub_reason(reason, target)
    if len(targets) == 1 and not refused:
        return EraseCommand(targets[0], reason)
    return SubjectCommand(tuple(targets), tuple(refused), duplicates, reason)


def _starts_with_identifier(rest: str) -> bool:
    """Whether what follows an identifier is another one (a number with its `+`, or an address)."""
    first = rest.split(maxsplit=1)[0] if rest.strip() else ""
    return bool(_NEXT_NUMBER.match(rest)) or emails.looks_like_email(first)
