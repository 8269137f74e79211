"""Values parties and lists share: partial dates, countries, identifiers."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from rigour.territories import lookup_by_identifier
from rigour.territories.util import normalize_territory_name

from pallmall.screening.model import PartialDate
from pallmall.screening.places import territory_names

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def parse_partial_date(text: str) -> PartialDate | None:
    """Read a date the way lists write them: ``1965``, ``1965-03``, ``1965-03-01``,
    ``01/03/1965`` (day first), ``01 Mar 1965``, ``Mar 1965``, ``circa 1965``.

    Returns ``None`` when no year can be found; ranges keep their first year.
    """
    text = text.strip()
    if not text:
        return None
    iso = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:T.*)?", text)
    if iso:
        return _checked(int(iso[1]), int(iso[2] or 0), int(iso[3] or 0))
    dmy = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    if dmy:
        return _checked(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    words = re.fullmatch(r"(?:(\d{1,2}) )?([A-Za-z]{3})[a-z]* (\d{4})", text)
    if words and words[2].lower() in MONTHS:
        return _checked(int(words[3]), MONTHS[words[2].lower()], int(words[1] or 0))
    year = _YEAR.search(text)
    return PartialDate(int(year[1])) if year else None


def _checked(year: int, month: int, day: int) -> PartialDate:
    if not 1 <= month <= 12:
        return PartialDate(year)
    if day:
        try:
            date(year, month, day)
        except ValueError:
            return PartialDate(year, month)
    return PartialDate(year, month, day)


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """ISO 3166-1 alpha-2 code (lower case) for a country name or code, else ``None``: what
    ``rigour.territories.lookup_territory`` finds (by code or QID first, then by name), the
    names read from the shipped table (:func:`~pallmall.screening.places.territory_names`)
    rather than from rigour's, which costs every process a second to build."""
    text = text.strip()
    if not text:
        return None
    territory = lookup_by_identifier(text)
    if territory is None:
        return territory_names().get(normalize_territory_name(text))
    code = territory.ftm_country or territory.code
    return str(code).lower() if code else None


def identifier_key(value: str) -> str:
    """An identifier reduced for comparison: upper-case letters and digits only, with a
    leading ``IMO`` dropped (``IMO 7406784`` and ``7406784`` are one number)."""
    key = re.sub(r"[^0-9A-Z]", "", value.upper())
    return key.removeprefix("IMO")
