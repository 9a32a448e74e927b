"""The outside world: the database (every line of SQL), Gong over HTTPS, the Slack Web API, the key file."""
