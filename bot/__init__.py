"""gong-erase-bot: erase a person's data from Gong from Slack, with approval, exactly once."""
