"""UK Sanctions List, as the five normalised tables derived from the FCDO CSV.

The directory holds ``subjects.csv`` (one row per designated subject) and
``subject_names.csv``, ``subject_dobs.csv``, ``subject_identifiers.csv``,
``subject_countries.csv`` (rows keyed by ``unique_id``). The regime prefix of the
``unique_id`` (``RUS0001`` -> ``RUS``) is the programme.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pallmall.core.errors import InvalidInput
from pallmall.screening.loaders._rows import (
    RowError,
    RowPolicy,
    country_code,
    open_text,
    parse_iso_date,
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

TABLES = {
    "subjects": (
        "unique_id",
        "subject_type",
        "un_reference_number",
        "date_designated",
        "last_updated",
    ),
    "subject_names": ("unique_id", "name_type", "full_name"),
    "subject_dobs": ("unique_id", "year", "month", "day"),
    "subject_identifiers": ("unique_id", "raw_value", "identifier_type"),
    "subject_countries": ("unique_id", "iso", "country_type"),
}
_TYPES = {
    "individual": EntrySchema.PERSON,
    "entity": EntrySchema.ORGANIZATION,
    "ship": EntrySchema.VESSEL,
}
_NAME_TYPES = {
    "primary": NameType.PRIMARY,
    "primary_variation": NameType.ALIAS,
    "alias": NameType.ALIAS,
}

Rows = dict[str, list[dict[str, str]]]


def read_table(folder: Path, table: str, policy: RowPolicy) -> Iterator[tuple[str, dict[str, str]]]:
    """``(file:line, row)`` pairs of one table; a missing column fails at ``file:1``."""
    path = folder / f"{table}.csv"
    with open_text(path, "utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in TABLES[table] if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidInput(f"{path.name}:1", f"missing column(s) {', '.join(missing)}")
        for row in reader:
            yield f"{path.name}:{reader.line_num}", row


def load_uk(folder: Path, list_id: str, policy: RowPolicy) -> list[ListEntry]:
    """Entries for every subject, joined with its names, birth dates, ids and countries."""
    if not folder.is_dir():
        raise InvalidInput(str(folder), "expected the directory of UK derived tables")
    side: dict[str, Rows] = {}
    for table in ("subject_names", "subject_dobs", "subject_identifiers", "subject_countries"):
        grouped: Rows = defaultdict(list)
        for row in policy.convert(read_table(folder, table, policy), _keyed):
            grouped[row["unique_id"]].append(row)
        side[table] = grouped
    rows = read_table(folder, "subjects", policy)
    return list(policy.convert(rows, lambda row: _entry(row, side, list_id)))


def latest_update(folder: Path) -> date | None:
    """The newest ``last_updated`` in ``subjects.csv``: the snapshot's date."""
    policy = RowPolicy(skip_bad_rows=True)
    stamps = (
        parse_iso_date(r["last_updated"], "last_updated")
        for _, r in read_table(folder, "subjects", policy)
    )
    return max((s for s in stamps if s is not None), default=None)


def _keyed(row: dict[str, str]) -> dict[str, str]:
    if not row.get("unique_id", "").strip():
        raise RowError("unique_id is empty")
    return row


def _entry(row: dict[str, str], side: dict[str, Rows], list_id: str) -> ListEntry | None:
    uid = _keyed(row)["unique_id"].strip()
    kind = row["subject_type"].strip().lower()
    if kind not in _TYPES:
        raise RowError(f"unknown subject_type {kind!r}")
    names = [
        EntryName(n["full_name"].strip(), _NAME_TYPES.get(n["name_type"], NameType.ALIAS))
        for n in side["subject_names"].get(uid, [])
        if n["full_name"].strip()
    ]
    if not names:
        raise RowError(f"subject {uid} has no name")
    names.sort(key=lambda n: n.kind is not NameType.PRIMARY)
    return ListEntry(
        list_id=list_id,
        entry_id=uid,
        schema=_TYPES[kind],
        names=tuple(dict.fromkeys(names)),
        countries=unique(
            c for c in (country_code(r["iso"]) for r in side["subject_countries"].get(uid, [])) if c
        ),
        birth_dates=tuple(d for r in side["subject_dobs"].get(uid, []) if (d := _dob(r))),
        identifiers=tuple(_ids(uid, row, side)),
        programmes=(uid.rstrip("0123456789"),),
        listed_on=parse_iso_date(row["date_designated"], "date_designated"),
    )


def _dob(row: dict[str, str]) -> PartialDate | None:
    year = row["year"].strip()
    if not year.isdigit():
        return None
    month, day = row["month"].strip(), row["day"].strip()
    return PartialDate(
        int(year), int(month) if month.isdigit() else 0, int(day) if day.isdigit() else 0
    )


def _ids(uid: str, row: dict[str, str], side: dict[str, Rows]) -> Iterator[Identifier]:
    if row.get("un_reference_number", "").strip():
        yield Identifier(row["un_reference_number"].strip(), "UN reference")
    for ident in side["subject_identifiers"].get(uid, []):
        if ident["raw_value"].strip():
            yield Identifier(ident["raw_value"].strip(), ident["identifier_type"].strip())
