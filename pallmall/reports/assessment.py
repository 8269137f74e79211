"""Self-assessment against the Code of Practice commitments (``data/reports``).

The commitments and their citations are data; the state's own statements (status and a
short narrative per commitment) are input to a report; the evidence is figures of the
report itself, so it is recomputed from the log like every other figure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.reports.figures import flatten

DATA = Path(__file__).resolve().parents[1] / "data" / "reports" / "code_of_practice.json"


class Status(StrEnum):
    """How far the state says it meets a commitment; persisted in reports."""

    MET = "met"
    PARTLY = "partly_met"
    NOT_MET = "not_met"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class Commitment:
    """A Code of Practice commitment: id (C1…), area, pillar, summary, evidence figures."""

    id: str
    area: str
    pillar: str
    text: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Code:
    """The Code of Practice as shipped: title, dates, URL, note and commitments."""

    title: str
    updated: str
    url: str
    note: str
    commitments: tuple[Commitment, ...]


@cache
def load_code(path: Path = DATA) -> Code:
    """The shipped commitments; ``InvalidInput`` if the data file is malformed."""
    try:
        data = json.loads(path.read_text())
        commitments = tuple(
            Commitment(c["id"], c["area"], c["pillar"], c["commitment"], tuple(c["evidence"]))
            for c in data["commitments"]
        )
        return Code(data["title"], data["updated"], data["url"], data["note"], commitments)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(str(path), f"malformed commitments file: {exc}") from exc


def parse_statements(data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Check a state's statements ``{"C1": {"status": "met", "statement": "..."}}``.

    Raises ``InvalidInput`` naming the commitment id and field.
    """
    known = {c.id for c in load_code().commitments}
    out: dict[str, dict[str, str]] = {}
    for cid, value in data.items():
        if cid not in known:
            raise InvalidInput(cid, f"not a commitment id (one of {', '.join(sorted(known))})")
        if not isinstance(value, Mapping):
            raise InvalidInput(cid, "must be an object with status and statement")
        try:
            status = Status(value.get("status", Status.NOT_ASSESSED))
        except ValueError:
            raise InvalidInput(f"{cid}.status", f"one of {[s.value for s in Status]}") from None
        statement = str(value.get("statement", ""))
        if len(statement) > 4000:
            raise InvalidInput(f"{cid}.statement", "longer than 4000 characters")
        out[cid] = {"status": status.value, "statement": statement}
    return out


def assess(figures: Mapping[str, Any], statements: Mapping[str, Mapping[str, str]]) -> list[Any]:
    """One row per commitment: the state's status and statement, and the evidence figures
    (dotted figure paths with their values in ``figures``)."""
    flat = flatten(figures)
    rows = []
    for c in load_code().commitments:
        said = statements.get(c.id, {})
        rows.append(
            {
                "id": c.id,
                "area": c.area,
                "pillar": c.pillar,
                "commitment": c.text,
                "status": said.get("status", Status.NOT_ASSESSED.value),
                "statement": said.get("statement", ""),
                "evidence": {path: _evidence(flat, path) for path in c.evidence},
            }
        )
    return rows


def _evidence(flat: Mapping[str, Any], path: str) -> Any:
    if path in flat:
        return flat[path]
    # a group such as restrictions.decisions: its leaves, summed
    leaves = [v for k, v in flat.items() if k.startswith(path + ".") and isinstance(v, int)]
    return sum(leaves)
