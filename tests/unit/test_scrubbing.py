"""The identifier a request erases never survives in its public reason or in Gong's error text, however it
was spelled, and nothing a person types can hide characters or draw lines of its own in a message."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.domain.approval import ApprovalPolicy
from bot.domain.request import ErasureRequest, State
from bot.domain.target import parse_erase_text, redact
from bot.domain.text import clean
from bot.render import requests

NUMBER = "+1 425 555 2671"
NUMBER_SPELLINGS = {
    "plain": "4255552671",
    "e164": "+14255552671",
    "full-width": "＋１ ４２５ ５５５ ２６７１",
    "arabic-indic": "٤٢٥٥٥٥٢٦٧١",
    "devanagari": "४२५५५५२६७१",
    "en-dash": "425\u2013555\u20132671",
    "underscores": "425_555_2671",
    "commas": "425,555,2671",
    "zero-width": "4\u200b2\u200b5\u200b5\u200b5\u200b5\u200b2\u200b6\u200b7\u200b1",
    "word-joiner": "425\u2060555\u20602671",
    "soft-hyphen": "425\u00ad555\u00ad2671",
    "dots-and-brackets": "(425) 555.2671",
}
ADDRESS = "jane.doe@example.com"
ADDRESS_SPELLINGS = {
    "plain": "jane.doe@example.com",
    "upper": "JANE.DOE@EXAMPLE.COM",
    "percent-encoded": "jane.doe%40example.com",
    "percent-encoded-dots": "jane%2Edoe%40example%2Ecom",
    "(at)": "jane.doe(at)example.com",
    "[at] and [dot]": "jane[dot]doe[at]example[dot]com",
    "spaced": "jane.doe @ example.com",
    "word at": "jane.doe at example.com",
    "full-width at": "jane.doe＠example.com",
    "zero-width": "jane.doe@\u200bexample.com",
}


def digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@pytest.mark.parametrize("spelled", NUMBER_SPELLINGS.values(), ids=NUMBER_SPELLINGS.keys())
def test_the_number_typed_again_in_the_reason_is_masked_in_every_spelling(spelled: str) -> None:
    """Full-width, other scripts' digits, dashes, underscores, commas, invisible characters: all masked."""
    command = parse_erase_text(f"{NUMBER} DSR-77 caller said {spelled} twice")
    reason = command.reason
    assert "4255552671" not in digits_of(reason) and "5552671" not in digits_of(reason)
    assert command.target.masked in reason and reason.startswith("DSR-77 caller said ") and reason.endswith("twice")


@pytest.mark.parametrize("spelled", ADDRESS_SPELLINGS.values(), ids=ADDRESS_SPELLINGS.keys())
def test_the_address_typed_again_in_the_reason_is_masked_in_every_spelling(spelled: str) -> None:
    """Percent-encoded, (at), [dot], spaced, upper case, full-width @, with zero-width spaces: all masked."""
    command = parse_erase_text(f"{ADDRESS} DSR-78 they wrote from {spelled} last week")
    assert "doe" not in command.reason.lower() and "j•••@example.com" in command.reason
    assert command.reason.endswith("last week")


def test_ticket_numbers_and_other_numbers_stay_as_written() -> None:
    """Only this identifier is masked: a ticket number or another person's number stays readable."""
    command = parse_erase_text(f"{NUMBER} DSR-20261129 see also +44 20 7946 0958")
    assert "DSR-20261129" in command.reason and "+44 20 7946 0958" in command.reason


@pytest.mark.parametrize(
    "error",
    ["No data for emailAddress=zed.person%40example.org", "zed.person(at)example.org is locked",
     "phone +1\u2013425\u2013555\u20132671 has 3 calls", "phone 425_555_2671", "zed.person @ example.org",
     "number ٤٢٥٥٥٥٢٦٧١ not found"],
)  # fmt: skip
def test_gong_error_text_loses_every_spelling_of_an_address_or_a_number(error: str) -> None:
    """What Gong echoes back (URL-encoded, spaced, with other digits) is scrubbed before it is kept or shown."""
    said = redact(error)
    assert "zed.person" not in said and "5552671" not in digits_of(said)
    assert "[address removed]" in said or "[number removed]" in said


@pytest.mark.parametrize(
    "sneaky",
    ["\u202eDSR-1 lavorppa", "DSR-1 \u2066spoof\u2069", "DSR\u200b-1", "DSR-1\n*Status:* :white_check_mark: approved",
     "DSR-1\r\n\u2028Status: approved", "DSR-1\x1b[31mred\x1b[0m", "DSR-1\x00\x07"],
)  # fmt: skip
def test_a_reason_cannot_hide_characters_or_draw_lines_of_its_own(sneaky: str) -> None:
    """Bidi overrides and isolates, zero-width and control characters are removed; line breaks become spaces."""
    reason = parse_erase_text(f"{NUMBER} {sneaky}").reason
    assert reason == clean(reason)
    assert not any(ch in reason for ch in "\n\r\u2028\u202e\u2066\u2069\u200b\x1b\x00\x07")
    request = ErasureRequest(
        id="ER-ABCDEFGH", state=State.PENDING, identifier="+14255552671", masked="+1 ••• ••• 2671", display=None,
        country="", number_valid=True, reason=reason, requester="UREQ", channel="C1", created_at=0.0,
        expires_at=1.0, required_approvals=1,
    )  # fmt: skip
    _, blocks = requests.approval_message(request, ApprovalPolicy(frozenset({"UA"}), frozenset()))
    reason_field = next(f["text"] for b in blocks for f in b.get("fields", []) if f["text"].startswith("*Reason*"))
    assert reason_field.count("\n") == 1  # the label's own line break, and no other
    assert "\\u202e" not in json.dumps(blocks)


def test_cleaning_keeps_ordinary_text_and_emoji() -> None:
    """Letters of every script, accents and emoji are kept; only invisible and control characters go."""
    text = "Löschung für Zoë — 削除 🙂 DSR-9"
    assert clean(text) == "Löschung für Zoë - 削除 🙂 DSR-9"
    assert dataclasses.is_dataclass(ErasureRequest)
