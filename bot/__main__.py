"""Entry point: read settings, check the Slack token, then serve over HTTP (gunicorn) or Socket Mode."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from dotenv import load_dotenv
from slack_sdk import WebClient

from .adapters.slack import Slack
from .config import Settings
from .domain.workspace import Installation
from .errors import ConfigError, SlackError

HELP = "Set them in the environment (or in a .env file in this folder); README.md lists every variable."


def read_dotenv(folder: Path | None = None) -> None:
    """`.env` in the working folder, if there is one, under the real environment (which wins). Read literally, as
    python-dotenv parses it: `GONG_ERASE_APPROVERS=U1 S2` is one value, and a `$` in a secret stays a `$`."""
    path = (folder or Path.cwd()) / ".env"
    if path.is_file():
        load_dotenv(path, override=False, interpolate=False)


def configure_logging(level: str) -> None:
    """One format, to stderr; the loggers of libraries that would log identifiers or bodies held at WARNING."""
    logging.basicConfig(
        level=level, format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx logs every URL at INFO, and Gong's URLs carry the phone number; slack_sdk logs bodies at DEBUG;
    # Bolt logs whole request bodies when a signature is bad.
    for noisy in ("httpx", "httpcore", "slack_sdk", "slack_bolt", "urllib3", "waitress"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def check_slack_token(settings: Settings) -> tuple[str | None, Installation | None]:
    """auth.test once before serving: a wrong token is a one-line error now, not a failure per click; a right one
    says where the bot is installed (requests from anywhere else are refused)."""
    slack = Slack(WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10))
    try:
        installation = slack.installation()
    except SlackError as exc:
        if exc.code == "connection_error":
            logging.getLogger("bot").warning("could not reach Slack to check the token; starting anyway")
            return None, None
        return f"SLACK_BOT_TOKEN was refused by Slack ({exc.code}): copy the Bot User OAuth Token again", None
    logging.getLogger("bot").info("Slack token is for team %s (app %s)", installation.team_id,
                                  installation.app_id or "unknown")  # fmt: skip
    return None, installation


def main(argv: list[str]) -> int:
    """`python -m bot` serves; `python -m bot audit …` answers an auditor. Exit 2 on a configuration problem."""
    read_dotenv()
    if argv[:1] in (["audit"], ["keys"], ["db"]):
        from . import cli

        return cli.main(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print("gong-erase-bot cannot start:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        print(HELP, file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    refused, installation = check_slack_token(settings)
    if refused:
        print(f"gong-erase-bot cannot start: {refused}", file=sys.stderr)
        return 2
    from . import server

    if settings.socket_mode:
        server.serve_socket_mode(settings, installation)
    else:
        server.serve_http(settings, installation)
    return 0


def run() -> None:
    """The `gong-erase-bot` console script: the same as `python -m bot`."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    run()
