"""FollowTheMoney entities as JSON lines (the OpenSanctions export format).

Each line is ``{"id", "schema", "properties": {prop: [values]}}``. Person, organisation,
vessel and aircraft entities become list entries; ``Sanction`` entities lend their
programme and start date to the entity they name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pallmall.screening.loaders._rows import (
    RowError,
    RowPolicy,
    country_code,
    open_text,
    parse_iso_date,
    parse_partial_date,
    unique,
)
from pallmall.screening.model import EntryName, EntrySchema, Identifier, ListEntry, NameType

SCHEMATA = {
    "Person": EntrySchema.PERSON,
    "Organization": EntrySchema.ORGANIZATION,
    "Company": EntrySchema.ORGANIZATION,
    "LegalEntity": EntrySchema.ORGANIZATION,
    "PublicBody": EntrySchema.ORGANIZATION,
    "Vessel": EntrySchema.VESSEL,
    "Airplane": EntrySchema.AIRCRAFT,
}
NAME_PROPS = (("name", NameType.PRIMARY), ("alias", NameType.ALIAS))
WEAK_PROPS = ("weakAlias", "previousName", "abbreviation")
COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "mainCountry", "flag")
ID_PROPS = (
    "idNumber", "registrationNumber", "taxNumber", "passportNumber", "imoNumber",
    "innCode", "ogrnCode", "leiCode", "swiftBic", "vatCode", "mmsi", "registrationNumber",
)  # fmt: skip


@dataclass(frozen=True)
class FtmEntity:
    """One parsed line: id, schema name and properties."""

    id: str
    schema: str
    properties: dict[str, list[str]]


def read_entities(path: Path, policy: RowPolicy) -> Iterator[tuple[str, FtmEntity]]:
    """``(file:line, entity)`` for each non-blank line; bad JSON fails (or is skipped)."""
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            position = f"{path.name}:{number}"
            try:
                yield position, _entity(json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                policy.fail(position, f"not an FtM entity: {exc}")


def _entity(data: Any) -> FtmEntity:
    if not isinstance(data, dict) or not data.get("id") or not data.get("schema"):
        raise RowError("needs 'id' and 'schema'")
    props = data.get("properties") or {}
    if not isinstance(props, dict):
        raise RowError("'properties' must be an object")
    clean = {k: [str(v) for v in vs] for k, vs in props.items() if isinstance(vs, list)}
    return FtmEntity(str(data["id"]), str(data["schema"]), clean)


def load_ftm(path: Path, list_id: str, policy: RowPolicy) -> list[ListEntry]:
    """Entries for the screenable entities of an FtM JSON-lines file."""
    entities = list(read_entities(path, policy))
    sanctions = [e for _, e in entities if e.schema == "Sanction"]
    wanted = [(p, e) for p, e in entities if e.schema in SCHEMATA]
    return list(policy.convert(wanted, lambda e: _entry(e, list_id, sanctions)))


def _entry(entity: FtmEntity, list_id: str, sanctions: list[FtmEntity]) -> ListEntry | None:
    names = [
        EntryName(v, kind) for prop, kind in NAME_PROPS for v in entity.properties.get(prop, [])
    ]
    names += [
        EntryName(v, NameType.WEAK_ALIAS) for p in WEAK_PROPS for v in entity.properties.get(p, [])
    ]
    if not names:
        return None
    own = [s for s in sanctions if entity.id in s.properties.get("entity", [])]
    props = entity.properties
    starts = sorted(d for s in own for d in s.properties.get("startDate", []) if len(d) >= 10)
    return ListEntry(
        list_id=list_id,
        entry_id=entity.id,
        schema=SCHEMATA[entity.schema],
        names=tuple(dict.fromkeys(names)),
        countries=unique(
            c for p in COUNTRY_PROPS for v in props.get(p, []) if (c := country_code(v))
        ),
        birth_dates=tuple(d for v in props.get("birthDate", []) if (d := parse_partial_date(v))),
        identifiers=unique(Identifier(v, p) for p in ID_PROPS for v in props.get(p, [])),
        programmes=unique(
            v for s in own for p in ("program", "programId") for v in s.properties.get(p, [])
        ),
        listed_on=parse_iso_date(starts[0], "startDate") if starts else None,
        remarks="; ".join(props.get("notes", [])),
    )
