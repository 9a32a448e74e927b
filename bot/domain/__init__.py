"""The pure core: what a request is, its states and what each move causes; no I/O, no Slack markup."""
