"""Entry point: read settings, check the Slack token, then serve over HTTP (gunicorn) or Socket Mode."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from dotenv import load_dotenv

from . import logs
from .config import Settings
from .errors import ConfigError

HELP = "Set them in the environment (or in a .env file in this folder); README.md lists every variable."
TRY_IT = (
    "To try the bot locally, with a stand-in Slack and Gong and nothing to sign up for: `make run` (or "
    "`python -m bot playground`)."
)


def read_dotenv(folder: Path | None = None) -> None:
    """`.env` in the working folder, if there is one, under the real environment (which wins). Read literally, as
    python-dotenv parses it: `GONG_ERASE_APPROVERS=U1 S2` is one value, and a `$` in a secret stays a `$`."""
    path = (folder or Path.cwd()) / ".env"
    if path.is_file():
        load_dotenv(path, override=False, interpolate=False)


def main(argv: list[str]) -> int:
    """`python -m bot` serves; `check` runs every check; `audit …` answers an auditor; `playground` serves the local
    playground, and `local` (what `make run` runs) the bot when a Slack app is configured, else the playground.
    Exit 2 on a configuration problem (one line each, never a traceback)."""
    read_dotenv()
    if argv[:1] in (["playground"], ["local"]):
        return _playground(local=argv[:1] == ["local"])
    if argv[:1] in (["audit"], ["keys"], ["db"]):
        from . import cli

        return cli.main(argv)
    checking = argv[:1] == ["check"]
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print("✗ settings:" if checking else "gong-erase-bot cannot start:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        print(HELP, file=sys.stderr)
        if not checking:
            print(TRY_IT, file=sys.stderr)
        return 1 if checking else 2
    logs.configure(settings.log_level, settings.log_format)
    if not checking:
        prepare_metrics()
    from . import doctor
    from .app import with_hash_key

    settings = with_hash_key(settings, quiet=checking)
    if checking:
        return doctor.check(settings, print)
    refused, installation = doctor.preflight(settings, wait=settings.startup_wait)
    if refused:
        print(f"gong-erase-bot cannot start: {refused.what}: {refused.todo}", file=sys.stderr)
        return 2
    from . import server

    try:
        if settings.socket_mode:
            server.serve_socket_mode(settings, installation)
        else:
            server.serve_http(settings, installation)
    except server.CannotServe as exc:
        print(f"gong-erase-bot cannot start: {exc}", file=sys.stderr)
        return 2
    return 0


def _playground(*, local: bool) -> int:
    """`python -m bot playground`, and `make run` (`local`): the real bot when a Slack app is configured, else the
    playground. The production entry point (`python -m bot`) never falls back to it."""
    from .config import PlaygroundSettings

    try:
        chosen = PlaygroundSettings.from_env()
    except ConfigError as exc:
        print("gong-erase-bot cannot start the playground:", *(f"  - {p}" for p in exc.problems), sep="\n",
              file=sys.stderr)  # fmt: skip
        return 2
    if local and chosen.slack_configured:
        return main([])
    logs.configure("WARNING", "text")
    prepare_metrics()
    from . import playground

    return playground.main(chosen)


def prepare_metrics() -> None:
    """Before prometheus_client is first imported: the folder where every gunicorn process writes its counts
    (multiprocess mode), emptied, or made afresh when PROMETHEUS_MULTIPROC_DIR is not set."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gong-erase-metrics-")
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):  # counts of an earlier run would be summed with this one's
        stale.unlink()


def run() -> None:
    """The `gong-erase-bot` console script: the same as `python -m bot`."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    run()
