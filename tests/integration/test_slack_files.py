"""The Slack adapter's modal, ephemeral and file calls against the fake Slack: a file is fetched only from
Slack, with the bot token, and Slack's sign-in page is never taken for a batch (issue 13's groundwork)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.adapters.slack import Slack
from bot.errors import SlackError
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.integration.test_fakes import BULK_MODAL


@pytest.fixture()
def slack(fake_slack: FakeSlack) -> Slack:
    """The bot's Slack adapter, pointed at the fake."""
    return Slack(WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))


def test_a_shared_file_is_downloaded_with_the_token_and_a_sign_in_page_is_refused(
    slack: Slack, fake_slack: FakeSlack
) -> None:
    """The bytes come back; without files:read the HTML page Slack sends with status 200 is an error that says
    which scope is missing; a file over the limit is refused; a URL that is not Slack's never gets the token."""
    content = b"phone\n+1 425 555 2671\n"
    url = fake_slack.share_file("batch.csv", content)["url_private_download"]
    assert slack.download(url, limit=1_000_000) == content
    with pytest.raises(SlackError) as too_big:
        slack.download(url, limit=10)
    assert too_big.value.code == "file_too_large"
    fake_slack.scopes.discard("files:read")
    try:
        with pytest.raises(SlackError) as page:
            slack.download(url, limit=1_000_000)
        assert page.value.code == "not_a_file" and "files:read" in str(page.value)
    finally:
        fake_slack.scopes.add("files:read")
    with pytest.raises(SlackError) as elsewhere:
        slack.download("https://attacker.example/files-pri/T000-F1/download/x.csv", limit=1_000_000)
    assert elsewhere.value.code == "untrusted_file_url"


def test_modal_ephemeral_and_upload_reach_the_fake_as_slack_would_take_them(
    slack: Slack, fake_slack: FakeSlack
) -> None:
    """views.open with a fresh trigger, chat.postEphemeral to a member, and a v2 upload into a thread."""
    view_id = slack.open_view(fake_slack.issue_trigger("UREQUESTER"), BULK_MODAL)
    assert view_id and fake_slack.views[-1]["callback_id"] == "erase_bulk"
    slack.post_ephemeral("CPRIVACY", "UREQUESTER", "Batch EB-12345678: 3 identifiers", [])
    assert fake_slack.ephemeral_to("UREQUESTER")[-1].text.startswith("Batch EB-12345678")
    with pytest.raises(SlackError) as stranger:
        slack.post_ephemeral("CPRIVACY", "UNOBODY", "x", [])
    assert stranger.value.code == "user_not_in_channel"
    parent = slack.post_message("CPRIVACY", "batch EB-12345678", [])
    file_id = slack.upload_file("CPRIVACY", parent, "EB-12345678-results.csv", b"line,outcome\r\n", "Results")
    [shared] = fake_slack.files_in("CPRIVACY", parent)
    assert shared.id == file_id and shared.title == "Results" and shared.content == b"line,outcome\r\n"
