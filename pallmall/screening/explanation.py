"""What a screening result says: each hit with the evidence behind its score.

Everything here is plain data (frozen dataclasses of str, float, int, date, tuples) so
the API can serialise it as is; :func:`as_dict` gives the JSON-ready form.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pallmall.screening.model import EntrySchema, NameType, SnapshotInfo
from pallmall.screening.names import TokenPair

ALGORITHM = "pallmall-screening/1.2"
"""Name and version of the matching algorithm; every result carries it."""


class Feature(StrEnum):
    """The evidence a hit's score is made of."""

    NAME = "name"
    ALIAS_STRENGTH = "alias_strength"
    BIRTH_DATE = "birth_date"
    COUNTRY = "country"
    IDENTIFIER = "identifier"


@dataclass(frozen=True)
class Contribution:
    """One feature's share of the score: ``value`` is added (negative: subtracted)."""

    feature: Feature
    value: float
    detail: str


@dataclass(frozen=True)
class NameMatch:
    """Which query name met which list name, and how their words paired up."""

    query_name: str
    list_name: str
    list_name_type: NameType
    score: float
    pairs: tuple[TokenPair, ...]
    query_unmatched: tuple[str, ...]
    list_unmatched: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """One list entry that scored against the party, with its explanation.

    ``score`` is in [0, 1]; ``alert`` is ``score >= threshold``. ``contributions``
    start with the name score and add each other feature's adjustment, so their
    sum (clamped to [0, 1]) is the score. ``list_age_days``: how old the list snapshot
    was on the screening day (``None``: no publication date, or not screened by a
    :class:`~pallmall.screening.screener.Screener`).
    """

    list_id: str
    entry_id: str
    entry_name: str
    schema: EntrySchema
    programmes: tuple[str, ...]
    listed_on: date | None
    snapshot: SnapshotInfo
    score: float
    threshold: float
    alert: bool
    name_match: NameMatch
    contributions: tuple[Contribution, ...]
    algorithm: str = ALGORITHM
    list_age_days: int | None = None


@dataclass(frozen=True)
class SnapshotAge:
    """A list snapshot the screen ran against, and its age in days on the screening day."""

    snapshot: SnapshotInfo
    age_days: int | None


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of screening one party: hits strongest first, the snapshots used."""

    query: str
    screened_on: date
    threshold: float
    algorithm: str
    hits: tuple[Hit, ...]
    snapshots: tuple[SnapshotAge, ...]

    @property
    def alerts(self) -> tuple[Hit, ...]:
        """The hits at or above the threshold."""
        return tuple(h for h in self.hits if h.alert)


def as_dict(value: Any) -> Any:
    """A JSON-ready copy of a result (dates as ISO strings, enums as their values)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: as_dict(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, ScreeningResult):
            out["alerts"] = len(value.alerts)
        return out
    if isinstance(value, tuple | list):
        return [as_dict(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value
