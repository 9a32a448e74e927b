"""Reading one person's several identifiers from the command (pure)."""

from __future__ import annotations

import pytest

from bot.domain.subject import SubjectCommand, parse_request_text
from bot.domain.target import EraseCommand
from bot.errors import InputRejected, Why


def test_comma_or_space_separated_identifiers_before_the_reason_are_one_persons() -> None:
    """Commas or spaces between identifiers; the reason after the last; each parsed by the single rules."""
    for text in ("+1 425 555 2671, +44 20 7946 0958, jane@example.com DSR-1234",
                 "+14255552671 +442079460958 jane@example.com DSR-1234"):  # fmt: skip
        command = parse_request_text(text)
        assert isinstance(command, SubjectCommand)
        assert [t.identifier for t in command.targets] == ["+14255552671", "+442079460958", "jane@example.com"]
        assert command.reason == "DSR-1234" and command.refused == ()


def test_one_identifier_is_the_single_request_it_always_was() -> None:
    """One identifier (even typed twice) and a reason: an EraseCommand; one that cannot be read is refused as ever."""
    assert isinstance(parse_request_text("+1 425 555 2671 DSR-1"), EraseCommand)
    assert isinstance(parse_request_text("jane@example.com, JANE@example.com DSR-1"), EraseCommand)
    with pytest.raises(InputRejected) as refused:
        parse_request_text("+1 425 555 DSR-1")
    assert refused.value.why is Why.IMPOSSIBLE_NUMBER


def test_a_refused_identifier_is_kept_by_position_and_the_others_go_on() -> None:
    """A number that cannot exist among valid ones: refused on its own (masked), the rest is one request."""
    command = parse_request_text("+1 425 555, +44 20 7946 0958, jane@example.com DSR-1234")
    assert isinstance(command, SubjectCommand)
    assert [t.identifier for t in command.targets] == ["+442079460958", "jane@example.com"]
    assert [(r.line, r.refusal.why) for r in command.refused] == [(1, Why.IMPOSSIBLE_NUMBER)]
    assert "425" not in command.refused[0].masked


def test_an_identifier_typed_again_in_the_reason_is_masked_and_eleven_are_refused() -> None:
    """The reason is public: every identifier of the request is masked in it; more than ten is a batch."""
    command = parse_request_text("+14255552671, jane@example.com caller gave +1 425 555 2671")
    assert isinstance(command, SubjectCommand) and "2671" in command.reason and "425" not in command.reason
    with pytest.raises(InputRejected) as refused:
        parse_request_text(", ".join(f"+1 202 555 01{n:02d}" for n in range(11)) + " DSR-1")
    assert refused.value.why is Why.TOO_MANY_IDENTIFIERS and refused.value.facts["limit"] == 10
