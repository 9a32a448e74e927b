"""One tree of our exceptions, rooted in `GongEraseError`."""

from __future__ import annotations


class GongEraseError(Exception):
    """Base class of every exception this bot raises on purpose."""


class ConfigError(GongEraseError):
    """The environment does not describe a runnable bot; one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Refusal(GongEraseError):
    """A user asked for something we will not do; the message tells them what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputRejected(Refusal):
    """The slash command text could not be turned into an erase request."""


class NotAllowed(Refusal):
    """The person who clicked may not take this action."""


class NotFound(Refusal):
    """No erase request has the id a button carried."""


class IllegalTransition(GongEraseError):
    """A move the transition table does not allow; nothing changed."""

    def __init__(self, state: str, event: str) -> None:
        super().__init__(f"cannot {event} a request that is {state}")
        self.state = state
        self.event = event


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
