"""The local playground in a real headless Chromium (Debian's), against `python -m bot playground` in a process
of its own: the whole flow as a visitor clicks through it, and `make run`'s entry point on an empty environment."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, free_port

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]  # fmt: skip


def chromium() -> str | None:
    """Debian's chromium, installed when missing and the machine allows it (as CI does); None when it cannot be."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found or not shutil.which("apt-get") or os.geteuid() != 0:
        return found
    subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=600, check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True, timeout=900, check=False,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
    return shutil.which("chromium")


@dataclass
class Served:
    """A playground process and where it answers."""

    proc: subprocess.Popen[str]
    url: str
    line: str
    folder: Path

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def start_playground(folder: Path, command: str = "playground", extra: dict[str, str] | None = None) -> Served:
    """`python -m bot <command>` with an environment holding nothing of Slack or Gong; waits for its one line."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GONG_", "DATABASE_"))}
    env |= {"PORT": str(port), "PYTHONUNBUFFERED": "1", **(extra or {})}
    with (folder / "playground.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot", command], cwd=folder, env=env, stdout=subprocess.PIPE,
                                stderr=log, text=True)  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    return Served(proc, f"http://localhost:{port}/", line, folder)


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_playground(tmp_path_factory.mktemp("playground"))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def browser(playground: Served) -> Iterator[object]:
    executable = chromium()
    if executable is None:
        reason = "no Chromium: Debian's `chromium` package is not installed and cannot be (not root, or no apt)"
        if os.environ.get("TESTS_NEED_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def test_the_playground_says_where_it_is_and_listens_on_loopback_only(playground: Served) -> None:
    """One line with the address; the page answers on 127.0.0.1 and on no other address of the machine."""
    assert playground.line == f"Playground: {playground.url} (nothing reaches Slack or Gong)"
    assert httpx.get(playground.url, timeout=5).status_code == 200
    port = int(playground.url.rsplit(":", 1)[1].strip("/"))
    outside = [ip for ip in socket.gethostbyname_ex(socket.gethostname())[2] if not ip.startswith("127.")]
    for address in outside:
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
            pass
    assert (playground.folder / "playground.db").exists()  # its own database, beside nothing else


def test_a_visitor_requests_approves_and_sees_the_requestid_and_the_gong_call(
    playground: Served, browser: object, tmp_path: Path
) -> None:
    """Dana types the command and submits; Alex (outsider) is refused privately; Lee approves through the confirm
    dialog; the thread shows Gong's requestId and the Gong panel the call. A Gong 500 shows the retry, then the
    outcome. A screenshot of each step is kept."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    shots = iter(range(1, 100))

    def shot(name: str) -> None:
        page.screenshot(path=str(tmp_path / f"{next(shots):02d}-{name}.png"))

    def type_as(user_id: str, text: str) -> None:
        """Pick the user, type into the composer and send, as a visitor does."""
        page.get_by_test_id("user-select").select_option(user_id)
        page.get_by_test_id("composer").fill(text)
        page.get_by_test_id("composer").press("Enter")

    def request_as_dana(command: str) -> None:
        """Dana sends the command and submits its private confirmation."""
        type_as("U0DANA", command)
        page.locator("[data-testid=message][data-visibility=ephemeral]").last.locator(
            "[data-action-id=erase_submit]").click()  # fmt: skip

    page.goto(playground.url)
    type_as("U0DANA", "/gong-erase +1 425 555 2671 DSR-1234")
    confirmation = page.locator("[data-testid=message][data-visibility=ephemeral]").last
    expect(confirmation).to_contain_text("+14255552671")
    expect(confirmation).to_contain_text("Only visible to you")
    shot("confirmation")
    confirmation.locator("[data-testid=block-button][data-action-id=erase_submit]").click()
    request = page.locator("[data-testid=message][data-visibility=public]").filter(has_text="Gong erase request").last
    expect(request).to_contain_text("+1 ••• ••• 2671")
    expect(request).not_to_contain_text("2552671")
    shot("submitted")

    page.get_by_test_id("user-select").select_option("U0ALEX")
    expect(page.locator("[data-testid=message][data-visibility=ephemeral]")).to_have_count(0)  # Dana's alone
    request.locator("[data-action-id=erase_approve]").click()
    page.get_by_test_id("confirm-ok").click()
    refusal = page.locator("[data-testid=message][data-visibility=ephemeral]").last
    expect(refusal).to_contain_text("Only the configured approvers")
    shot("outsider-refused")

    page.get_by_test_id("user-select").select_option("U0LEE")
    request.locator("[data-action-id=erase_approve]").click()
    expect(page.locator(".dialog").first).to_contain_text("Erase this person's data?")
    page.get_by_test_id("confirm-ok").click()
    request.get_by_test_id("open-thread").click()
    reply = page.get_by_test_id("thread-reply").first
    expect(reply).to_contain_text("Gong accepted the erase request")
    expect(reply).to_contain_text("Gong requestId")
    expect(request).to_contain_text("Submitted to Gong")
    expect(page.get_by_test_id("gong-call").filter(has_text="erase-data-for-phone-number")).to_contain_text("→ 200")
    shot("approved")

    page.get_by_test_id("gong-fault").select_option("500")
    request_as_dana("/gong-erase jane.doe@example.com DSR-1235")
    second = page.locator("[data-testid=message][data-visibility=public]").filter(has_text="j•••@example.com").last
    expect(second).to_contain_text("Gong erase request")
    page.get_by_test_id("user-select").select_option("U0LEE")
    second.locator("[data-action-id=erase_approve]").click()
    page.get_by_test_id("confirm-ok").click()
    failed_call = page.get_by_test_id("gong-call").filter(has_text="erase-data-for-email-address").first
    expect(failed_call).to_contain_text("→ 500", timeout=15_000)
    shot("gong-500")
    page.get_by_test_id("gong-fault").select_option("none")
    expect(second).to_contain_text("Submitted to Gong", timeout=20_000)
    expect(page.get_by_test_id("gong-call").filter(has_text="erase-data-for-email-address").first).to_contain_text(
        "→ 200")  # fmt: skip
    second.get_by_test_id("open-thread").click()
    expect(page.get_by_test_id("thread-reply").first).to_contain_text("Gong accepted")
    shot("retried-then-accepted")

    request_as_dana("/gong-erase +44 20 7946 0958 DSR-1236")  # a request left pending, then hours pass
    waiting = page.locator("[data-testid=message][data-visibility=public]").filter(has_text="+44").last
    expect(waiting).to_contain_text("Waiting for approval")
    page.get_by_test_id("advance").click()
    waiting.get_by_test_id("open-thread").click()
    expect(page.get_by_test_id("thread-reply").first).to_contain_text("still needs 1 approval", timeout=15_000)
    page.get_by_test_id("home-tab").click()
    expect(page.locator("#home")).to_contain_text("Gong erase requests")
    shot("home")
    page.locator("#tab-channel").click()
    second.get_by_test_id("open-thread").click()
    expect(page.get_by_test_id("thread-reply").first).to_contain_text("Gong accepted")
    shot("final")  # the README shows this one (docs/playground.png)
    assert len(list(tmp_path.glob("*.png"))) == 8


def test_make_runs_entry_point_serves_the_playground_on_an_empty_environment(tmp_path: Path) -> None:
    """`python -m bot local` (what `make run` runs) with no Slack token: the playground, answering within 2 s."""
    started = time.monotonic()
    served = start_playground(tmp_path, "local")
    try:
        while True:
            try:
                if httpx.get(served.url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() - started < 10, "the playground did not answer"
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        assert served.line.startswith("Playground: http://localhost:")
        print(f"playground answered {elapsed:.2f} s after exec")  # the 2 s goal is measured, not asserted
    finally:
        served.stop()
    assert "run: $(STAMP)\n\texec $(BIN)/python -m bot local" in (ROOT / "Makefile").read_text()


def test_the_production_entry_point_never_falls_back_to_the_playground(tmp_path: Path) -> None:
    """`python -m bot` without settings exits non-zero, one line per missing setting, and says how to try locally."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GONG_", "DATABASE_"))}
    ran = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env | {"PORT": str(free_port())},
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    assert ran.returncode == 2 and "Playground" not in ran.stdout
    assert "SLACK_BOT_TOKEN is not set" in ran.stderr and "`make run` (or `python -m bot playground`)" in ran.stderr
    assert "Traceback" not in ran.stderr
