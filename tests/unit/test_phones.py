"""Phone parsing, normalising and masking: what Gong would match is exactly what the requester confirms."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.phones import mask_number, parse_command_text, parse_number, redact_numbers
from bot.errors import InputRejected, Why
from bot.render.refusals import explain
from tests.refusing import refusal_of, words_of

GONG_SPELLINGS = [
    "+1 425 555 2671",
    "+1-425-555-2671",
    "+1 425 5552671",
    "+14255552671",
    "+1 425 555 26 71",
    "+1(425) 555-2671",
]


@pytest.mark.parametrize("typed", GONG_SPELLINGS)
def test_every_spelling_in_gongs_docs_gives_the_same_e164(typed: str) -> None:
    """Each accepted spelling from Gong's documentation normalises to +14255552671."""
    command = parse_command_text(f"{typed} DSR-1234")
    assert command.number.e164 == "+14255552671"
    assert command.number.valid
    assert command.number.region == "US"
    assert command.number.country == "United States"
    assert command.reason == "DSR-1234"


@pytest.mark.parametrize(
    ("typed", "country"),
    [("+44 20 7946 0958", "United Kingdom"), ("+1 604 555 0142", "Canada"), ("+82 2 312 3456", "South Korea"),
     ("+886 2 2311 1234", "Taiwan"), ("+49 30 901820", "Germany"), ("+800 1234 5678", "")],
)  # fmt: skip
def test_approvers_see_the_country_by_its_common_english_name(typed: str, country: str) -> None:
    """The approval message names the country so approvers can check it; non-geographic numbers have none."""
    assert parse_number(typed).country == country


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("+1 425 555 2671", ""),
        ("+1 425 555 2671   DSR-1234  from   legal", "DSR-1234 from legal"),
        ("+1 425 555 2671 2024 request", "2024 request"),  # digits after a complete number are the reason
        ("+1 425 555 2671 xylophone", "xylophone"),
    ],
)
def test_reason_is_the_text_after_the_number(text: str, reason: str) -> None:
    """The reason is everything after the number, as typed."""
    command = parse_command_text(text)
    assert command.number.e164 == "+14255552671"
    assert command.reason == reason


@pytest.mark.parametrize(
    "text", ["+1 425 555 2671 ext. 12", "+1 425 555 2671 x12", "+1 425 555 2671 x 12", "+14255552671;ext=12",
             "+14255552671x12", "+1 425 555 2671 #12", "+1 425 555 2671 extension 12", "+1 425 555 2671 EXT 12"]
)  # fmt: skip
def test_extensions_are_refused(text: str) -> None:
    """Gong would glue an extension's digits onto the number, so any extension is refused."""
    why, words = refusal_of(parse_command_text, text)
    assert why is Why.EXTENSION and "extension" in words


@pytest.mark.parametrize("text", ["4255552671", "425 555 2671 DSR-1", "(425) 555-2671", "001 425 555 2671"])
def test_numbers_without_plus_are_refused_with_the_accepted_form(text: str) -> None:
    """Without + and a country code Gong cannot match; the refusal shows the form to use."""
    why, words = refusal_of(parse_command_text, text)
    assert why in {Why.NO_PLUS, Why.NOT_AN_IDENTIFIER}
    assert "+1 425 555 2671" in words
    assert "country code" in words or why is Why.NOT_AN_IDENTIFIER


@pytest.mark.parametrize("text", ["+1-800-FLOWERS", "+1800FLOWERS", "+1 425 555 267l"])
def test_letters_in_the_number_are_refused(text: str) -> None:
    """Gong ignores letters, so a number written with them would match someone else."""
    words = words_of(parse_command_text, text)
    assert "letters" in words or "can exist" in words


def test_letters_after_a_short_number_explain_vanity_numbers() -> None:
    """`+1 800 FLOWERS` is refused, and the message says to write letters as digits."""
    assert "write those as digits" in words_of(parse_command_text, "+1 800 FLOWERS")


@pytest.mark.parametrize("text", ["+1 425 55", "+999 1234567", "+", "+0 123", "+44 12"])
def test_impossible_numbers_are_refused(text: str) -> None:
    """A number that cannot exist is refused with what to check."""
    why, words = refusal_of(parse_command_text, text)
    assert why is Why.IMPOSSIBLE_NUMBER and "check the country code" in words


def test_refusals_do_not_echo_the_number() -> None:
    """Exceptions never carry the number the person typed."""
    with pytest.raises(InputRejected) as refused:
        parse_command_text("+999 1234567")
    assert "1234567" not in str(refused.value) + repr(refused.value.facts) + explain(refused.value)


def test_possible_but_not_valid_numbers_are_allowed_and_flagged() -> None:
    """+1 200 … has the right length but no valid area code: allowed, marked invalid for a visible warning."""
    command = parse_command_text("+1 200 555 2671 DSR-9")
    assert command.number.e164 == "+12005552671"
    assert command.number.valid is False
    assert command.reason == "DSR-9"


@pytest.mark.parametrize(
    "text",
    [
        "+１ ４２５ ５５５ ２６７１",
        "+١ ٤٢٥ ٥٥٥ ٢٦٧١",
        "+1 ४२५ ५५५ २६७१",
        "+1\u2013425\u2013555\u20132671",
        "＋1 (425) 555-2671",
    ],
)
def test_non_ascii_digits_and_dashes_are_folded_to_the_same_number(text: str) -> None:
    """Full-width, Arabic-Indic and Devanagari digits and Unicode dashes give the same E.164."""
    assert parse_number(text).e164 == "+14255552671"


def test_three_thousand_characters_are_refused_quickly() -> None:
    """A 3,000-character paste gets a clear refusal, not a crash or a stall."""
    started = time.perf_counter()
    for text in ["+1" + "2" * 2998, "+1 425 555 2671 " + "x" * 2984, "9" * 3000]:
        assert "characters" in words_of(parse_command_text, text)
    assert time.perf_counter() - started < 5  # generous: a catastrophic regex would take minutes


def test_long_reason_is_refused() -> None:
    """The reason is public and kept: past 500 characters it is refused, saying how long it may be."""
    why, words = refusal_of(parse_command_text, "+1 425 555 2671 " + "word " * 120)
    assert why is Why.REASON_TOO_LONG and "reason" in words and "500" in words


@pytest.mark.parametrize("text", ["", "   ", "DSR-1234 +1 425 555 2671", "erase +1 425 555 2671"])
def test_text_that_does_not_start_with_a_number_is_refused(text: str) -> None:
    """The number comes first; anything else gets the usage example."""
    assert "/gong-erase" in words_of(parse_command_text, text)


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("+1 425 555 2671", "+1 ••• ••• 2671"),
        ("+44 20 7946 0958", "+44 •• •••• 0958"),
        ("+49 30 123456", "+49 •• ••••56"),
        ("+33 1 23 45 67 89", "+33 • •• •• •7 89"),
    ],
)
def test_masking_keeps_country_code_and_few_last_digits(typed: str, masked: str) -> None:
    """Public messages show the country code and at most four last digits."""
    number = parse_number(typed)
    assert mask_number(number) == masked == number.masked
    national = number.e164[len(masked.split(maxsplit=1)[0]) :]
    visible = sum(ch.isdigit() for ch in masked.split(" ", 1)[1])
    assert visible <= 4 and visible < len(national) / 2


def test_redact_numbers_removes_phone_like_runs_from_free_text() -> None:
    """Gong's error texts may quote the number; it is removed before they are stored or shown."""
    text = "Invalid phone +1 (425) 555-2671 for request 42; also 4255552671."
    cleaned = redact_numbers(text)
    assert "2671" not in cleaned
    assert "request 42" in cleaned


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_number_or_a_clear_refusal(text: str) -> None:
    """Whatever is typed, the parser answers with a number or an InputRejected, never another exception."""
    try:
        command = parse_command_text(text)
    except InputRejected as refused:
        assert explain(refused)
    else:
        assert command.number.e164.startswith("+")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=9999), st.sampled_from(GONG_SPELLINGS))
def test_normalising_is_idempotent_and_spelling_independent(last4: int, template: str) -> None:
    """E.164 parses back to itself, and every spelling of one number gives the same E.164."""
    typed = template.replace("2671", f"{last4:04d}").replace("26 71", f"{last4 // 100:02d} {last4 % 100:02d}")
    number = parse_number(typed)
    assert parse_number(number.e164).e164 == number.e164
    assert number.e164 == f"+1425555{last4:04d}"
