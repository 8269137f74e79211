"""OFAC legacy CSV family: ``sdn.csv`` (or ``cons_prim.csv``) with ``alt.csv`` and ``add.csv``.

Files are latin-1, have no header, write ``-0-`` for empty, and end with a ``\\x1a`` byte.
Birth dates, nationalities and identifiers sit in the free-text ``Remarks`` column,
separated by ``"; "`` (see OFAC's *SDN CSV file format* notes).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pallmall.screening.loaders._rows import (
    ID_KIND,
    RowError,
    RowPolicy,
    country_code,
    open_text,
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

SDN_COLUMNS = 12
ALT_COLUMNS = 5
ADD_COLUMNS = 6
_TYPES = {
    "individual": EntrySchema.PERSON,
    "vessel": EntrySchema.VESSEL,
    "aircraft": EntrySchema.AIRCRAFT,
    "": EntrySchema.ORGANIZATION,
}
_ID_SEGMENT = re.compile(
    r"^(?:alt\. )?(?P<kind>[^0-9]*?)\s*(?P<value>[A-Z]{0,5}[ -]?\d[\w\-/.]*)"
    r"(?:\s*\((?P<country>[^)]+)\))?.*$"
)
_NOT_ID = ("Phone", "Fax", "Executive Order", "Government Gazette", "Email", "Website")


@dataclass(frozen=True)
class OfacFiles:
    """The paths of one OFAC snapshot; ``alt`` and ``add`` are optional."""

    sdn: Path
    alt: Path | None = None
    add: Path | None = None


def null(value: str) -> str:
    """The cell without padding, ``""`` for OFAC's ``-0-``."""
    value = value.strip()
    return "" if value == "-0-" else value


def read_rows(path: Path, policy: RowPolicy, width: int) -> Iterator[tuple[str, list[str]]]:
    """``(position, cells)`` for each data row; a row of the wrong width fails or is skipped."""
    with open_text(path, "latin-1") as handle:
        for number, cells in enumerate(csv.reader(handle), start=1):
            if not cells or cells == ["\x1a"] or (len(cells) == 1 and not cells[0].strip()):
                continue
            position = f"{path.name}:{number}"
            if len(cells) != width:
                policy.fail(position, f"expected {width} columns, found {len(cells)}")
                continue
            yield position, cells


def load_ofac(files: OfacFiles, list_id: str, policy: RowPolicy) -> list[ListEntry]:
    """Entries of one OFAC snapshot, joined with its aliases and addresses.

    Raises :class:`~pallmall.core.errors.InvalidInput` naming ``file:line`` for a bad row
    unless ``policy`` skips bad rows (then each skip is recorded in ``policy.skipped``).
    """
    aliases: dict[str, list[EntryName]] = defaultdict(list)
    countries: dict[str, list[str]] = defaultdict(list)
    if files.alt is not None:
        for ent_num, name in policy.convert(read_rows(files.alt, policy, ALT_COLUMNS), _alt):
            aliases[ent_num].append(name)
    if files.add is not None:
        for ent_num, code in policy.convert(read_rows(files.add, policy, ADD_COLUMNS), _add):
            countries[ent_num].append(code)

    def entry(cells: list[str]) -> ListEntry:
        return _sdn_entry(cells, list_id, aliases, countries)

    return list(policy.convert(read_rows(files.sdn, policy, SDN_COLUMNS), entry))


def _ent_num(cell: str) -> str:
    value = null(cell)
    if not value.isdigit():
        raise RowError(f"ent_num is not a number: {value!r}")
    return value


def _alt(cells: list[str]) -> tuple[str, EntryName] | None:
    name = null(cells[3])
    if not name:
        return None
    kind = NameType.WEAK_ALIAS if null(cells[2]).lower() == "fka" else NameType.ALIAS
    return _ent_num(cells[0]), EntryName(name, kind)


def _add(cells: list[str]) -> tuple[str, str] | None:
    code = country_code(null(cells[4]))
    return (_ent_num(cells[0]), code) if code else None


def _sdn_entry(
    cells: list[str],
    list_id: str,
    aliases: dict[str, list[EntryName]],
    countries: dict[str, list[str]],
) -> ListEntry:
    ent_num = _ent_num(cells[0])
    name = null(cells[1])
    if not name:
        raise RowError("SDN_Name is empty")
    sdn_type = null(cells[2]).lower()
    if sdn_type not in _TYPES:
        raise RowError(f"unknown SDN_Type {sdn_type!r}")
    remarks = null(cells[11])
    facts = parse_remarks(remarks)
    flag = country_code(null(cells[9]))
    return ListEntry(
        list_id=list_id,
        entry_id=ent_num,
        schema=_TYPES[sdn_type],
        names=(EntryName(name), *aliases.get(ent_num, ())),
        countries=unique(
            [*facts.countries, *countries.get(ent_num, ()), *([flag] if flag else [])]
        ),
        birth_dates=facts.birth_dates,
        identifiers=facts.identifiers,
        programmes=parse_programmes(null(cells[3])),
        remarks=remarks,
    )


def parse_programmes(cell: str) -> tuple[str, ...]:
    """``"NPWMD] [CYBER2"`` (OFAC's own bracket-joined form) -> ``("NPWMD", "CYBER2")``."""
    parts = (p.strip(" []") for p in cell.split("] ["))
    return tuple(p for p in parts if p)


@dataclass(frozen=True)
class RemarkFacts:
    """What :func:`parse_remarks` found in a Remarks cell."""

    birth_dates: tuple[PartialDate, ...]
    countries: tuple[str, ...]
    identifiers: tuple[Identifier, ...]


def parse_remarks(remarks: str) -> RemarkFacts:
    """Birth dates (``DOB``), nationality/citizenship countries and identifiers
    (``Passport X (Country)``, ``Tax ID No. X``...) from an OFAC Remarks cell."""
    dobs: list[PartialDate] = []
    found: list[str] = []
    ids: list[Identifier] = []
    for segment in (s.strip().rstrip(".") for s in remarks.split(";")):
        bare = segment.removeprefix("alt. ")
        if bare.startswith("DOB "):
            dob = parse_partial_date(bare[4:].split(" to ")[0].removeprefix("circa "))
            dobs.extend([dob] if dob else [])
        elif bare.startswith(("nationality ", "citizen ")):
            code = country_code(bare.split(" ", 1)[1])
            found.extend([code] if code else [])
        elif (ident := _identifier(segment)) is not None:
            ids.append(ident)
    return RemarkFacts(tuple(dobs), tuple(found), tuple(ids))


def _identifier(segment: str) -> Identifier | None:
    if segment.removeprefix("alt. ").startswith(_NOT_ID):
        return None
    match = _ID_SEGMENT.match(segment)
    if match is None or not ID_KIND.search(match["kind"]):
        return None
    country = country_code(match["country"] or "") or ""
    return Identifier(match["value"].strip(), match["kind"].strip(), country)
