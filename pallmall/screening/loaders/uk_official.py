"""UK Sanctions List, the FCDO's official XML (``UK-Sanctions-List.xml``).

Since 28 January 2026 this is the UK's single list of sanctions designations (OFSI's
Consolidated List closed in its favour). The document is flat: a ``<Designations>`` root
with the generation date (``<DateGenerated>``, day first) and one ``<Designation>`` per
designated individual, entity or ship, each carrying inline:

- ``UniqueID`` (the FCDO reference, e.g. ``AFG0006``; its letters name the regime),
  ``UNReferenceNumber``, ``OFSIGroupID``, ``RegimeName``, ``IndividualEntityShip``,
  ``DateDesignated`` and ``LastUpdated`` (``DD/MM/YYYY``), ``OtherInformation``;
- ``Names/Name`` with ``Name1``..``Name6`` (``Name6`` is the surname, or an entity's or
  ship's whole name), ``NameType`` (``Primary Name``, ``Primary name variation``,
  ``Alias``: the casing varies) and, for UN designations, ``AliasStrength``;
- ``NonLatinNames/NonLatinName/NameNonLatinScript``;
- ``Addresses/Address/AddressCountry``; ``IndividualDetails/Individual`` with ``DOBs/DOB``
  (``dd/mm/YYYY`` where day or month is unknown), ``Nationalities/Nationality``,
  ``BirthDetails/Location/CountryOfBirth``, ``PassportDetails/Passport/PassportNumber``,
  ``NationalIdentifierDetails/NationalIdentifier/NationalIdentifierNumber``;
  ``EntityDetails/Entity/BusinessRegistrationNumbers``; ``ShipDetails/Ship`` with
  ``IMONumbers/IMONumber`` and ``CurrentBelievedFlagOfShips``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pallmall.screening.loaders._rows import (
    RowError,
    RowPolicy,
    country_code,
    parse_iso_date,
    parse_partial_date,
    parse_xml,
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

ROOT = "Designations"
_TYPES = {
    "individual": EntrySchema.PERSON,
    "entity": EntrySchema.ORGANIZATION,
    "ship": EntrySchema.VESSEL,
}
# Name6 last: it is the surname of a person and the whole name of an entity or ship.
_NAME_PARTS = ("Name1", "Name2", "Name3", "Name4", "Name5", "Name6")
# The list writes an unknown day or month as the letters "dd" / "mm" (``dd/mm/1945``).
_MASKED_DATE = re.compile(r"(\d{1,2}|dd)/(\d{1,2}|mm)/(\d{4})", re.IGNORECASE)
_IDENTIFIERS = (
    (".//PassportDetails/Passport", "PassportNumber", "passport"),
    (".//NationalIdentifierDetails/NationalIdentifier", "NationalIdentifierNumber", "national id"),
    (".//BusinessRegistrationNumbers", "BusinessRegistrationNumber", "registration number"),
    (".//IMONumbers", "IMONumber", "imo"),
)
_COUNTRIES = (
    ".//Nationalities/Nationality",
    ".//BirthDetails/Location/CountryOfBirth",
    ".//Addresses/Address/AddressCountry",
    ".//CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip",
)


def parse_tree(path: Path) -> ET.Element:
    """The XML root; :class:`InvalidInput` names ``file:line:column`` when it is not XML,
    or the root element when it is not ``Designations``."""
    return parse_xml(path, ROOT, f"<{ROOT}>")


def generated_on(root: ET.Element) -> date | None:
    """The list's ``DateGenerated`` (``DD/MM/YYYY``, or ISO), ``None`` when absent or
    unreadable (the caller falls back to the HTTP Last-Modified date or today)."""
    try:
        return parse_iso_date(root.findtext("DateGenerated") or "", "DateGenerated")
    except RowError:
        return None


def load_uk_official(root: ET.Element, list_id: str, policy: RowPolicy) -> list[ListEntry]:
    """Entries for every ``Designation``.

    A designation without ``UniqueID``, without a name, of an unknown
    ``IndividualEntityShip`` or with an unreadable ``DateDesignated`` raises
    :class:`InvalidInput` naming the element (``Designation[12] (RUS0204)``) unless
    ``policy`` skips bad rows.
    """
    return list(policy.convert(_records(root), lambda r: _entry(r, list_id)))


def _records(root: ET.Element) -> Iterator[tuple[str, ET.Element]]:
    for index, element in enumerate(root.iterfind("Designation"), start=1):
        unique_id = _text(element, "UniqueID")
        yield f"Designation[{index}]" + (f" ({unique_id})" if unique_id else ""), element


def _text(element: ET.Element, path: str) -> str:
    return " ".join((element.findtext(path) or "").split())


def _entry(record: ET.Element, list_id: str) -> ListEntry:
    unique_id = _text(record, "UniqueID")
    if not unique_id:
        raise RowError("missing UniqueID")
    kind = _text(record, "IndividualEntityShip")
    schema = _TYPES.get(kind.lower())
    if schema is None:
        raise RowError(f"IndividualEntityShip: not Individual, Entity or Ship: {kind!r}")
    names = _names(record)
    if not names:
        raise RowError("missing Names/Name")
    return ListEntry(
        list_id=list_id,
        entry_id=unique_id,
        schema=schema,
        names=names,
        countries=unique(c for c in (country_code(n) for n in _all(record, _COUNTRIES)) if c),
        birth_dates=unique(d for d in map(_birth_date, _all(record, (".//DOBs/DOB",))) if d),
        identifiers=unique(_identifiers(record)),
        programmes=tuple(p for p in (_text(record, "RegimeName"),) if p),
        listed_on=parse_iso_date(_text(record, "DateDesignated"), "DateDesignated"),
        remarks=_text(record, "OtherInformation"),
    )


def _all(record: ET.Element, paths: tuple[str, ...]) -> Iterator[str]:
    for path in paths:
        for element in record.iterfind(path):
            text = " ".join((element.text or "").split())
            if text:
                yield text


def _names(record: ET.Element) -> tuple[EntryName, ...]:
    names: list[EntryName] = []
    for name in record.iterfind("Names/Name"):
        value = " ".join(p for p in (_text(name, t) for t in _NAME_PARTS) if p)
        if not value:
            continue
        # "Primary name variation" is a spelling of the primary name: an alias for
        # matching, since an entry has one primary name to show.
        name_type = _text(name, "NameType").lower()
        if name_type == "primary name":
            kind = NameType.PRIMARY
        elif "low quality" in _text(name, "AliasStrength").lower():
            kind = NameType.WEAK_ALIAS
        else:
            kind = NameType.ALIAS
        names.append(EntryName(value, kind))
    if names and all(n.kind is not NameType.PRIMARY for n in names):
        # a designation whose names are all typed otherwise still shows one as primary
        names[0] = EntryName(names[0].value)
    names += [
        EntryName(v, NameType.ALIAS)
        for v in _all(record, ("NonLatinNames/NonLatinName/NameNonLatinScript",))
    ]
    return unique(names)


def _birth_date(text: str) -> PartialDate | None:
    masked = _MASKED_DATE.fullmatch(text)
    if masked is None:
        return parse_partial_date(text)
    day, month, year = masked.groups()
    if not month.isdigit():
        return parse_partial_date(year)
    if not day.isdigit():
        return parse_partial_date(f"{year}-{int(month):02d}")
    return parse_partial_date(f"{year}-{int(month):02d}-{int(day):02d}")


def _identifiers(record: ET.Element) -> Iterator[Identifier]:
    reference = _text(record, "UNReferenceNumber")
    if reference:
        yield Identifier(reference, "un reference")
    for path, tag, kind in _IDENTIFIERS:
        for holder in record.iterfind(path):
            for number in holder.iterfind(tag):
                value = " ".join((number.text or "").split())
                if value:
                    yield Identifier(value, kind)
