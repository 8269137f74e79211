"""Helpers every loader shares: file opening, the bad-row policy, dates and countries."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TypeVar

from pallmall.core.errors import InvalidInput
from pallmall.screening.model import SkippedRow
from pallmall.screening.values import country_code, parse_partial_date

__all__ = [
    "RowError",
    "RowPolicy",
    "country_code",
    "open_text",
    "parse_iso_date",
    "parse_partial_date",
    "unique",
]

T = TypeVar("T")
R = TypeVar("R")

ID_KIND = re.compile(
    r"(No\.?|Number|\bID\b|Passport|Identification|IMO|MMSI|Cedula|D\.N\.I\.|NIT|R\.F\.C\.|"
    r"C\.U\.R\.P\.|SSN|Licen[sc]e|Code|C\.R\.|Card)"
)
"""Identifier kinds: a remark naming one of these words carries an identifier."""


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


def parse_xml(path: Path, root_tag: str, expected: str) -> ET.Element:
    """The root of the XML file ``path``.

    Raises:
        InvalidInput: naming ``file:line:column`` when it is not well-formed XML, or the
            root element when its tag is not ``root_tag`` (``expected`` says what is).
    """
    with open_text(path) as handle:
        try:
            root = ET.parse(handle).getroot()
        except ET.ParseError as exc:
            line, column = exc.position
            raise InvalidInput(
                f"{path.name}:{line}:{column}", f"not well-formed XML: {exc}"
            ) from exc
    if root.tag != root_tag:
        raise InvalidInput(f"{path.name}:<{root.tag}>", f"expected {expected}")
    return root


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


def unique(values: Iterable[T]) -> tuple[T, ...]:
    """The values in first-seen order, without repeats."""
    return tuple(dict.fromkeys(values))
