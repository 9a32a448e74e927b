"""The local playground: the real bot against a Slack and a Gong that live in this process, on loopback, and a
page that looks and behaves like a Slack channel — to see the whole flow in a minute with nothing to sign up for.
Only configuration makes it a playground; nothing in the bot's core knows."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import PlaygroundSettings

__all__ = ["main"]


def main(settings: PlaygroundSettings) -> int:
    """Serve the playground on 127.0.0.1:$PORT until interrupted."""
    from .app import Playground

    Playground(settings.port, Path(settings.database).resolve()).serve(lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(PlaygroundSettings.from_env()))
