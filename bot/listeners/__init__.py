"""Thin Bolt listeners: parse the payload, call the core, answer the person who acted."""
