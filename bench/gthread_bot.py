"""The bot exactly as shipped but on gunicorn's own threaded worker (as before waitress), for comparison only."""

from __future__ import annotations

import sys

from bot import logs
from bot.config import Settings
from bot.doctor import Doctor
from bot.server import GunicornServer


class GthreadServer(GunicornServer):
    def load_config(self) -> None:
        super().load_config()
        for key, value in {"worker_class": "gthread", "threads": 8, "keepalive": 5}.items():
            self.cfg.set(key, value)


if __name__ == "__main__":
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    GthreadServer(settings, Doctor(settings).bot_token()[1]).run()
    sys.exit(0)
