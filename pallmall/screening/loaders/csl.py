"""US Consolidated Screening List (trade.gov) CSV: the 2019 header and the 2025 one (``_id``).

One file carries many source lists (SDN, Entity List, DPL, UVL, ...); the source's short code
(``EL``, ``DPL``) becomes the first programme of each entry so hits say which list it was.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from pallmall.screening.loaders._rows import (
    ID_KIND,
    RowError,
    RowPolicy,
    country_code,
    open_text,
    parse_iso_date,
    parse_partial_date,
    unique,
)
from pallmall.screening.model import (
    EntryName,
    EntrySchema,
    Identifier,
    ListEntry,
    NameType,
    PartialDate,
)

REQUIRED = ("source", "name", "type", "programs", "alt_names", "start_date", "ids")
_TYPES = {
    "individual": EntrySchema.PERSON,
    "entity": EntrySchema.ORGANIZATION,
    "vessel": EntrySchema.VESSEL,
    "aircraft": EntrySchema.AIRCRAFT,
    "": EntrySchema.UNKNOWN,
}
_SOURCE_CODE = re.compile(r"\(([A-Z]{2,5})\)")


def read_csl(path: Path, policy: RowPolicy) -> Iterator[tuple[str, dict[str, str]]]:
    """``(file:line, row)`` pairs. A header missing a required column raises
    :class:`~pallmall.core.errors.InvalidInput` naming ``file:1``."""
    with open_text(path, "utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            policy.skip_bad_rows = False
            policy.fail(f"{path.name}:1", f"not a CSL header: missing {', '.join(missing)}")
        for row in reader:
            position = f"{path.name}:{reader.line_num}"
            if None in row or any(v is None for v in row.values()):
                policy.fail(position, "wrong number of columns")
                continue
            yield position, row


def load_csl(path: Path, list_id: str, policy: RowPolicy) -> list[ListEntry]:
    """Entries of a CSL CSV; a row without name or source fails (or is skipped)."""
    return list(policy.convert(read_csl(path, policy), lambda row: _entry(row, list_id)))


def _entry(row: dict[str, str], list_id: str) -> ListEntry:
    name, source = row["name"].strip(), row["source"].strip()
    if not name or not source:
        raise RowError("name and source are required")
    kind = row["type"].strip().lower()
    if kind not in _TYPES:
        raise RowError(f"unknown type {kind!r}")
    code = _SOURCE_CODE.search(source)
    programmes = [code[1] if code else source, *_split(row["programs"])]
    return ListEntry(
        list_id=list_id,
        entry_id=_entry_id(row),
        schema=_TYPES[kind],
        names=(EntryName(name), *(EntryName(a, NameType.ALIAS) for a in _split(row["alt_names"]))),
        countries=_countries(row),
        birth_dates=tuple(_dates(row.get("dates_of_birth", ""))),
        identifiers=tuple(_ids(row["ids"])),
        programmes=unique(programmes),
        listed_on=parse_iso_date(row["start_date"], "start_date"),
        remarks=row.get("remarks", "").strip(),
    )


def _entry_id(row: dict[str, str]) -> str:
    """``_id`` (2025), else ``source code + entity_number``, else a digest of source and name."""
    if row.get("_id", "").strip():
        return row["_id"].strip()
    code = _SOURCE_CODE.search(row["source"])
    prefix = code[1] if code else "CSL"
    if row.get("entity_number", "").strip():
        return f"{prefix}-{row['entity_number'].strip()}"
    digest = hashlib.sha256(f"{row['source']}|{row['name']}".encode()).hexdigest()[:16]
    return f"{prefix}-{digest}"


def _split(cell: str) -> list[str]:
    return [p.strip() for p in cell.split(";") if p.strip()]


def _countries(row: dict[str, str]) -> tuple[str, ...]:
    raw = _split(row.get("citizenships", "")) + _split(row.get("nationalities", ""))
    raw += [a.rsplit(",", 1)[-1] for a in _split(row.get("addresses", ""))]
    return unique(c for c in (country_code(v) for v in raw) if c)


def _dates(cell: str) -> Iterator[PartialDate]:
    for part in _split(cell):
        parsed = parse_partial_date(part)
        if parsed is not None:
            yield parsed


def _ids(cell: str) -> Iterator[Identifier]:
    """``"US, 80-0890696, Tax ID No."`` / ``"5030056754, Tax ID No."`` -> identifiers."""
    for part in _split(cell):
        bits = [b.strip() for b in part.split(",")]
        values = [b for b in bits[:-1] if any(ch.isdigit() for ch in b)]
        if len(bits) < 2 or not values or not ID_KIND.search(bits[-1]):
            continue
        country = country_code(bits[0]) if len(bits[0]) == 2 else None
        yield Identifier(values[0], bits[-1], country or "")
