"""The floor for ack latency: a Bolt app on the same gunicorn stack whose /gong-erase only calls ack()."""

from __future__ import annotations

import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

app = App(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    token_verification_enabled=False,
)


@app.command("/gong-erase")
def gong_erase(ack):  # type: ignore[no-untyped-def]
    ack(text="ok")


application = SlackRequestHandler(app)
