"""Pure Block Kit and words: every message, report, view and refusal the bot shows a person."""
