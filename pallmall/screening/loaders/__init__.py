"""Loaders: one list file (or file family) in, one :class:`LoadReport` out.

Call :func:`load_list` with a :class:`ListSource`. Strict by default: the first bad row
raises :class:`~pallmall.core.errors.InvalidInput` naming ``file:line`` (or the XML
element) and nothing is returned; with ``skip_bad_rows=True`` the good rows load and the
report lists each skipped row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pallmall.core.errors import InvalidInput
from pallmall.screening.loaders._rows import RowPolicy
from pallmall.screening.loaders.csl import load_csl
from pallmall.screening.loaders.eu import generated_on as eu_generated_on
from pallmall.screening.loaders.eu import load_eu, parse_export
from pallmall.screening.loaders.ftm import load_ftm
from pallmall.screening.loaders.ofac import OfacFiles, load_ofac
from pallmall.screening.loaders.uk import latest_update, load_uk
from pallmall.screening.loaders.uk_official import generated_on as uk_generated_on
from pallmall.screening.loaders.uk_official import load_uk_official
from pallmall.screening.loaders.uk_official import parse_tree as uk_parse_tree
from pallmall.screening.loaders.un import generated_on, load_un, parse_tree
from pallmall.screening.model import ListEntry, ListFormat, LoadReport, SnapshotInfo

__all__ = ["ListSource", "load_list"]

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4})")


@dataclass(frozen=True)
class ListSource:
    """Where one list snapshot lives and how to read it.

    ``path`` is the main file (the UK format: the directory of derived tables).
    ``alt`` and ``add`` are the OFAC alias and address files. ``version`` and
    ``published`` default to what the file says (UN ``dateGenerated``, EU
    ``generationDate``, the UK Sanctions List's ``DateGenerated``, the UK derived tables'
    newest ``last_updated``) or to a date in the file name (``sdn_2024-05-03.csv``).
    """

    format: ListFormat
    path: Path
    list_id: str
    alt: Path | None = None
    add: Path | None = None
    version: str = ""
    published: date | None = None


def load_list(source: ListSource, *, skip_bad_rows: bool = False) -> LoadReport:
    """Read ``source`` into a :class:`LoadReport` (snapshot info, entries, skipped rows).

    Raises :class:`InvalidInput` for a missing or malformed file, or (when strict) for the
    first bad row; an empty list is an error too (a truncated download looks like one).
    """
    policy = RowPolicy(skip_bad_rows=skip_bad_rows)
    entries, published = _read(source, policy)
    if not entries:
        raise InvalidInput(str(source.path), "no list entries found")
    published = source.published or published or _date_in_name(source.path)
    version = source.version or (published.isoformat() if published else "unversioned")
    info = SnapshotInfo(source.list_id, version, published, source.path.name)
    return LoadReport(info, tuple(entries), tuple(policy.skipped))


def _read(source: ListSource, policy: RowPolicy) -> tuple[list[ListEntry], date | None]:
    fmt, path, list_id = source.format, source.path, source.list_id
    if fmt is ListFormat.OFAC_CSV:
        return load_ofac(OfacFiles(path, source.alt, source.add), list_id, policy), None
    if fmt is ListFormat.UN_XML:
        root = parse_tree(path)
        return load_un(root, list_id, policy), generated_on(root)
    if fmt is ListFormat.UK_SANCTIONS_LIST_XML:
        root = uk_parse_tree(path)
        return load_uk_official(root, list_id, policy), uk_generated_on(root)
    if fmt is ListFormat.US_CSL_CSV:
        return load_csl(path, list_id, policy), None
    if fmt is ListFormat.FTM_JSON:
        return load_ftm(path, list_id, policy), None
    if fmt is ListFormat.EU_FSF_XML:
        root = parse_export(path)
        return load_eu(root, list_id, policy), eu_generated_on(root)
    return load_uk(path, list_id, policy), latest_update(path)


def _date_in_name(path: Path) -> date | None:
    match = _DATE_IN_NAME.search(path.name)
    if match is None:
        return None
    parts = [int(p) for p in match[1].split("-")] + [1, 1]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        return None
