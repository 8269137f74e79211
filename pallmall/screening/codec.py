"""List entries to and from plain dicts (JSON), for storage and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pallmall.screening.model import (
    EntryName,
    EntrySchema,
    Identifier,
    ListEntry,
    NameType,
    PartialDate,
)


def entry_to_dict(entry: ListEntry) -> dict[str, Any]:
    """A JSON-ready dict of ``entry`` (dates ISO, partial dates as ``YYYY[-MM[-DD]]``)."""
    return {
        "list_id": entry.list_id,
        "entry_id": entry.entry_id,
        "schema": entry.schema.value,
        "names": [[n.value, n.kind.value] for n in entry.names],
        "countries": list(entry.countries),
        "birth_dates": [d.iso() for d in entry.birth_dates],
        "identifiers": [[i.value, i.kind, i.country] for i in entry.identifiers],
        "programmes": list(entry.programmes),
        "listed_on": entry.listed_on.isoformat() if entry.listed_on else None,
        "remarks": entry.remarks,
    }


def entry_from_dict(data: dict[str, Any]) -> ListEntry:
    """The inverse of :func:`entry_to_dict` (``KeyError``/``ValueError`` on bad data)."""
    return ListEntry(
        list_id=data["list_id"],
        entry_id=data["entry_id"],
        schema=EntrySchema(data["schema"]),
        names=tuple(EntryName(v, NameType(k)) for v, k in data["names"]),
        countries=tuple(data["countries"]),
        birth_dates=tuple(_partial(d) for d in data["birth_dates"]),
        identifiers=tuple(Identifier(v, k, c) for v, k, c in data["identifiers"]),
        programmes=tuple(data["programmes"]),
        listed_on=date.fromisoformat(data["listed_on"]) if data["listed_on"] else None,
        remarks=data["remarks"],
    )


def _partial(text: str) -> PartialDate:
    parts = [int(p) for p in text.split("-")] + [0, 0]
    return PartialDate(parts[0], parts[1], parts[2])
