"""What a transparency report covers: a state and a period."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.core.states import state_code

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class ReportSpec:
    """A report's scope: ``state`` (ISO 3166-1 alpha-2, e.g. ``GB``: the state whose
    decisions it counts) and the period ``start``..``end``, both days included (UTC dates of
    the entries' ``time``)."""

    state: str
    start: date
    end: date
    label: str

    def covers(self, time: str) -> bool:
        """Whether an entry ``time`` (RFC 3339 UTC) falls in the period."""
        day = time[:10]
        return self.start.isoformat() <= day <= self.end.isoformat()

    def to_json(self) -> dict[str, Any]:
        """JSON form kept in the report."""
        return {
            "state": self.state,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportSpec:
        """Inverse of :meth:`to_json`; ``InvalidInput`` names a bad member."""
        try:
            start = date.fromisoformat(data["start"])
            end = date.fromisoformat(data["end"])
            return make_spec(str(data["state"]), start, end, str(data["label"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("spec", f"missing or malformed member: {exc}") from exc


def make_spec(state: str, start: date, end: date, label: str | None = None) -> ReportSpec:
    """A checked spec.

    Raises:
        InvalidInput: naming ``state`` (not an ISO 3166-1 alpha-2 code) or ``period``
            (ends before it starts).
    """
    state = state_code(state)
    if end < start:
        raise InvalidInput("period", "ends before it starts")
    return ReportSpec(state, start, end, label or f"{start.isoformat()}..{end.isoformat()}")


def parse_period(text: str) -> tuple[date, date, str]:
    """``2026``, ``2026-Q2``, ``2026-05`` or ``2026-01-01..2026-06-30`` → (start, end, label).

    Raises ``InvalidInput`` naming ``period`` for anything else.
    """
    text = text.strip()
    try:
        if m := _YEAR.match(text):
            year = int(m[1])
            return date(year, 1, 1), date(year, 12, 31), text
        if m := _QUARTER.match(text):
            year, q = int(m[1]), int(m[2])
            last = 3 * q
            return date(year, last - 2, 1), date(year, last, _days(year, last)), text
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            return date(year, month, 1), date(year, month, _days(year, month)), text
        if m := _RANGE.match(text):
            return date.fromisoformat(m[1]), date.fromisoformat(m[2]), text
    except ValueError as exc:
        raise InvalidInput("period", str(exc)) from exc
    raise InvalidInput("period", "use YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")


def _days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
