"""The Gong client over real HTTP: the last check before a call leaves runs as its request is written."""

from __future__ import annotations

import time

from bot.adapters.gong import GongClient
from bot.domain.target import TargetKind
from tests.fakes.gong import ACCESS_KEY, ACCESS_KEY_SECRET, FakeGong


def test_at_wire_runs_once_per_call_just_before_it_is_written_and_a_wait_in_it_holds_the_call() -> None:
    """On a new connection and on a kept one alike, the callback runs once per call, after the connection is
    open and before Gong receives a byte; what it waits, the call waits (the budget's last check relies on it)."""
    gong = FakeGong().start()
    client = GongClient(gong.url, ACCESS_KEY, ACCESS_KEY_SECRET, timeout=5.0)
    try:
        for number in ("+14255550101", "+14255550102"):  # the first opens the connection, the second reuses it
            ran: list[float] = []

            def at_wire(ran: list[float] = ran) -> None:
                ran.append(time.time())
                time.sleep(0.3)

            accepted = client.erase(TargetKind.PHONE, number, at_wire=at_wire)
            call = gong.calls_for(number)[0]
            assert accepted.status == 200 and len(ran) == 1
            assert call.at >= ran[0] + 0.3  # Gong's kernel saw the first byte only after the wait
        held: list[float] = []
        client.lookup(TargetKind.PHONE, "+14255550103", at_wire=lambda: held.append(time.time()))
        assert len(held) == 1 and gong.lookups_for("+14255550103")[0].at >= held[0]
    finally:
        client.close()
        gong.stop()
