"""The bot exactly as shipped but on gunicorn's own threaded worker (as before waitress), for comparison only."""

from __future__ import annotations

import sys

from bot.__main__ import check_slack_token, configure_logging
from bot.config import Settings
from bot.server import GunicornServer


class GthreadServer(GunicornServer):
    def load_config(self) -> None:
        super().load_config()
        for key, value in {"worker_class": "gthread", "threads": 8, "keepalive": 5}.items():
            self.cfg.set(key, value)


if __name__ == "__main__":
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    GthreadServer(settings, check_slack_token(settings)[1]).run()
    sys.exit(0)
