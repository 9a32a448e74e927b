"""Serving: gunicorn processes running waitress (HTTP), or Socket Mode; each process also runs a job worker.

gunicorn's own threaded worker hands a connection to a thread as soon as it is readable, and the thread then reads
the request: eight clients that sent part of a request and stalled held every thread, and /healthz and Slack's
requests timed out. waitress reads every request in full on one event loop before a thread sees it, so a stalled
client costs a socket, never a thread, and is dropped once silent for CHANNEL_TIMEOUT. gunicorn stays for what it
does well: the processes (WEB_CONCURRENCY), their restarts and graceful shutdown. bench/slow_clients.py measures
both servers."""

from __future__ import annotations

import _thread
import gc
import logging
import signal
import sys
import threading
import time
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker as GunicornWorker
from waitress.server import create_server

from .adapters.metrics import forget_process
from .app import Bot, bootstrap
from .config import Settings
from .domain.workspace import Installation
from .logs import GunicornLogger
from .web import MAX_BODY, make_status_wsgi, make_wsgi

__all__ = ["WAITRESS", "CannotServe", "GunicornServer", "WaitressWorker", "serve_http", "serve_socket_mode"]

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 20.0  # seconds a running job gets on SIGTERM; Heroku kills at 30
# A thread that must send a Gong call on its slot waits for the GIL at most this long behind a busy one (CPython's
# default, 5 ms, let calls paced to the millisecond arrive bunched); the bot does I/O, so the extra switches cost
# nothing measurable (bench/throughput.py).
SWITCH_INTERVAL = 0.001
CHANNEL_TIMEOUT = 30  # seconds a connection may stay silent, mid-request or idle, before waitress drops it
WAITRESS: dict[str, Any] = {
    "threads": 8,
    "connection_limit": 1000,  # stalled clients hold sockets, not threads; past this many, new ones wait
    "channel_timeout": CHANNEL_TIMEOUT,
    "cleanup_interval": 5,
    "asyncore_use_poll": True,  # no 1,024-descriptor ceiling of select()
    "max_request_body_size": MAX_BODY,
    "ident": "gong-erase-bot",
}


class CannotServe(Exception):
    """Serving could not begin (Socket Mode could not connect); the message is one line for the admin."""


class WaitressWorker(GunicornWorker):  # type: ignore[misc]
    """A gunicorn worker process that serves with waitress on the sockets gunicorn opened."""

    def run(self) -> None:
        """Serve until gunicorn tells this worker to stop; meanwhile a thread tells gunicorn it is alive."""
        server = create_server(self.wsgi, sockets=[listener.sock for listener in self.sockets], **WAITRESS)
        threading.Thread(target=self._heartbeat, name="gunicorn-heartbeat", daemon=True).start()
        server.run()

    def _heartbeat(self) -> None:
        while self.alive:
            self.notify()
            time.sleep(1.0)
        _thread.interrupt_main()  # ends waitress's loop, which then lets its threads finish what they serve


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from Settings; every worker process builds its own app, store and job worker."""

    def __init__(self, settings: Settings, installation: Installation | None) -> None:
        self.settings = settings
        self.installation = installation
        self.bot: Bot | None = None
        super().__init__()

    def load_config(self) -> None:
        """gunicorn's settings: waitress workers, no access log (URLs and bodies stay out of it)."""
        options: dict[str, Any] = {
            "bind": f"0.0.0.0:{self.settings.port}",
            "workers": self.settings.web_concurrency,
            "worker_class": "bot.server.WaitressWorker",
            "timeout": 60,
            "graceful_timeout": 25,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": self.settings.log_level.lower(),
            "worker_exit": self._worker_exit,
            "logger_class": GunicornLogger,
            "child_exit": lambda server, worker: forget_process(worker.pid),
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
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.bot = bootstrap(self.settings, installation=self.installation)
        self.bot.worker.start()
        return make_wsgi(self.bot.app, self.settings.slack_signing_secret, trouble=self.bot.trouble,
                         metrics=self.bot.metrics)  # fmt: skip

    def _worker_exit(self, server: Any, worker: Any) -> None:
        if self.bot is not None:
            self.bot.close(SHUTDOWN_GRACE)


def serve_http(settings: Settings, installation: Installation | None = None) -> None:
    """gunicorn on $PORT; returns when it shuts down."""
    GunicornServer(settings, installation).run()


def serve_socket_mode(settings: Settings, installation: Installation | None = None) -> None:
    """Socket Mode with the app-level token; returns on SIGTERM or SIGINT, after the worker stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    sys.setswitchinterval(SWITCH_INTERVAL)
    bot = bootstrap(settings, installation=installation)
    bot.worker.start()
    handler = SocketModeHandler(bot.app, settings.slack_app_token)
    if settings.port_set:  # for the platform's health checks and Prometheus; Slack itself needs no port here
        status = create_server(make_status_wsgi(bot.trouble, bot.metrics), port=settings.port, threads=2,
                               host="0.0.0.0", ident="gong-erase-bot")  # noqa: S104 (as HTTP mode: probes come from outside)  # fmt: skip
        threading.Thread(target=status.run, name="status-server", daemon=True).start()
        log.info("serving /healthz and /metrics on port %d", settings.port)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except Exception as exc:  # slack_sdk raises its own errors, or the socket library's
        bot.close(SHUTDOWN_GRACE)
        raise CannotServe(f"Socket Mode could not connect to Slack ({type(exc).__name__}): check that WebSocket "
                          "connections to wss-primary.slack.com are allowed from this host") from None  # fmt: skip
    log.info("connected to Slack in Socket Mode")
    stop.wait()
    log.info("shutting down")
    handler.close()  # type: ignore[no-untyped-call]
    bot.close(SHUTDOWN_GRACE)
