"""Settings from the environment: every problem named at once, and `python -m bot` exits without a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from tests.support import ROOT

STRONG_KEY = "9f2c4e7a1b3d5f60a8c2e4f6b1d3a5c7e9f0b2d4a6c8e1f3b5d7a9c0e2f4b6d8"  # as secrets.token_hex(32) makes
GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "s3cret",
    "GONG_ACCESS_KEY": "k",
    "GONG_ACCESS_KEY_SECRET": "ks",
    "GONG_ERASE_APPROVERS": "U111, W222 S333",
}


def test_defaults_and_parsed_values() -> None:
    """Unset variables take the documented defaults; approvers split into users and groups."""
    settings = Settings.from_env(GOOD)
    assert settings.approver_users == {"U111", "W222"} and settings.approver_groups == {"S333"}
    assert settings.required_approvals == 1 and settings.allow_self_approval is False
    assert settings.channels is None and settings.request_ttl == 86400 and settings.db_path == "gong-erase.db"
    assert settings.port == 3000 and settings.gong_base_url == "https://api.gong.io"
    assert settings.slack_api_url == "https://slack.com/api/" and not settings.socket_mode


def test_secrets_stay_out_of_repr() -> None:
    """Tokens and secrets never appear in the Settings' repr (and so in a log or traceback)."""
    assert "s3cret" not in repr(Settings.from_env(GOOD)) and "xoxb" not in repr(Settings.from_env(GOOD))


def test_channels_accept_ids_and_names() -> None:
    """GONG_ERASE_CHANNELS takes channel IDs and #names, names compared without case."""
    settings = Settings.from_env({**GOOD, "GONG_ERASE_CHANNELS": "C123ABC, #Privacy-Requests"})
    assert settings.channels == {"C123ABC", "privacy-requests"}


def test_every_problem_is_reported_at_once() -> None:
    """Missing and malformed variables each get their own line naming the variable."""
    env = {
        "SLACK_BOT_TOKEN": "xoxp-user-token",
        "GONG_ERASE_APPROVERS": "U111 bob",
        "GONG_ERASE_REQUIRED_APPROVALS": "two",
        "GONG_ERASE_ALLOW_SELF_APPROVAL": "maybe",
        "GONG_ERASE_REQUEST_TTL": "-5",
        "GONG_BASE_URL": "api.gong.io",
        "PORT": "70000",
    }
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    named = " ".join(error.value.problems)
    for variable in ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET",
                     "GONG_ERASE_APPROVERS", "GONG_ERASE_REQUIRED_APPROVALS", "GONG_ERASE_ALLOW_SELF_APPROVAL",
                     "GONG_ERASE_REQUEST_TTL", "GONG_BASE_URL", "PORT"]:  # fmt: skip
        assert variable in named
    assert len(error.value.problems) >= 10


def test_more_required_approvals_than_listed_users_is_refused() -> None:
    """A configuration under which no request could ever be approved is refused at start."""
    with pytest.raises(ConfigError, match="no request could ever be approved"):
        Settings.from_env({**GOOD, "GONG_ERASE_APPROVERS": "U111", "GONG_ERASE_REQUIRED_APPROVALS": "2"})


def test_socket_mode_needs_no_signing_secret() -> None:
    """With an app-level token (Socket Mode) the signing secret is not needed."""
    env = {k: v for k, v in GOOD.items() if k != "SLACK_SIGNING_SECRET"}
    assert Settings.from_env({**env, "SLACK_APP_TOKEN": "xapp-1-A-1-x"}).socket_mode


def test_python_m_bot_without_configuration_exits_with_one_line_per_problem() -> None:
    """`make run` on a fresh machine: a clear list of what to set, exit code 2, no traceback."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    for variable in ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GONG_ACCESS_KEY", "GONG_ERASE_APPROVERS"]:
        assert sum(variable in line for line in lines) >= 1
    assert "README" in result.stderr


@pytest.mark.parametrize(
    ("verify", "remind", "checks", "nudge"),
    [(None, None, (21600.0, 86400.0, 259200.0), 3600.0), ("90s, 30m,2h", "45m", (90.0, 1800.0, 7200.0), 2700.0),
     ("", "off", (), 0.0), ("1d", "0", (86400.0,), 0.0)],
)  # fmt: skip
def test_verification_and_reminder_schedules(verify: str | None, remind: str | None, checks: tuple[float, ...],
                                             nudge: float) -> None:  # fmt: skip
    """GONG_ERASE_VERIFY_AFTER lists durations (empty: no checks); GONG_ERASE_REMIND_AFTER is one (off: none)."""
    env = dict(GOOD)
    if verify is not None:
        env["GONG_ERASE_VERIFY_AFTER"] = verify
    if remind is not None:
        env["GONG_ERASE_REMIND_AFTER"] = remind
    settings = Settings.from_env(env)
    assert settings.verify_after == checks and settings.remind_after == nudge


@pytest.mark.parametrize(("name", "value"), [("GONG_ERASE_VERIFY_AFTER", "6h,2h"), ("GONG_ERASE_VERIFY_AFTER", "soon"),
                                             ("GONG_ERASE_REMIND_AFTER", "1 hour")])  # fmt: skip
def test_bad_schedules_are_named(name: str, value: str) -> None:
    """A malformed or unordered schedule is refused naming its variable."""
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**GOOD, name: value})
    assert any(name in problem for problem in refused.value.problems)


def test_production_refuses_to_start_without_a_hash_key_and_says_how_to_make_one() -> None:
    """GONG_ERASE_ENV=production needs GONG_ERASE_HASH_KEY (32+ characters); the problem names the command."""
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**GOOD, "GONG_ERASE_ENV": "production"})
    assert any("GONG_ERASE_HASH_KEY" in p and "secrets.token_hex(32)" in p for p in refused.value.problems)
    with pytest.raises(ConfigError, match="too short"):
        Settings.from_env({**GOOD, "GONG_ERASE_ENV": "production", "GONG_ERASE_HASH_KEY": "short"})
    ok = Settings.from_env({**GOOD, "GONG_ERASE_ENV": "production", "GONG_ERASE_HASH_KEY": STRONG_KEY})
    assert ok.production and ok.hash_key == STRONG_KEY and STRONG_KEY[:8] not in repr(ok)
    assert not Settings.from_env(GOOD).production  # development: a key file beside the database will do


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [("GONG_BASE_URL", "http://api.gong.io", "https"), ("SLACK_API_URL", "http://slack.com/api/", "https"),
     ("GONG_BASE_URL", "https://key:secret@api.gong.io", "credentials"),
     ("GONG_BASE_URL", "https://api.gong.io/v2/data-privacy", "no path"),
     ("GONG_BASE_URL", "https://api.gong.io#x", "fragment"), ("SLACK_API_URL", "https://slack.com/api/?x=1", "query"),
     ("SLACK_RESPONSE_URL_PREFIX", "http://127.0.0.1:9/", "https"), ("GONG_BASE_URL", "ftp://api.gong.io", "https")],
)  # fmt: skip
def test_production_refuses_urls_that_would_send_secrets_in_clear_or_elsewhere(
    name: str, value: str, says: str
) -> None:
    """In production: https only, no credentials, query or fragment, no path on Gong's host; the secret not echoed."""
    env = {**GOOD, "GONG_ERASE_ENV": "production", "GONG_ERASE_HASH_KEY": STRONG_KEY, name: value}
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    problem = next(p for p in refused.value.problems if name in p)
    assert says in problem and "secret" not in problem.split("not ")[-1]


def test_plain_http_is_allowed_outside_production_only_to_this_machine() -> None:
    """Tests and local fakes may use http://127.0.0.1; another host over http is refused even in development."""
    local = Settings.from_env(
        {**GOOD, "GONG_BASE_URL": "http://127.0.0.1:8080", "SLACK_API_URL": "http://localhost:9/api"}
    )
    assert local.gong_base_url == "http://127.0.0.1:8080" and local.slack_api_url == "http://localhost:9/api/"
    with pytest.raises(ConfigError, match="GONG_BASE_URL must use https"):
        Settings.from_env({**GOOD, "GONG_BASE_URL": "http://gong.internal"})
    with pytest.raises(ConfigError, match="GONG_BASE_URL must use https"):
        Settings.from_env({**GOOD, "GONG_ERASE_ENV": "production", "GONG_ERASE_HASH_KEY": STRONG_KEY,
                           "GONG_BASE_URL": "http://127.0.0.1:8080"})  # fmt: skip


@pytest.mark.parametrize(
    "key", ["a" * 32, "ab" * 20, "0123456789abcdef" * 2, "passwordpasswordpasswordpassword", "1111111122222222333"
            "33333444444445555"],
)  # fmt: skip
def test_hash_keys_that_could_be_guessed_are_refused(key: str) -> None:
    """32 × 'a', a short pattern repeated, or too few distinct characters: refused with how to make a real key."""
    with pytest.raises(ConfigError, match="too easy to guess") as refused:
        Settings.from_env({**GOOD, "GONG_ERASE_ENV": "production", "GONG_ERASE_HASH_KEY": key})
    assert "secrets.token_hex(32)" in str(refused.value)


def test_keys_as_secrets_makes_them_are_accepted() -> None:
    """Random keys of the documented kind pass, at the shortest length allowed too."""
    import secrets

    for key in [secrets.token_hex(32) for _ in range(50)] + [secrets.token_hex(16) for _ in range(50)]:
        assert Settings.from_env({**GOOD, "GONG_ERASE_ENV": "production", "GONG_ERASE_HASH_KEY": key}).hash_key == key
