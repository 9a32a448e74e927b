"""What someone with write access to the database could do to the audit log, on either backend."""

from __future__ import annotations

import sqlite3

import psycopg

from bot.adapters.database import is_postgres

GUARDS = ("audit_no_update", "audit_no_delete", "audit_no_truncate")


def tamper(location: str, *statements: str, keep_guards: bool = False) -> None:
    """Drop the append-only triggers (unless `keep_guards`), then run `statements` as they are. A statement about
    SQLite's own bookkeeping (sqlite_sequence) is left out on Postgres, which has none."""
    if is_postgres(location):
        with psycopg.connect(location, autocommit=True) as conn:
            for guard in () if keep_guards else GUARDS:
                conn.execute(f"DROP TRIGGER IF EXISTS {guard} ON audit")  # type: ignore[arg-type]
            for statement in statements:
                if "sqlite_sequence" not in statement:
                    conn.execute(statement)  # type: ignore[arg-type]
        return
    conn = sqlite3.connect(location)
    for guard in () if keep_guards else GUARDS[:2]:
        conn.execute(f"DROP TRIGGER IF EXISTS {guard}")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
