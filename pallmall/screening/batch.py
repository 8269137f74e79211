"""Batch screening: a CSV of parties in, one result per party out, as CSV or JSON.

Input columns (header row required, UTF-8; only ``name`` is required):

============  ===============================================================
name          the party's name
schema        ``person``, ``organization``, ``vessel``, ``aircraft`` or blank
aliases       other names, separated by ``;``
countries     country names or ISO codes, separated by ``;``
birth_date    ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``
identifiers   registration, tax, passport, IMO numbers, separated by ``;``
reference     the caller's own id for the party, echoed in the output
============  ===============================================================
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TextIO

from pallmall.core.csvsafe import safe_row
from pallmall.core.errors import InvalidInput
from pallmall.screening.explanation import ScreeningResult, as_dict
from pallmall.screening.model import EntrySchema
from pallmall.screening.scorer import Party
from pallmall.screening.screener import Screener

COLUMNS = ("name", "schema", "aliases", "countries", "birth_date", "identifiers", "reference")
OUTPUT_COLUMNS = (
    "reference", "query", "alert", "rank", "score", "threshold", "list_id", "entry_id",
    "entry_name", "programmes", "listed_on", "matched_name", "list_version", "list_age_days",
    "algorithm", "evidence",
)  # fmt: skip
Progress = Callable[[int, int], None]
"""``progress(done, total)``, called after each party."""


def read_parties(handle: TextIO) -> list[Party]:
    """Parse a parties CSV (columns in the module docstring). All or nothing: the first
    bad row raises :class:`InvalidInput` naming ``line N`` and the column."""
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    if "name" not in header:
        raise InvalidInput("line 1", "the header needs a 'name' column")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InvalidInput("line 1", f"unknown column(s): {', '.join(unknown)}")
    return [_party(row, reader.line_num) for row in reader]


def _party(row: dict[str, str], line: int) -> Party:
    if None in row:
        raise InvalidInput(f"line {line}", "more cells than header columns")
    name = (row.get("name") or "").strip()
    if not name:
        raise InvalidInput(f"line {line}.name", "a party needs a name")
    raw_schema = (row.get("schema") or "").strip().lower() or EntrySchema.UNKNOWN.value
    try:
        schema = EntrySchema(raw_schema)
    except ValueError as exc:
        allowed = ", ".join(s.value for s in EntrySchema)
        raise InvalidInput(
            f"line {line}.schema", f"{raw_schema!r} is not one of {allowed}"
        ) from exc
    return Party(
        name=name,
        schema=schema,
        aliases=_split(row.get("aliases")),
        countries=_split(row.get("countries")),
        birth_date=(row.get("birth_date") or "").strip(),
        identifiers=_split(row.get("identifiers")),
        reference=(row.get("reference") or "").strip(),
    )


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split(";") if p.strip())


def screen_batch(
    screener: Screener,
    parties: Sequence[Party],
    progress: Progress | None = None,
    today: date | None = None,
) -> list[ScreeningResult]:
    """Screen each party in order; ``progress(done, total)`` after each one."""
    results = []
    for done, party in enumerate(parties, start=1):
        results.append(screener.screen(party, today=today))
        if progress is not None:
            progress(done, len(parties))
    return results


def results_to_csv(parties: Sequence[Party], results: Sequence[ScreeningResult]) -> str:
    """One row per hit (a party without hits gets one row with ``alert`` false and no
    entry), columns ``OUTPUT_COLUMNS``; cells a spreadsheet would run as formulas are
    neutralised (``pallmall.core.csvsafe``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for party, result in zip(parties, results, strict=True):
        writer.writerows(safe_row(row) for row in _rows(party, result))  # no formula runs
    return out.getvalue()


def _rows(party: Party, result: ScreeningResult) -> Iterable[dict[str, object]]:
    base = {
        "reference": party.reference,
        "query": party.name,
        "threshold": result.threshold,
        "algorithm": result.algorithm,
    }
    if not result.hits:
        yield base | {"alert": "false"}
        return
    ages = {a.snapshot.list_id: a.age_days for a in result.snapshots}
    for rank, hit in enumerate(result.hits, start=1):
        yield base | {
            "alert": "true" if hit.alert else "false",
            "rank": rank,
            "score": f"{hit.score:.4f}",
            "list_id": hit.list_id,
            "entry_id": hit.entry_id,
            "entry_name": hit.entry_name,
            "programmes": ";".join(hit.programmes),
            "listed_on": hit.listed_on.isoformat() if hit.listed_on else "",
            "matched_name": hit.name_match.list_name,
            "list_version": hit.snapshot.version,
            "list_age_days": ages.get(hit.list_id, ""),
            "evidence": "; ".join(
                f"{c.feature.value} {c.value:+.3f} ({c.detail})" for c in hit.contributions
            ),
        }


def results_to_json(parties: Sequence[Party], results: Sequence[ScreeningResult]) -> str:
    """A JSON array: per party its reference and the full result (every explanation)."""
    items = [
        {"reference": p.reference, "party": as_dict(p), "result": as_dict(r)}
        for p, r in zip(parties, results, strict=True)
    ]
    return json.dumps(items, ensure_ascii=False, indent=1)
