"""One log format for the bot, gunicorn and the libraries, as text for people or JSON lines for log pipelines
(LOG_FORMAT=json); the libraries that would log identifiers or request bodies are held back."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from gunicorn.glogging import Logger as GunicornBaseLogger

__all__ = ["GunicornLogger", "JsonFormatter", "configure", "formatter"]

TEXT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, pid, message, and the fields a line was
    given with `extra=` (the audit row of an event line, for instance)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "pid": record.process, "message": record.getMessage(),
        }  # fmt: skip
        entry |= {key: value for key, value in record.__dict__.items() if key not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    """`text` or `json`."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT)


def configure(level: str, log_format: str = "text") -> None:
    """Every logger to stderr in one format; httpx, slack_sdk, Bolt and waitress held at WARNING (httpx logs Gong's
    URLs, which carry the number; slack_sdk logs bodies at DEBUG; Bolt logs the bodies of badly signed requests)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "slack_sdk", "slack_bolt", "urllib3", "waitress"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # slack_sdk logs an ERROR for each failed send; the adapter turns the failure into a SlackError that the bot
    # reports itself, in its own words, once.
    logging.getLogger("slack_sdk.web.base_client").setLevel(logging.CRITICAL)
    GunicornLogger.log_format = log_format


class GunicornLogger(GunicornBaseLogger):  # type: ignore[misc]
    """gunicorn's own lines (booting, worker exits) in the bot's format instead of gunicorn's."""

    log_format = "text"

    def setup(self, cfg: Any) -> None:
        """gunicorn's set-up, then our formatter on its handlers."""
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter(self.log_format))
