"""UN Security Council consolidated list, XML (``CONSOLIDATED_LIST`` per sc-sanctions.xsd)."""

from __future__ import annotations

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

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def parse_tree(path: Path) -> ET.Element:
    """The XML root; :class:`InvalidInput` names ``file:line:column`` when it is not XML,
    or the root element when it is not ``CONSOLIDATED_LIST``."""
    return parse_xml(path, "CONSOLIDATED_LIST", "<CONSOLIDATED_LIST>")


def generated_on(root: ET.Element) -> date | None:
    """The ``dateGenerated`` attribute of the list, as a date."""
    stamp = root.get("dateGenerated", "")[:10]
    try:
        return date.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def load_un(root: ET.Element, list_id: str, policy: RowPolicy) -> list[ListEntry]:
    """Entries for every ``INDIVIDUAL`` and ``ENTITY``.

    A record without ``DATAID`` or without a name raises :class:`InvalidInput` naming
    the element (``INDIVIDUALS/INDIVIDUAL[12]``) unless ``policy`` skips bad rows.
    """
    return list(policy.convert(_records(root), lambda r: _entry(r, list_id)))


def _records(root: ET.Element) -> Iterator[tuple[str, ET.Element]]:
    for group, tag in (("INDIVIDUALS", "INDIVIDUAL"), ("ENTITIES", "ENTITY")):
        for index, element in enumerate(root.iterfind(f"{group}/{tag}"), start=1):
            yield f"{group}/{tag}[{index}]", element


def _text(element: ET.Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def _entry(record: ET.Element, list_id: str) -> ListEntry:
    person = record.tag == "INDIVIDUAL"
    if not _text(record, "DATAID"):
        raise RowError("missing DATAID")
    primary = " ".join(p for p in (_text(record, t) for t in _NAME_PARTS) if p)
    if not primary:
        raise RowError("missing FIRST_NAME")
    reference = _text(record, "REFERENCE_NUMBER")
    return ListEntry(
        list_id=list_id,
        entry_id=reference or _text(record, "DATAID"),
        schema=EntrySchema.PERSON if person else EntrySchema.ORGANIZATION,
        names=(EntryName(primary), *_aliases(record)),
        countries=_countries(record),
        birth_dates=tuple(_birth_dates(record)),
        identifiers=tuple(_documents(record)),
        programmes=tuple(p for p in (_text(record, "UN_LIST_TYPE"),) if p),
        listed_on=parse_iso_date(_text(record, "LISTED_ON"), "LISTED_ON"),
        remarks=_text(record, "COMMENTS1"),
    )


def _aliases(record: ET.Element) -> Iterator[EntryName]:
    original = _text(record, "NAME_ORIGINAL_SCRIPT")
    if original:
        yield EntryName(original, NameType.ALIAS)
    for alias in [*record.iterfind("INDIVIDUAL_ALIAS"), *record.iterfind("ENTITY_ALIAS")]:
        name = _text(alias, "ALIAS_NAME")
        if name:
            weak = _text(alias, "QUALITY").lower() == "low"
            yield EntryName(name, NameType.WEAK_ALIAS if weak else NameType.ALIAS)


def _countries(record: ET.Element) -> tuple[str, ...]:
    names = [(v.text or "") for v in record.iterfind("NATIONALITY/VALUE")]
    names += [(c.text or "") for c in record.iterfind("*/COUNTRY")]
    return unique(c for c in (country_code(n) for n in names) if c)


def _birth_dates(record: ET.Element) -> Iterator[PartialDate]:
    for dob in record.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        for tag in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR"):
            parsed = parse_partial_date(_text(dob, tag))
            if parsed is not None:
                yield parsed


def _documents(record: ET.Element) -> Iterator[Identifier]:
    for doc in record.iterfind("INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        if number:
            country = country_code(_text(doc, "ISSUING_COUNTRY")) or ""
            yield Identifier(number, _text(doc, "TYPE_OF_DOCUMENT"), country)
