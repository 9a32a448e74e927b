"""Every exception the bot raises on purpose, in one tree; third-party errors are translated at the adapters.

    GongEraseError
    ├── ConfigError             the environment does not describe a runnable bot (one problem per line)
    ├── Refusal                 a person asked for something we will not do; `render.refusals` says what instead
    │   ├── InputRejected       the command text is not an erase request (a number, an address, a date)
    │   ├── NotAllowed          this person may not take this action
    │   ├── NotFound            no erase request has that id
    │   └── Closed              the request has moved past the state the action needs
    ├── IllegalTransition       a move the transition table does not allow; nothing changed
    ├── StoreError              the database refused or could not do what was asked
    │   ├── StoreBusy           another writer held the lock past the busy timeout; try again
    │   ├── StoreConflict       a constraint refused the write (a second erase job, an edit of the audit log)
    │   ├── LeaseLost           another worker took this job over; our result must not be recorded
    │   ├── Undecryptable       a stored identifier does not open: moved from another row, altered, or key gone
    │   ├── WrongHashKey        GONG_ERASE_HASH_KEY is not the key this database was made with
    │   └── SchemaTooNew        a newer release migrated the database: this one must not write to it
    ├── GongError               Gong did not accept an API call
    │   ├── GongRetryable       a failure that may pass
    │   │   ├── GongRateLimited     429, with the Retry-After Gong asked for
    │   │   └── GongUnavailable     5xx, a timeout, a dropped connection, an answer that is not JSON
    │   └── GongRejected        400, 401, 403, 404: retrying will not help
    └── SlackError              the Slack Web API did not accept a call; `code` is Slack's error code

No message of these carries a phone number or an address: refusals carry a reason code and the facts their
words need, Gong errors are scrubbed before they are raised, and httpx's errors (whose text holds the URL, and
so the identifier) are never chained.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

__all__ = [
    "Closed", "ConfigError", "GongEraseError", "GongError", "GongRateLimited", "GongRejected", "GongRetryable",
    "GongUnavailable", "IllegalTransition", "InputRejected", "LeaseLost", "NotAllowed", "NotFound", "Refusal",
    "SchemaTooNew", "SlackError", "StoreBusy", "StoreConflict", "StoreError", "Undecryptable", "Why", "WrongHashKey",
]  # fmt: skip


class Why(StrEnum):
    """Why a person was refused; `render.refusals` holds the words for each, with what to do instead."""

    # the command text (InputRejected)
    TEXT_TOO_LONG = "text_too_long"
    NO_IDENTIFIER = "no_identifier"
    NOT_AN_IDENTIFIER = "not_an_identifier"
    NO_PLUS = "no_plus"
    EXTENSION = "extension"
    LETTERS_IN_NUMBER = "letters_in_number"
    IMPOSSIBLE_NUMBER = "impossible_number"
    ONLY_A_NUMBER = "only_a_number"
    BAD_EMAIL = "bad_email"
    REASON_TOO_LONG = "reason_too_long"
    REGIME_NEEDED = "regime_needed"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    STATUS_NEEDS_ID = "status_needs_id"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    DM_NEEDS_APPROVAL_CHANNEL = "dm_needs_approval_channel"
    BATCH_TOO_LARGE = "batch_too_large"
    BATCH_NOT_TEXT = "batch_not_text"
    ONE_PER_LINE = "one_per_line"
    TOO_MANY_IDENTIFIERS = "too_many_identifiers"
    BATCH_EMPTY = "batch_empty"
    BATCH_NEEDS_REASON = "batch_needs_reason"
    REASON_PATTERN = "reason_pattern"
    # who may do what (NotAllowed)
    NOT_APPROVER = "not_approver"
    SELF_APPROVAL = "self_approval"
    BREAK_GLASS_JUSTIFY = "break_glass_justify"
    NOT_REQUESTER_SUBMIT = "not_requester_submit"
    NOT_REQUESTER_CANCEL = "not_requester_cancel"
    NOT_APPROVER_REJECT = "not_approver_reject"
    NOT_APPROVER_REVEAL = "not_approver_reveal"
    NOT_APPROVER_LOOKUP = "not_approver_lookup"
    NOT_ALLOWED_STATUS = "not_allowed_status"
    NOT_APPROVER_RETRY = "not_approver_retry"
    # the request (NotFound, Closed)
    UNKNOWN_REQUEST = "unknown_request"
    UNKNOWN_BUTTON = "unknown_button"
    CLOSED = "closed"
    ALREADY_APPROVED = "already_approved"
    IDENTIFIER_GONE = "identifier_gone"
    BATCH_NOT_SHOWN = "batch_not_shown"
    IDENTIFIER_UNREADABLE = "identifier_unreadable"
    TOO_MANY_DRAFTS = "too_many_drafts"
    NOTHING_TO_RETRY = "nothing_to_retry"


class GongEraseError(Exception):
    """Base class of every exception this bot raises on purpose."""


class ConfigError(GongEraseError):
    """The environment does not describe a runnable bot; one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Refusal(GongEraseError):
    """A person asked for something we will not do: `why` and the `facts` its words need, never an identifier."""

    def __init__(self, why: Why, **facts: object) -> None:
        super().__init__(why.value)
        self.why = why
        self.facts: Mapping[str, object] = facts


class InputRejected(Refusal):
    """The slash command text could not be turned into an erase request."""


class NotAllowed(Refusal):
    """The person who clicked or asked may not take this action."""


class NotFound(Refusal):
    """No erase request has the id a button or a command carried."""


class Closed(Refusal):
    """The request is no longer in a state where the action means anything; `facts["state"]` says which."""


class IllegalTransition(GongEraseError):
    """A move the transition table does not allow; nothing changed."""

    def __init__(self, state: str, event: str) -> None:
        super().__init__(f"cannot {event} a request that is {state}")
        self.state = state
        self.event = event


class StoreError(GongEraseError):
    """The database refused or could not do what was asked."""


class StoreBusy(StoreError):
    """Another writer held the database lock longer than the busy timeout; the work can be tried again."""


class StoreConflict(StoreError):
    """A constraint refused the write: what the guarantees forbid (a second erase job, an audit edit)."""


class LeaseLost(StoreError):
    """Another worker took this job over (our lease ran out); what we did must not be recorded twice."""


class Undecryptable(StoreError):
    """A stored identifier does not open: it belongs to another row, was altered, or its key is not configured."""


class WrongHashKey(StoreError):
    """GONG_ERASE_HASH_KEY differs from the key the database's proofs and audit seals were made with."""


class SchemaTooNew(StoreError):
    """The database's schema is newer than this release knows: a newer release migrated it."""


class GongError(GongEraseError):
    """Gong did not accept an API call."""


class GongRetryable(GongError):
    """A failure that may pass: 5xx, a timeout, a dropped connection."""


class GongRateLimited(GongRetryable):
    """Gong answered 429; `retry_after` is the wait it asked for, in seconds."""

    def __init__(self, message: str, retry_after: float | None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.request_id = request_id


class GongUnavailable(GongRetryable):
    """Gong answered 5xx, timed out, or could not be reached."""

    def __init__(
        self, message: str, status: int | None = None, errors: tuple[str, ...] = (), request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors
        self.request_id = request_id


class GongRejected(GongError):
    """Gong refused the call for good (400, 401, 403, 404): retrying will not help."""

    def __init__(self, message: str, status: int, errors: tuple[str, ...] = (), request_id: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors
        self.request_id = request_id


class SlackError(GongEraseError):
    """The Slack Web API did not accept a call."""

    def __init__(self, message: str, code: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after
