"""Email addresses: checked with email-validator, masked for channels, scrubbed from free text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.emails import mask_email, parse_email, redact_emails
from bot.domain.target import TargetKind, parse_erase_text, redact
from bot.errors import InputRejected, Why
from bot.render.refusals import explain
from tests.refusing import refusal_of


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("Jane.Doe@Example.COM", "Jane.Doe@example.com"),  # the domain is case-insensitive, the local part kept
        ("<mailto:jane@example.com|jane@example.com>", "jane@example.com"),  # as Slack links it
        ("<mailto:jane@example.com>", "jane@example.com"),
        ("mailto:jane+dsr@example.co.uk", "jane+dsr@example.co.uk"),
    ],
)
def test_addresses_as_people_and_slack_write_them(typed: str, address: str) -> None:
    """Addresses as typed, or as Slack links them (mailto), normalise to what Gong matches."""
    assert parse_email(typed).address == address


@pytest.mark.parametrize(
    "typed",
    ["jane@localhost", "jane@", "@example.com", '"jane doe"@example.com', "jane@[10.0.0.1]", "jane..doe@example.com",
     "jane@example.com."],
)  # fmt: skip
def test_addresses_gong_could_not_match_are_refused_with_the_form_to_use(typed: str) -> None:
    """What Gong could not match is refused, naming the flaw and showing an address of the accepted form."""
    why, words = refusal_of(parse_email, typed)
    assert why is Why.BAD_EMAIL and "jane.doe@example.com" in words


def test_the_command_takes_an_address_then_the_reason() -> None:
    """`/gong-erase <address> <reason>`: the address normalised and masked, the reason kept; redaction finds both."""
    command = parse_erase_text("  jane.doe@example.com   DSR-42 subject asked twice ")
    assert command.target.kind is TargetKind.EMAIL and command.target.identifier == "jane.doe@example.com"
    assert command.target.masked == "j•••@example.com" and command.reason == "DSR-42 subject asked twice"
    assert "jane.doe" not in repr(command)


def test_masks_show_the_first_letter_and_the_domain() -> None:
    """The mask keeps the first letter and the domain: enough to recognise, not to write to."""
    assert mask_email("jane.doe@example.com") == "j•••@example.com"
    assert mask_email("x@sub.example.org") == "x•••@sub.example.org"


def test_redaction_removes_addresses_and_numbers_from_gong_errors() -> None:
    """Free text from Gong loses every address and number before anyone sees or stores it."""
    said = redact("Too many objects for jane.doe@example.com and +1 425 555 2671")
    assert "jane.doe" not in said and "555" not in said and "[address removed]" in said
    assert redact_emails("no address here") == "no address here"


@given(st.text(max_size=300))
def test_any_text_with_an_at_sign_is_an_address_or_a_clear_refusal(text: str) -> None:
    """Whatever is typed before an @, the parser gives an address or a refusal in words, never a crash."""
    try:
        command = parse_erase_text(f"{text.strip().split(' ')[0] if text.strip() else 'x'}@example.com r")
    except InputRejected as refusal:
        assert explain(refusal)
    else:
        assert command.target.kind is TargetKind.EMAIL and "@" in command.target.identifier


def test_the_identifier_typed_again_in_the_reason_is_masked_there_and_ticket_numbers_are_not() -> None:
    """The reason is shown publicly: the number or address repeated in it is masked; other numbers stay."""
    phone = parse_erase_text("+1 425 555 2671 DSR-20261129 caller (425) 555-2671 asked, ref 4255550000")
    assert phone.reason == "DSR-20261129 caller +1 ••• ••• 2671 asked, ref 4255550000"
    email = parse_erase_text("jane.doe@example.com DSR-1 from Jane.Doe@Example.com")
    assert email.reason == "DSR-1 from j•••@example.com"
