"""Helpers every loader shares: file opening, the bad-row policy, dates and countries."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, TypeVar

from rigour.territories import lookup_territory

from pallmall.core.errors import InvalidInput
from pallmall.screening.model import PartialDate, SkippedRow

T = TypeVar("T")
R = TypeVar("R")

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
ID_KIND = re.compile(
    r"(No\.?|Number|\bID\b|Passport|Identification|IMO|MMSI|Cedula|D\.N\.I\.|NIT|R\.F\.C\.|"
    r"C\.U\.R\.P\.|SSN|Licen[sc]e|Code|C\.R\.|Card)"
)
"""Identifier kinds: a remark naming one of these words carries an identifier."""
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


class RowError(ValueError):
    """Raised inside a loader for one bad row; the policy decides: fail or skip."""


def open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    """Open ``path`` for reading text; a ``.gz`` suffix is decompressed transparently.

    Raises :class:`InvalidInput` (field = the path) when the file does not exist.
    """
    if not path.is_file():
        raise InvalidInput(str(path), "no such file")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open("r", encoding=encoding, newline="")


@dataclass
class RowPolicy:
    """Strict (first bad row raises, nothing is loaded) or skipping (each skip reported)."""

    skip_bad_rows: bool = False
    skipped: list[SkippedRow] = field(default_factory=list)

    def convert(self, rows: Iterable[tuple[str, T]], fn: Callable[[T], R | None]) -> Iterator[R]:
        """Yield ``fn(row)`` for each ``(position, row)``; ``None`` results are dropped.

        A :class:`RowError` (or ``ValueError``/``KeyError``/``IndexError``) from ``fn``
        raises :class:`InvalidInput` naming the position, unless bad rows are skipped.
        """
        for position, row in rows:
            try:
                out = fn(row)
            except (ValueError, KeyError, IndexError) as exc:
                self.fail(position, str(exc) or type(exc).__name__)
                continue
            if out is not None:
                yield out

    def fail(self, position: str, reason: str) -> None:
        """Record a bad row, or raise :class:`InvalidInput` when strict."""
        if not self.skip_bad_rows:
            raise InvalidInput(position, reason)
        self.skipped.append(SkippedRow(position, reason))


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


def parse_iso_date(text: str, position: str) -> date | None:
    """An ISO ``YYYY-MM-DD`` (or ``DD/MM/YYYY``) date, ``None`` when blank.

    Raises :class:`RowError` naming ``position`` when the text is not a full date.
    """
    text = text.strip()[:10]
    if not text:
        return None
    dmy = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if dmy:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RowError(f"{position}: not a date: {text!r}") from exc


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """ISO 3166-1 alpha-2 code (lower case) for a country name or code, else ``None``."""
    text = text.strip()
    if not text:
        return None
    territory = lookup_territory(text)
    if territory is None:
        return None
    code = territory.ftm_country or territory.code
    return str(code).lower() if code else None


def unique(values: Iterable[T]) -> tuple[T, ...]:
    """The values in first-seen order, without repeats."""
    return tuple(dict.fromkeys(values))
