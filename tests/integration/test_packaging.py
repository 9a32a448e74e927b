"""What a platform builds from: the locks agree with pyproject, every file is hashed, Heroku and Docker find what
they need, and the license is there for a company to adopt the bot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """name → (version, hashes) for every requirement of a `uv pip compile --generate-hashes` file."""
    found: dict[str, tuple[str, list[str]]] = {}
    text = lock.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==(\S+)(?:\s*;[^-]*)?((?:\s+--hash=sha256:[0-9a-f]{64})*)", line)
        assert match, f"{lock.name}: not an exact, hashed pin: {line[:80]}"
        name = canonicalize_name(match[1].split("[")[0])
        found[name] = (match[2], re.findall(r"sha256:([0-9a-f]{64})", match[3]))
    return found


@pytest.mark.parametrize(("lock", "extras"), [("requirements.txt", ()), ("requirements-dev.txt", ("test",))])
def test_each_lock_pins_every_dependency_within_bounds_with_hashes(lock: str, extras: tuple[str, ...]) -> None:
    """Every dependency pyproject names is in the lock at a version its bound allows, and every pin has hashes
    (pip then installs in hash-checking mode: nothing else can slip in)."""
    pinned = pins(ROOT / lock)
    wanted = [*PYPROJECT["dependencies"], *(d for e in extras for d in PYPROJECT["optional-dependencies"][e])]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} lacks {name}: run `make lock`"
        assert requirement.specifier.contains(pinned[name][0]), f"{lock} pins {name} {pinned[name][0]}: `make lock`"
    assert all(hashes for _, hashes in pinned.values())


def test_the_dev_lock_runs_the_same_versions_as_production() -> None:
    """The tests run what Heroku and Docker install."""
    runtime, dev = pins(ROOT / "requirements.txt"), pins(ROOT / "requirements-dev.txt")
    assert {name: version for name, (version, _) in runtime.items()} == {name: dev[name][0] for name in runtime}


def test_pip_resolves_the_runtime_lock_alone_in_hash_checking_mode() -> None:
    """A fresh install from the lock needs nothing outside it (pip checks each downloaded file's hash)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed", "--require-hashes",
         "-r", str(ROOT / "requirements.txt"), "--report", "-"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    resolved = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}
    runtime = {name: version for name, (version, _) in pins(ROOT / "requirements.txt").items()}
    assert {name: version for name, version in resolved.items()} == {n: runtime[n] for n in resolved}


def test_license_python_version_and_console_script() -> None:
    """MIT, said in pyproject too; .python-version within requires-python; `gong-erase-bot` is `python -m bot`."""
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PYPROJECT["license"] == "MIT"
    version = (ROOT / ".python-version").read_text().strip()
    assert re.fullmatch(r"3\.1[1-9]", version) and PYPROJECT["requires-python"] == ">=3.11"
    assert PYPROJECT["scripts"]["gong-erase-bot"] == "bot.__main__:run"
    script = Path(sys.executable).parent / "gong-erase-bot"
    result = subprocess.run([str(script), "audit", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and "verify" in result.stdout


def test_heroku_button_deploys_with_postgres_and_a_generated_hash_key() -> None:
    """app.json: Heroku Postgres, production, a generated hash key, and only settings the README documents."""
    app = json.loads((ROOT / "app.json").read_text())
    assert any("heroku-postgresql" in (a if isinstance(a, str) else a["plan"]) for a in app["addons"])
    assert app["env"]["GONG_ERASE_HASH_KEY"]["generator"] == "secret"
    assert app["env"]["GONG_ERASE_ENV"]["value"] == "production"
    readme = (ROOT / "README.md").read_text()
    for name in app["env"]:
        assert f"`{name}`" in readme, name


def test_the_image_installs_from_the_lock_and_runs_unprivileged() -> None:
    """The Dockerfile installs hashed pins only, drops root and checks /healthz."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.txt" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def test_the_image_builds() -> None:
    """`docker build` of the repository, where a Docker daemon answers."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine: the image is not built here")
    if subprocess.run([docker, "info"], capture_output=True, timeout=30, check=False).returncode != 0:
        pytest.skip("no Docker daemon reachable (`docker info` fails): the image is not built here")
    result = subprocess.run([docker, "build", "-q", "-t", "gong-erase-bot:test", str(ROOT)], capture_output=True,
                            text=True, timeout=900, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
