"""EU consolidated list of persons, groups and entities subject to EU financial sanctions,
in the Commission's Financial Sanctions Files (FSF) XML 1.1 export (``<export
xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate=...>``).

Each ``sanctionEntity`` (id ``logicalId``, stable across versions; ``euReferenceNumber``
such as ``EU.27.28``) carries its legal acts (``regulation``, whose ``programme`` is the
regime code), its kind (``subjectType code="person|enterprise"``) and repeatable
``nameAlias``, ``citizenship``, ``birthdate``, ``identification`` and ``address``
children; the facts sit in attributes. ``countryIso2Code="00"`` means unknown.
"""

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

NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
_NS = f"{{{NAMESPACE}}}"
_SUBJECTS = {"person": EntrySchema.PERSON, "enterprise": EntrySchema.ORGANIZATION}
_UNKNOWN_COUNTRY = "00"


def parse_export(path: Path) -> ET.Element:
    """The XML root; :class:`InvalidInput` names ``file:line:column`` when it is not XML,
    or the root element when it is not the FSF ``export`` (in the FSF namespace)."""
    return parse_xml(path, f"{_NS}export", f"<export xmlns={NAMESPACE!r}>")


def generated_on(root: ET.Element) -> date | None:
    """The day of the export's ``generationDate`` (``2026-08-05T16:47:04.449+02:00``: the
    Commission's local day, as written), ``None`` when absent or not a date."""
    stamp = root.get("generationDate", "")[:10]
    try:
        return date.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def load_eu(root: ET.Element, list_id: str, policy: RowPolicy) -> list[ListEntry]:
    """Entries for every ``sanctionEntity`` of an FSF export.

    An entity without ``logicalId``, without a named ``nameAlias``, with a missing or
    unknown ``subjectType`` code, or with a designation or regulation date that is not a
    date raises :class:`InvalidInput` naming the element (``sanctionEntity[12]``) and the
    fault, unless ``policy`` skips bad rows (then each skip is in ``policy.skipped``).
    """
    return list(policy.convert(_records(root), lambda r: _entry(r, list_id)))


def _records(root: ET.Element) -> Iterator[tuple[str, ET.Element]]:
    for index, element in enumerate(root.iterfind(f"{_NS}sanctionEntity"), start=1):
        yield f"sanctionEntity[{index}]", element


def _children(record: ET.Element, tag: str) -> list[ET.Element]:
    return record.findall(f"{_NS}{tag}")


def _attr(element: ET.Element, name: str) -> str:
    return (element.get(name) or "").strip()


def _entry(record: ET.Element, list_id: str) -> ListEntry:
    logical_id = _attr(record, "logicalId")
    if not logical_id:
        raise RowError("missing logicalId")
    regulations = _children(record, "regulation")
    return ListEntry(
        list_id=list_id,
        entry_id=logical_id,
        schema=_schema(record),
        names=_names(record),
        countries=_countries(record),
        birth_dates=tuple(_birth_dates(record)),
        identifiers=tuple(_identifiers(record)),
        programmes=unique(p for p in (_attr(r, "programme") for r in regulations) if p),
        listed_on=_listed_on(record, regulations),
        remarks=_remarks(record),
    )


def _schema(record: ET.Element) -> EntrySchema:
    subject = record.find(f"{_NS}subjectType")
    if subject is None:
        raise RowError("missing subjectType")
    code = _attr(subject, "code")
    if code not in _SUBJECTS:
        raise RowError(f"subjectType: unknown code {code!r}")
    return _SUBJECTS[code]


def _names(record: ET.Element) -> tuple[EntryName, ...]:
    """The list marks no name primary: the primary name is the first strong name without a
    ``nameLanguage`` (as the legal act spells it; the act's translations come with a
    language and may come first, ``SV`` before the English for one real entry), else the
    first strong name. Other strong names are aliases; ``strong="false"`` (a name the act
    calls weak or low quality) is a weak alias."""
    named: list[tuple[str, bool, str]] = []
    for alias in _children(record, "nameAlias"):
        parts = (_attr(alias, p) for p in ("firstName", "middleName", "lastName"))
        whole = _attr(alias, "wholeName") or " ".join(p for p in parts if p)
        if whole:
            strong = _attr(alias, "strong").lower() != "false"
            named.append((whole, strong, _attr(alias, "nameLanguage")))
    if not named:
        raise RowError("nameAlias: no wholeName or firstName/lastName")
    strong_names = [(n, language) for n, strong, language in named if strong]
    untranslated = [n for n, language in strong_names if not language]
    primary = (untranslated or [n for n, _ in strong_names] or [named[0][0]])[0]
    names = [EntryName(primary)]
    for name, strong, _ in named:
        if name != primary:
            names.append(EntryName(name, NameType.ALIAS if strong else NameType.WEAK_ALIAS))
    return unique(names)


def _countries(record: ET.Element) -> tuple[str, ...]:
    # citizenship and address countries, as the other loaders read nationality and
    # address; a place of birth is not a nationality and is left out
    elements = [*_children(record, "citizenship"), *_children(record, "address")]
    return unique(c for c in (_country(e) for e in elements) if c)


def _country(element: ET.Element) -> str:
    code = _attr(element, "countryIso2Code")
    if not code or code == _UNKNOWN_COUNTRY:
        return ""
    return country_code(code) or ""


def _birth_dates(record: ET.Element) -> Iterator[PartialDate]:
    for birth in _children(record, "birthdate"):
        parsed = parse_partial_date(_attr(birth, "birthdate"))
        if parsed is None and _attr(birth, "year").isdigit():
            # a partial date: the year, with month and day when known
            year, month = _attr(birth, "year"), _attr(birth, "monthOfYear")
            day = _attr(birth, "dayOfMonth") if month else ""  # a day without a month: no
            parsed = parse_partial_date("-".join(p for p in (year, month, day) if p))
        if parsed is None:
            parsed = parse_partial_date(_attr(birth, "yearRangeFrom"))
        if parsed is not None:
            yield parsed


def _identifiers(record: ET.Element) -> Iterator[Identifier]:
    for ident in _children(record, "identification"):
        number = _attr(ident, "number") or _attr(ident, "latinNumber")
        if number:
            yield Identifier(number, _attr(ident, "identificationTypeCode"), _country(ident))


def _listed_on(record: ET.Element, regulations: list[ET.Element]) -> date | None:
    """``designationDate`` when given (it often is not), else the earliest publication
    date of the entity's legal acts: the day the listing was published in the Official
    Journal. Raises :class:`RowError` naming the attribute for a value that is no date."""
    designated = parse_iso_date(_attr(record, "designationDate"), "designationDate")
    if designated is not None:
        return designated
    published = [
        parse_iso_date(_attr(r, "publicationDate"), "regulation publicationDate")
        for r in regulations
    ]
    return min((d for d in published if d is not None), default=None)


def _remarks(record: ET.Element) -> str:
    """The EU reference, the UN id, the legal acts' numbers (``1210/2003 (OJ L169)``: where
    a reviewer reads the grounds) and the entity's remarks, ``"; "``-joined."""
    reference = _attr(record, "euReferenceNumber")
    un_id = _attr(record, "unitedNationId")
    numbers = (_attr(r, "numberTitle") for r in _children(record, "regulation"))
    acts = unique(a for a in numbers if a)
    texts = [(r.text or "").strip() for r in _children(record, "remark")]
    parts = [
        *([f"EU reference {reference}"] if reference else []),
        *([f"UN id {un_id}"] if un_id else []),
        *(f"regulation {a}" for a in acts),
        *(t for t in texts if t),
    ]
    return "; ".join(parts)
