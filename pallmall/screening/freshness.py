"""How old each list in force is, against how often its publisher updates it.

A list older than its expected interval may miss recent designations: the screening page,
``pallmall lists show`` and the API say so (``overdue``), and every hit carries its list's
age in days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pallmall.screening.model import SnapshotInfo

EXPECTED_DAYS: Mapping[str, int] = {
    "us_ofac_sdn": 14,
    "us_ofac_cons": 30,
    "un_sc": 30,
    "gb_fcdo": 14,
    "uk_sanctions_list": 14,
    "eu_fsf": 7,
    "us_csl": 14,
}
"""Days between two versions a list's publisher usually leaves at most (OFAC and the UK
amend their lists several times a month; the UN and the consolidated non-SDN list less;
the Commission regenerates the EU financial sanctions file several times a week, so a
week-old copy has likely missed an amendment)."""

DEFAULT_EXPECTED_DAYS = 30
"""The expected interval of a list not in :data:`EXPECTED_DAYS` (an FtM export, say)."""


@dataclass(frozen=True)
class ListAge:
    """A snapshot in force, its age in days on ``today`` (``None``: no publication date)
    and the interval its publisher is expected to keep; ``overdue`` when older."""

    snapshot: SnapshotInfo
    age_days: int | None
    expected_days: int

    @property
    def overdue(self) -> bool:
        """Whether the snapshot is older than the expected interval (unknown age: no)."""
        return self.age_days is not None and self.age_days > self.expected_days


def list_ages(
    snapshots: Sequence[SnapshotInfo],
    today: date,
    expected: Mapping[str, int] = EXPECTED_DAYS,
) -> tuple[ListAge, ...]:
    """The age of each snapshot on ``today``, in the order given."""
    return tuple(
        ListAge(
            s,
            (today - s.published).days if s.published else None,
            expected.get(s.list_id, DEFAULT_EXPECTED_DAYS),
        )
        for s in snapshots
    )
