"""Parse, normalise and mask phone numbers the way Gong reads them (pure; uses phonenumbers)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import phonenumbers
import pycountry

from ..errors import InputRejected, Why
from .text import clean, fold_digits

MAX_TEXT_LENGTH = 1000
MAX_REASON_LENGTH = 500

# Characters a number may be written with: Gong ignores every non-digit, so anything else is suspicious.
_NUMBER_TOKEN = re.compile(r"^[+\d().\-/]+$")
# An extension glued to the number (+14255552671x12, ;ext=12) or standing after it (ext. 12, x12, #12).
_GLUED_EXTENSION = re.compile(r"^\+?[\d().\-/]*\d(?:;?ext\.?=?|extension|x|#)\d+$", re.IGNORECASE)
_EXTENSION_MARK = re.compile(r"^(?:;?ext\.?[=:]?|extension[=:]?|x|#)(\d*)$", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
# Seven or more digits, possibly split by separators people (or a spreadsheet) put between them: how a phone
# number looks inside free text once it has been cleaned (see domain.text).
NUMBER_IN_TEXT = re.compile(r"\+?\d(?:[\s().\-/_,]*\d){6,}")


@dataclass(frozen=True)
class PhoneNumber:
    """A number Gong can match: E.164 for the API, friendlier forms for people."""

    e164: str = field(repr=False)  # kept out of repr, so a stray log line or traceback cannot carry it
    international: str = field(repr=False)
    region: str | None
    country: str
    valid: bool

    @property
    def masked(self) -> str:
        """The number as channels see it."""
        return mask_number(self)


@dataclass(frozen=True)
class PhoneCommand:
    """What `/gong-erase <number> [reason…]` asked for."""

    number: PhoneNumber
    reason: str


def parse_command_text(text: str) -> PhoneCommand:
    """Split the command text into a checked phone number and the reason after it."""
    text = text.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise InputRejected(Why.TEXT_TOO_LONG, length=len(text), limit=MAX_TEXT_LENGTH)
    tokens = text.split()
    if not tokens:
        raise InputRejected(Why.NO_IDENTIFIER)
    plain = [_plain(token) for token in tokens]
    first = plain[0]
    if _GLUED_EXTENSION.match(first):
        raise InputRejected(Why.EXTENSION)
    if not first.startswith("+"):
        if first[:1].isdigit() or first[:1] == "(":
            raise InputRejected(Why.NO_PLUS)
        raise InputRejected(Why.NOT_AN_IDENTIFIER)
    count = 0
    while count < len(plain) and _NUMBER_TOKEN.match(plain[count]):
        count += 1
    rest = plain[count:]
    if count == 0:
        raise InputRejected(Why.LETTERS_IN_NUMBER)
    if rest and _starts_extension(rest):
        raise InputRejected(Why.EXTENSION)
    number, used = _best_prefix(plain[:count], next_token=rest[0] if rest else None)
    reason = " ".join(tokens[used:]).strip()
    check_reason_length(reason)
    return PhoneCommand(number=number, reason=reason)


def parse_number(text: str) -> PhoneNumber:
    """Parse one number written on its own, e.g. in a test or a CLI argument."""
    command = parse_command_text(text)
    if command.reason:
        raise InputRejected(Why.ONLY_A_NUMBER)
    return command.number


def check_reason_length(reason: str) -> None:
    """The reason is shown in public messages and kept for auditors: a ticket id and a few words."""
    if len(reason) > MAX_REASON_LENGTH:
        raise InputRejected(Why.REASON_TOO_LONG, length=len(reason), limit=MAX_REASON_LENGTH)


def mask_number(number: PhoneNumber) -> str:
    """`+1 ••• ••• 2671`: the country code and a few last digits, never enough to dial."""
    code, _, national = number.international.partition(" ")
    digits = sum(ch.isdigit() for ch in national)
    reveal = min(4, max(2, digits - 6))
    seen = 0
    out = []
    for ch in national:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - reveal else "•")
        else:
            out.append(" ")
    return f"{code} {''.join(out)}"


def mask_any_number(text: str) -> str:
    """Mask a number Gong reports in whatever form it holds it; unparseable ones keep only two last digits."""
    parsed = _parse(_plain(text)) if text.strip().startswith("+") else None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return mask_number(_phone(parsed, valid=True))
    digits = sum(ch.isdigit() for ch in text)
    seen, out = 0, []
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - 2 else "•")
        elif not ch.isalpha():
            out.append(ch)
    return "".join(out)[:40]


def redact_numbers(text: str) -> str:
    """Replace anything that looks like a phone number in free text (e.g. a Gong error) by a mark."""
    return NUMBER_IN_TEXT.sub("[number removed]", clean(text))


def _best_prefix(tokens: list[str], next_token: str | None) -> tuple[PhoneNumber, int]:
    """The longest run of leading tokens that is a valid number; else all of them, if possible at all."""
    for end in range(len(tokens), 0, -1):
        parsed = _parse(" ".join(tokens[:end]))
        if parsed is not None and phonenumbers.is_valid_number(parsed):
            return _phone(parsed, valid=True), end
    parsed = _parse(" ".join(tokens))
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return _phone(parsed, valid=False), len(tokens)
    raise InputRejected(Why.IMPOSSIBLE_NUMBER, letters_follow=bool(next_token and _LETTER.search(next_token)))


def _parse(candidate: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return None


def _phone(parsed: phonenumbers.PhoneNumber, *, valid: bool) -> PhoneNumber:
    return PhoneNumber(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        international=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        region=phonenumbers.region_code_for_number(parsed),
        country=_country_name(parsed),
        valid=valid,
    )


def _country_name(parsed: phonenumbers.PhoneNumber) -> str:
    """The English name of the number's country, or "" when its code is shared and the number fits none.

    Not phonenumbers.geocoder: importing it loads the geocoding data of every prefix, ~100 MB per process."""
    regions = phonenumbers.region_codes_for_country_code(parsed.country_code or 0)
    region = regions[0] if len(regions) == 1 else phonenumbers.region_code_for_number(parsed)
    country = pycountry.countries.get(alpha_2=region) if region and len(region) == 2 else None
    if country is None:
        return ""
    return str(getattr(country, "common_name", None) or country.name)


def _starts_extension(rest: list[str]) -> bool:
    mark = _EXTENSION_MARK.match(rest[0])
    if not mark:
        return False
    return bool(mark.group(1)) or (len(rest) > 1 and rest[1][:1].isdigit())


def _plain(token: str) -> str:
    """Fold full-width forms, other scripts' digits and Unicode dashes to the ASCII Gong expects."""
    return fold_digits(unicodedata.normalize("NFKC", token))
