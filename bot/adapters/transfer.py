"""Moving a deployment's records from one database to another (SQLite → Postgres), row for row: the audit chain
keeps its ids and seals, so it verifies in its new home with the same key; identifiers stay encrypted."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import StoreConflict
from .store import Store

__all__ = ["TABLES", "copy_records"]

# In an order foreign keys accept; each with the columns copied (all of them).
TABLES = ("requests", "approvals", "jobs", "audit", "audit_head", "gong_calls", "gong_pause", "gong_pace",
          "audit_checkpoints")  # fmt: skip
_NUMBERED = ("jobs", "gong_calls")  # their ids come from a sequence on Postgres, which must go on after them


@dataclass(frozen=True)
class Copied:
    """How many rows of each table moved."""

    rows: dict[str, int]


def copy_records(source: Store, target: Store) -> Copied:
    """Copy every table of `source` into `target`, which must hold no request and no audit row yet; one
    transaction on the target, so a failed copy leaves it as empty as it was."""
    counts: dict[str, int] = {}
    with target.transaction() as tx:
        for table in ("requests", "audit"):
            if tx.sql.one(f"SELECT COUNT(*) AS n FROM {table}")["n"]:  # type: ignore[index]  # noqa: S608
                raise StoreConflict(f"the target already holds {table}: copy only into an empty database")
        tx.sql.execute("DELETE FROM audit_head")  # migrations made an empty one; the source's comes next
        reader = source.database.reader()
        for table in TABLES:
            rows = reader.query(f"SELECT * FROM {table}")  # noqa: S608  (our own table names)
            for row in rows:
                names = list(row)
                tx.sql.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})",  # noqa: S608
                    row,
                )
            counts[table] = len(rows)
        if target.database.dialect.name == "postgres":
            for table in _NUMBERED:
                tx.sql.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
                )
    return Copied(counts)
