"""What Gong holds for an identifier, as counts and masked values: safe to show in public and to store (pure)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class CrmRecords:
    """How many leads and contacts one CRM system holds for the identifier."""

    system: str
    leads: int
    contacts: int


@dataclass(frozen=True)
class Holdings:
    """A summary of Gong's data-for-phone-number / data-for-email-address answer; no personal data in it."""

    calls: int = 0
    emails: int = 0
    meetings: int = 0
    engagements: int = 0
    crm: tuple[CrmRecords, ...] = ()
    matching_number_count: int = 0
    email_address_count: int = 0
    matching_numbers: tuple[str, ...] = ()  # masked, the first few
    email_addresses: tuple[str, ...] = ()  # masked, the first few

    @property
    def empty(self) -> bool:
        """Gong holds nothing for the identifier."""
        return self.references == 0

    @property
    def references(self) -> int:
        """How many objects in Gong mention the identifier."""
        records = sum(r.leads + r.contacts for r in self.crm)
        return self.calls + self.emails + self.meetings + self.engagements + records + self.matching_number_count

    def to_json(self) -> str:
        """For the database: counts and masked values only."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Holdings:
        """Back from the database."""
        data = json.loads(text)
        return cls(
            calls=data["calls"], emails=data["emails"], meetings=data["meetings"], engagements=data["engagements"],
            crm=tuple(CrmRecords(**r) for r in data["crm"]), matching_number_count=data["matching_number_count"],
            email_address_count=data["email_address_count"], matching_numbers=tuple(data["matching_numbers"]),
            email_addresses=tuple(data["email_addresses"]),
        )  # fmt: skip


_SHOWN = 5  # masked values kept per list; the counts say how many there were


def from_gong(body: Any, mask_number: Callable[[str], str], mask_email: Callable[[str], str]) -> Holdings:
    """Summarise Gong's JSON, tolerating missing, null or oddly typed parts (Gong omits empty lists)."""
    body = body if isinstance(body, dict) else {}

    def items(key: str, source: dict[str, Any] = body) -> list[Any]:
        value = source.get(key)
        return value if isinstance(value, list) else []

    crm: dict[str, list[int]] = {}
    for system in items("customerData"):
        if not isinstance(system, dict):
            continue
        counts = crm.setdefault(str(system.get("system") or "Unknown")[:40], [0, 0])
        for record in items("objects", system):
            kind = record.get("objectType") if isinstance(record, dict) else None
            counts[0 if kind == "Lead" else 1] += 1
    numbers = sorted({str(n) for n in items("matchingPhoneNumbers") if n})
    addresses = sorted({str(a).lower() for a in items("emailAddresses") if a})
    return Holdings(
        calls=len(items("calls")),
        emails=len(items("emails")),
        meetings=len(items("meetings")),
        engagements=len(items("customerEngagement")),
        crm=tuple(CrmRecords(system, leads, contacts) for system, (leads, contacts) in sorted(crm.items())),
        matching_number_count=len(numbers),
        email_address_count=len(addresses),
        matching_numbers=tuple(mask_number(n) for n in numbers[:_SHOWN]),
        email_addresses=tuple(mask_email(a) for a in addresses[:_SHOWN]),
    )
