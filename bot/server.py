"""Serving: gunicorn (the production server) in HTTP mode, or Socket Mode; each process runs a worker."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from typing import Any

from gunicorn.app.base import BaseApplication

from .app import Bot, bootstrap
from .config import Settings
from .domain.workspace import Installation
from .web import make_wsgi

__all__ = ["serve_http", "serve_socket_mode"]

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 20.0  # seconds a running job gets on SIGTERM; Heroku kills at 30


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from Settings; every worker process builds its own app, store and job worker."""

    def __init__(self, settings: Settings, installation: Installation | None) -> None:
        self.settings = settings
        self.installation = installation
        self.bot: Bot | None = None
        super().__init__()

    def load_config(self) -> None:
        """gunicorn's settings: gthread workers, no access log (URLs and bodies stay out of it)."""
        options: dict[str, Any] = {
            "bind": f"0.0.0.0:{self.settings.port}",
            "workers": self.settings.web_concurrency,
            "worker_class": "gthread",
            "threads": 8,
            "timeout": 60,
            "graceful_timeout": 25,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": self.settings.log_level.lower(),
            "worker_exit": self._worker_exit,
            # Objects the master imported stay shared with the workers only while nothing writes to their pages;
            # the cyclic GC writes to every object it scans, so the master hands them over frozen.
            "pre_fork": lambda server, worker: gc.freeze(),
            "proc_name": "gong-erase-bot",
        }
        if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 24 opens a control socket by default
            options["control_socket_disable"] = True
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """In each worker process: build the bot, start its job worker, serve its WSGI app."""
        self.bot = bootstrap(self.settings, installation=self.installation)
        self.bot.worker.start()
        return make_wsgi(self.bot.app, self.settings.slack_signing_secret)

    def _worker_exit(self, server: Any, worker: Any) -> None:
        if self.bot is not None:
            self.bot.close(SHUTDOWN_GRACE)


def serve_http(settings: Settings, installation: Installation | None = None) -> None:
    """gunicorn on $PORT; returns when it shuts down."""
    GunicornServer(settings, installation).run()


def serve_socket_mode(settings: Settings, installation: Installation | None = None) -> None:
    """Socket Mode with the app-level token; returns on SIGTERM or SIGINT, after the worker stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    bot = bootstrap(settings, installation=installation)
    bot.worker.start()
    handler = SocketModeHandler(bot.app, settings.slack_app_token)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    handler.connect()  # type: ignore[no-untyped-call]
    log.info("connected to Slack in Socket Mode")
    stop.wait()
    log.info("shutting down")
    handler.close()  # type: ignore[no-untyped-call]
    bot.close(SHUTDOWN_GRACE)
