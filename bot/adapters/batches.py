"""A batch's own records: what its intake counted, and one row per line of its list, each identifier sealed for its
own row (`EB-…#line`) as a request's is for the request, and wiped when the item is over.

`BatchRecords` works inside the caller's transaction (or on a reader, for reads): `tx.batch` and `store.batch`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

from ..domain.batch import BatchFacts, BatchItem, Intake, ItemEvent, ItemOutcome, next_outcome
from ..domain.target import Target, TargetKind
from ..errors import InputRejected, StoreConflict, Undecryptable
from .cipher import IdentifierCipher
from .database import Sql

__all__ = ["BatchRecords", "item_row_id"]

log = logging.getLogger(__name__)

_FACTS = frozenset({"sampled", "sampled_held", "progress_at", "resume_at", "ended_at", "retries"})
_ITEM_COLUMNS = frozenset({"gong_request_id", "error", "checks", "attempts"})


def item_row_id(batch_id: str, line: int) -> str:
    """What an item's identifier is sealed for: it opens in no other row."""
    return f"{batch_id}#{line}"


class BatchRecords:
    """The batch tables, seen through one transaction (or a reader)."""

    def __init__(self, sql: Sql, cipher: IdentifierCipher) -> None:
        self.sql = sql
        self.cipher = cipher

    # -- intake ---------------------------------------------------------------------------------

    def open(self, batch_id: str, *, pasted: str, file_url: str | None, file_name: str | None) -> None:
        """A batch waiting to be read: the pasted list sealed until the intake job has read it."""
        sealed = self.cipher.seal(item_row_id(batch_id, 0), pasted) if pasted else None
        self.sql.execute("INSERT INTO batches (id, intake, file_url, file_name) VALUES (?, ?, ?, ?)",
                         [batch_id, sealed, file_url, file_name])  # fmt: skip

    def unread(self, batch_id: str) -> tuple[str, str | None] | None:
        """The pasted list and the file's address, until the intake has read them; None after."""
        row = self.sql.one("SELECT intake, file_url, read_at FROM batches WHERE id = ?", [batch_id])
        if row is None or row["read_at"] is not None:
            return None
        pasted = self.cipher.open(item_row_id(batch_id, 0), row["intake"]) if row["intake"] else ""
        return pasted, row["file_url"]

    def record_intake(
        self, batch_id: str, intake: Intake, hash_of: Callable[[Target], str | None],
        words: Callable[[InputRejected], str], now: float,
    ) -> None:  # fmt: skip
        """One row per line, in list order (a refused line with the `words` saying why); the pasted list and the
        file's address forgotten."""
        for item in intake.items:
            target = item.target
            self.sql.execute(
                "INSERT INTO batch_items (batch_id, line, kind, identifier, masked, identifier_hash, reason, outcome, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [batch_id, item.line, target.kind.value, self.cipher.seal(item_row_id(batch_id, item.line),
                 target.identifier), target.masked, hash_of(target), item.reason, ItemOutcome.WAITING.value, now],
            )  # fmt: skip
        for refused in intake.refused:
            self.sql.execute(
                "INSERT INTO batch_items (batch_id, line, kind, masked, outcome, error, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [batch_id, refused.line, TargetKind.PHONE.value, refused.masked, ItemOutcome.REFUSED.value,
                 words(refused.refusal), now],
            )  # fmt: skip
        self.sql.execute(
            "UPDATE batches SET intake = NULL, file_url = NULL, phones = ?, addresses = ?, duplicates = ?, "
            "refused = ?, read_at = ? WHERE id = ?",
            [intake.phones, intake.addresses, intake.duplicates, len(intake.refused), now, batch_id],
        )
        self.sql.wiped = self.sql.wiped or bool(intake.items)  # the sealed pasted list went

    def forget_intake(self, batch_id: str, now: float) -> None:
        """The intake was refused as a whole: the pasted list goes, nothing is stored of it."""
        self.sql.execute("UPDATE batches SET intake = NULL, file_url = NULL, read_at = ? WHERE id = ?", [now, batch_id])
        self.sql.wiped = True

    # -- facts ----------------------------------------------------------------------------------

    def facts(self, batch_id: str) -> BatchFacts | None:
        """What the intake counted and the execution told; None for a request that is not a batch."""
        row = self.sql.one("SELECT * FROM batches WHERE id = ?", [batch_id])
        if row is None:
            return None
        names = set(BatchFacts.__dataclass_fields__) - {"id"}
        return BatchFacts(id=row["id"], **{name: row[name] for name in names})

    def set_facts(self, batch_id: str, **columns: Any) -> None:
        """Record what changed no item: the preview's counts, the last progress update, the resume time."""
        if set(columns) - _FACTS:
            raise StoreConflict(f"not an updatable batch column: {sorted(set(columns) - _FACTS)}")
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        self.sql.execute(f"UPDATE batches SET {assignments} WHERE id = :id", {"id": batch_id, **columns})  # noqa: S608

    # -- items ----------------------------------------------------------------------------------

    def item(self, batch_id: str, line: int) -> BatchItem | None:
        """One line of the batch."""
        row = self.sql.one("SELECT * FROM batch_items WHERE batch_id = ? AND line = ?", [batch_id, line])
        return self._item(row) if row else None

    def items(self, batch_id: str, outcomes: Collection[ItemOutcome] = (), *, after: int = 0,
              limit: int | None = None) -> list[BatchItem]:  # fmt: skip
        """Lines of the batch in list order, those with one of `outcomes` (all when empty), past line `after`."""
        where = "batch_id = ? AND line > ?"
        params: list[Any] = [batch_id, after]
        if outcomes:
            where += f" AND outcome IN ({', '.join('?' for _ in outcomes)})"
            params += [outcome.value for outcome in outcomes]
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = self.sql.query(f"SELECT * FROM batch_items WHERE {where} ORDER BY line{tail}", params)  # noqa: S608
        return [self._item(row) for row in rows]

    def next_waiting(self, batch_id: str, after: int = 0) -> int | None:
        """The line of the next item still to send, in list order (wrapping round to the start: a retried item
        before the one the chain stopped at must not be left behind)."""
        for since in (after, 0):
            row = self.sql.one("SELECT MIN(line) AS line FROM batch_items WHERE batch_id = ? AND outcome = ? "
                               "AND line > ?", [batch_id, ItemOutcome.WAITING.value, since])  # fmt: skip
            if row and row["line"] is not None:
                return int(row["line"])
        return None

    def counts(self, batch_id: str) -> dict[ItemOutcome, int]:
        """How many lines stand where."""
        rows = self.sql.query("SELECT outcome, COUNT(*) AS n FROM batch_items WHERE batch_id = ? GROUP BY outcome",
                              [batch_id])  # fmt: skip
        found = {ItemOutcome(row["outcome"]): int(row["n"]) for row in rows}
        return {outcome: found.get(outcome, 0) for outcome in ItemOutcome}

    def move_item(self, item: BatchItem, event: ItemEvent, *, now: float, wipe: bool, **columns: Any) -> ItemOutcome:
        """One move of the item table, as a conditional write (StoreConflict when the item moved meanwhile)."""
        to = next_outcome(item.outcome, event)
        if set(columns) - _ITEM_COLUMNS:
            raise StoreConflict(f"not an updatable item column: {sorted(set(columns) - _ITEM_COLUMNS)}")
        if wipe:
            columns["identifier"] = None
            self.sql.wiped = True
        assignments = "".join(f", {name} = :{name}" for name in columns)
        changed = self.sql.execute(
            f"UPDATE batch_items SET outcome = :to, updated_at = :now{assignments} "  # noqa: S608
            "WHERE batch_id = :batch AND line = :line AND outcome = :from",
            {"to": to.value, "now": now, "batch": item.batch_id, "line": item.line, "from": item.outcome.value,
             **columns},
        )  # fmt: skip
        if changed != 1:
            raise StoreConflict(f"item {item.batch_id}#{item.line} changed under a transaction")
        return to

    def count_attempt(self, item: BatchItem) -> None:
        """One more call went out for the item (written with the call's booking, before it is sent)."""
        self.sql.execute("UPDATE batch_items SET attempts = attempts + 1 WHERE batch_id = ? AND line = ?",
                         [item.batch_id, item.line])  # fmt: skip

    def count_check(self, item: BatchItem, checks: int) -> None:
        """The item was looked up in this round of checks, and is not over yet."""
        self.sql.execute("UPDATE batch_items SET checks = ? WHERE batch_id = ? AND line = ?",
                         [checks, item.batch_id, item.line])  # fmt: skip

    def retry_failed(self, batch_id: str, now: float) -> int:
        """Every failed item whose identifier is still kept goes back to waiting; how many."""
        return self.sql.execute(
            "UPDATE batch_items SET outcome = ?, error = '', updated_at = ? WHERE batch_id = ? AND outcome = ? "
            "AND identifier IS NOT NULL",
            [ItemOutcome.WAITING.value, now, batch_id, ItemOutcome.FAILED.value],
        )

    def wipe_failed(self, ended_before: float) -> int:
        """Forget the identifiers of failed items whose batch ended before `ended_before`: past the retry window,
        nothing more is sent for them."""
        wiped = self.sql.execute(
            "UPDATE batch_items SET identifier = NULL WHERE outcome = ? AND identifier IS NOT NULL AND batch_id IN "
            "(SELECT id FROM batches WHERE ended_at IS NOT NULL AND ended_at < ?)",
            [ItemOutcome.FAILED.value, ended_before],
        )
        self.sql.wiped = self.sql.wiped or bool(wiped)
        return wiped

    def wipe_all(self, batch_id: str) -> int:
        """A batch that ended before anything was sent (rejected, cancelled, expired) keeps no identifier."""
        wiped = self.sql.execute("UPDATE batch_items SET identifier = NULL WHERE batch_id = ? AND identifier IS NOT "
                                 "NULL", [batch_id])  # fmt: skip
        self.sql.wiped = self.sql.wiped or bool(wiped)
        return wiped

    def find_by_hash(self, identifier_hash: str) -> list[BatchItem]:
        """Every item ever listed with this keyed hash."""
        rows = self.sql.query("SELECT * FROM batch_items WHERE identifier_hash = ? ORDER BY batch_id, line",
                              [identifier_hash])  # fmt: skip
        return [self._item(row) for row in rows]

    def live_identifiers(self) -> list[dict[str, Any]]:
        """Every item identifier still kept (for key rotation)."""
        return self.sql.query("SELECT batch_id, line, identifier FROM batch_items WHERE identifier IS NOT NULL")

    def reseal(self, batch_id: str, line: int, sealed: str) -> None:
        """Store an item's identifier sealed afresh (key rotation)."""
        self.sql.execute("UPDATE batch_items SET identifier = ? WHERE batch_id = ? AND line = ?",
                         [sealed, batch_id, line])  # fmt: skip

    def _item(self, row: dict[str, Any]) -> BatchItem:
        identifier, unreadable = row["identifier"], False
        if identifier:
            try:
                if not self.cipher.is_sealed(identifier):
                    raise Undecryptable("it is stored in clear, which this bot never writes")
                identifier = self.cipher.open(item_row_id(row["batch_id"], row["line"]), identifier)
            except Undecryptable as exc:
                log.error("batch %s line %d: the stored identifier cannot be decrypted: %s", row["batch_id"],
                          row["line"], exc)  # fmt: skip
                identifier, unreadable = None, True
        return BatchItem(
            batch_id=row["batch_id"], line=int(row["line"]), kind=TargetKind(row["kind"]), identifier=identifier,
            masked=row["masked"], identifier_hash=row["identifier_hash"], outcome=ItemOutcome(row["outcome"]),
            reason=row["reason"], attempts=int(row["attempts"]), gong_request_id=row["gong_request_id"],
            error=row["error"], checks=int(row["checks"]), unreadable=unreadable,
        )  # fmt: skip
