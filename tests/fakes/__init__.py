"""Fake Slack Web API and fake Gong servers on 127.0.0.1, strict like the real services."""
