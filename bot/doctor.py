"""What an admin needs to know before trusting the bot: `python -m bot check` runs every check below and prints
one line each; `python -m bot` runs the cheap ones (no Gong call) before serving, and stops with one line when
one that matters fails. Unknown approvers and channels only warn at start-up: one stale ID must not keep the
others from working (see adapters.slack.ApproverGroups)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from slack_sdk import WebClient

from .adapters.budget import GongBudget
from .adapters.gong import GongClient
from .adapters.slack import Slack, call_api
from .adapters.store import Store
from .config import Settings
from .domain.budget import Pace
from .domain.target import TargetKind
from .domain.workspace import Installation
from .environment import without_credentials
from .errors import GongError, GongRateLimited, GongRejected, SlackError, StoreError

__all__ = ["PROBE_NUMBER", "Doctor", "Finding", "check", "preflight"]

log = logging.getLogger(__name__)

PROBE_NUMBER = "+12025550100"  # 555-0100…0199 are kept for fiction: no person's data is behind it
GROUPS_NEED = "user groups need a paid Slack plan (Pro or above)"
RECOPY_BOT_OAUTH = "copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions"
CHECK_NETWORK = "check this host's network, DNS and proxy (HTTPS_PROXY), then start again"


@dataclass(frozen=True)
class Finding:
    """One check: what was found, and, when it failed, what to do. `fatal`: the bot cannot serve without it."""

    ok: bool
    what: str
    todo: str = ""
    fatal: bool = True

    def line(self) -> str:
        """✓ or ✗, what was found, and what to do."""
        return f"✓ {self.what}" if self.ok else f"✗ {self.what}" + (f": {self.todo}" if self.todo else "")


class Doctor:
    """The checks, against the real services (or whatever SLACK_API_URL, GONG_BASE_URL and the database name)."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.slack = Slack(WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10))
        self._sleep = sleep
        self._monotonic = monotonic

    def bot_token(self, wait: float = 0.0) -> tuple[Finding, Installation | None]:
        """auth.test; a Slack that cannot be reached is asked again with backoff for up to `wait` seconds."""
        deadline, delay = self._monotonic() + wait, 1.0
        while True:
            try:
                installation = self.slack.installation()
                break
            except SlackError as exc:
                if exc.code != "connection_error":
                    return Finding(False, f"SLACK_BOT_TOKEN was refused by Slack ({exc.code})", RECOPY_BOT_OAUTH), None
                if self._monotonic() + delay > deadline:
                    waited = f" for {wait:.0f} s" if wait else ""
                    where = f"Slack could not be reached at {without_credentials(self.settings.slack_api_url)}{waited}"
                    return Finding(False, where, CHECK_NETWORK), None
                log.warning("Slack could not be reached; trying again in %.0f s", delay)
                self._sleep(delay)
                delay = min(delay * 2, 10.0)
        return Finding(True, f"SLACK_BOT_TOKEN works: team {installation.team_id}, app "
                       f"{installation.app_id or 'unknown'}"), installation  # fmt: skip

    def app_token(self) -> Finding:
        """apps.connections.open with SLACK_APP_TOKEN (Socket Mode); the URL it hands out is never used."""
        if not self.settings.socket_mode:
            return Finding(True, "SLACK_APP_TOKEN unset: HTTP mode (Slack sends requests to /slack/events)")
        client = WebClient(base_url=self.settings.slack_api_url, timeout=10)
        try:
            call_api(lambda: client.apps_connections_open(app_token=self.settings.slack_app_token))
        except SlackError as exc:
            return Finding(False, f"SLACK_APP_TOKEN was refused by Slack ({exc.code})",
                           "create an app-level token with connections:write (Basic Information → App-Level "
                           "Tokens) and enable Socket Mode")  # fmt: skip
        return Finding(True, "SLACK_APP_TOKEN opens a Socket Mode connection")

    def approvers(self) -> list[Finding]:
        """Each approver user exists; each approver group exists, with how many members."""
        findings = []
        for user in sorted(self.settings.approver_users):
            try:
                found = self.slack.user_exists(user)
            except SlackError as exc:
                findings.append(_cannot_ask(f"approver {user}", exc))
                continue
            findings.append(
                Finding(True, f"approver {user} exists", fatal=False)
                if found
                else Finding(
                    False,
                    f"approver {user} is not a user of this workspace",
                    "remove it from GONG_ERASE_APPROVERS, or correct it (profile → ⋮ → Copy member ID)",
                    fatal=False,
                )
            )
        if not self.settings.approver_groups:
            return findings
        try:
            groups = self.slack.user_groups()
        except SlackError as exc:
            return [*findings, _cannot_ask("approver groups", exc)]
        for group in sorted(self.settings.approver_groups):
            if group in groups:
                handle, members = groups[group]
                findings.append(Finding(True, f"approver group {group} (@{handle}): {members} member(s)",
                                        fatal=False))  # fmt: skip
            else:
                findings.append(Finding(False, f"approver group {group} does not exist (or is disabled)",
                                        "remove it from GONG_ERASE_APPROVERS, or correct it; its members cannot "
                                        "approve until then (the others can)", fatal=False))  # fmt: skip
        return findings

    def channels(self) -> list[Finding]:
        """Each channel ID in GONG_ERASE_CHANNELS exists and has the bot in it (names are matched as typed)."""
        findings = []
        for channel in sorted(self.settings.channels or ()):
            if channel[:1] not in {"C", "G"} or not channel[1:].isalnum() or not channel.isupper():
                findings.append(Finding(True, f"channel {channel!r} is allowed by name (not checked)", fatal=False))
                continue
            try:
                found = self.slack.channel(channel)
            except SlackError as exc:
                findings.append(_cannot_ask(f"channel {channel}", exc))
                continue
            if found is None:
                findings.append(Finding(False, f"channel {channel} does not exist",
                                        "correct GONG_ERASE_CHANNELS", fatal=False))  # fmt: skip
            elif not found[1]:
                findings.append(Finding(False, f"the bot is not in #{found[0]} ({channel})",
                                        f"type /invite @gong-erase in #{found[0]}", fatal=False))  # fmt: skip
            else:
                findings.append(Finding(True, f"channel #{found[0]} ({channel}): the bot is a member", fatal=False))
        return findings

    @contextmanager
    def database(self) -> Iterator[tuple[Finding, Store | None]]:
        """Open the database as the bot does (migrating it), check its schema and that the hash key is its own."""
        storage = self.settings.storage
        where = "Postgres (DATABASE_URL)" if storage.postgres else f"SQLite at {storage.location}"
        try:
            store = Store.for_storage(storage, pool_size=2)
        except StoreError as exc:
            yield Finding(False, f"the database, {where}, cannot be used", str(exc)), None
            return
        try:
            yield Finding(True, f"the database, {where}, is reachable, its schema current, the hash key its own"), store
        finally:
            store.shutdown()

    def gong(self, store: Store) -> Finding:
        """One lookup of a fictional number, in the shared budget: 401 means the credentials, 403 the scope."""
        settings = self.settings
        clock = store.database.deployment_clock()
        budget = GongBudget(store, Pace(settings.gong_rate_per_second, settings.gong_pace_margin),
                            settings.gong_daily_limit, clock=clock)  # fmt: skip
        slot = budget.acquire()
        for _ in range(20):
            if slot.acquired or slot.daily_exhausted:
                break
            self._sleep(min(slot.wait, 1.0))
            slot = budget.acquire()
        if not slot.acquired:
            return Finding(False, "Gong was not asked: today's call budget (GONG_DAILY_LIMIT) is spent",
                           "run the check again tomorrow (UTC)")  # fmt: skip
        self._sleep(max(0.0, slot.at - clock()))
        gong = GongClient(settings.gong_base_url, settings.gong_access_key, settings.gong_access_key_secret,
                          settings.gong_timeout)  # fmt: skip
        try:
            gong.lookup(TargetKind.PHONE, PROBE_NUMBER)
        except GongRejected as exc:
            if exc.status == 401:
                return Finding(False, "Gong refused GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (401)",
                               "copy both again from Gong: Company settings → Ecosystem → API")  # fmt: skip
            if exc.status == 403:
                return Finding(False, "Gong's API key lacks the Data Privacy scope (403)",
                               "give the key api:data-privacy:read and api:data-privacy:delete in Gong")  # fmt: skip
            return Finding(False, f"Gong refused a lookup ({exc.status})", f"check GONG_BASE_URL ({exc})")
        except GongRateLimited:
            return Finding(False, "Gong is rate-limiting this API key right now (429)", "run the check again later")
        except GongError as exc:
            return Finding(False, f"Gong could not be asked at {without_credentials(settings.gong_base_url)} ({exc})",
                           "check GONG_BASE_URL and this host's network")  # fmt: skip
        finally:
            gong.close()
        return Finding(True, "Gong accepts the credentials and the Data Privacy read scope (one lookup of a "
                       "fictional number; the delete scope shows at the first erase)")  # fmt: skip


def _cannot_ask(what: str, exc: SlackError) -> Finding:
    """Slack would not say; a missing scope and a free plan say what to do."""
    if exc.code == "missing_scope":
        todo = (
            "add the scopes users:read, usergroups:read, channels:read, groups:read, files:read and files:write "
            "to the app (manifest.yml lists them), reinstall it"
        )
    elif exc.code in {"plan_upgrade_required", "paid_teams_only"}:
        todo = f"{GROUPS_NEED}: list users instead"
    else:
        todo = "try again; if it persists, check the bot token's scopes"
    return Finding(False, f"{what}: Slack would not say ({exc.code})", todo, fatal=False)


def preflight(settings: Settings, *, wait: float = 60.0) -> tuple[Finding | None, Installation | None]:
    """Before serving: the tokens and the database must work (the first failure is returned, to print and stop);
    unknown approvers and channels are logged as warnings. No Gong call: a restart loop must not spend the
    budget."""
    doctor = Doctor(settings)
    found, installation = doctor.bot_token(wait)
    if not found.ok:
        return found, None
    log.info("%s", found.what)
    found = doctor.app_token()
    if not found.ok:
        return found, None
    with doctor.database() as (found, _):
        if not found.ok:
            return found, None
    for finding in [*doctor.approvers(), *doctor.channels()]:
        if not finding.ok:
            log.warning("%s: %s", finding.what, finding.todo)
    return None, installation


def check(settings: Settings, print_line: Callable[[str], None]) -> int:
    """`python -m bot check`: every check, one line each; 0 when all pass, 1 when any fails."""
    doctor = Doctor(settings)
    findings: list[Finding] = [Finding(True, "settings: every variable read and valid")]
    found, _ = doctor.bot_token()
    findings.append(found)
    for finding in findings:
        print_line(finding.line())
    later = [doctor.app_token(), *doctor.approvers(), *doctor.channels()] if found.ok else []
    for finding in later:
        print_line(finding.line())
    with doctor.database() as (database, store):
        print_line(database.line())
        gong = (
            doctor.gong(store)
            if store is not None
            else Finding(False, "Gong was not asked", "the database must work first: the call is counted in its budget")
        )
        print_line(gong.line())
    return 0 if all(f.ok for f in [*findings, *later, database, gong]) else 1
