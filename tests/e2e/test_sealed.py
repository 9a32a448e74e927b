"""Identifiers sealed at rest, end to end on both backends: a ciphertext someone moved to another request's row is
not erased; the approver is told why, in the thread, and Gong hears nothing."""

from __future__ import annotations

import time

from tests.conftest import Deployment
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import APPROVER, CHANNEL, button_value, db_rows, fresh_number, request_state, submit_request
from tests.tampering import tamper


def test_a_ciphertext_moved_to_another_request_is_not_erased_and_the_thread_says_why(
    deployment: Deployment, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Request B's row is given request A's sealed number (by someone with write access to the database): B's
    approval sends nothing to Gong, B fails with words that say what to check, and A is untouched."""
    user = deployment.user()
    (typed_a, e164_a), (typed_b, e164_b) = fresh_number(), fresh_number()
    a = button_value(submit_request(user, typed_a).blocks, "erase_approve")
    parent_b = submit_request(user, typed_b)
    b = button_value(parent_b.blocks, "erase_approve")
    host = deployment.any_host
    tamper(host.env.get("DATABASE_URL") or host.env["GONG_ERASE_DB"],
           f"UPDATE requests SET identifier = (SELECT identifier FROM requests WHERE id = '{a}') WHERE id = '{b}'",
           keep_guards=True)  # fmt: skip
    user.click("erase_approve", b, APPROVER, message_ts=parent_b.ts)
    note = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent_b.ts), what="the failure, in the thread")
    assert "could not be decrypted" in note[0].all_text and "nothing was sent to Gong" in note[0].all_text
    assert "GONG_ERASE_DATA_KEY" in note[0].all_text
    fake_slack.wait_for(lambda: request_state(host, b) == "failed", what="request B failed")
    time.sleep(0.5)
    assert fake_gong.calls_for(e164_a) == [] and fake_gong.calls_for(e164_b) == []
    assert request_state(host, a) == "pending"
    row = db_rows(host, "SELECT identifier FROM requests WHERE id = ?", (b,))[0]
    assert row["identifier"] is None  # over: wiped like any failed request
    logs = deployment.logs()
    assert f"request {b}: the stored identifier cannot be decrypted" in logs
    assert e164_a not in logs and e164_b not in logs and "Traceback" not in logs
