"""Snapshot diffs: listings, delistings and amendments, with dates."""

from __future__ import annotations

from datetime import date

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.screening import (
    ChangeKind,
    EntryName,
    EntrySchema,
    ListEntry,
    LoadReport,
    SnapshotInfo,
    diff_snapshots,
)


def entry(entry_id: str, name: str, listed_on: date | None = None) -> ListEntry:
    return ListEntry("un_sc", entry_id, EntrySchema.PERSON, (EntryName(name),), listed_on=listed_on)


def report(version: str, published: date, *entries: ListEntry) -> LoadReport:
    return LoadReport(SnapshotInfo("un_sc", version, published), entries)


def test_newer_snapshot_gives_listings_delistings_and_amendments() -> None:
    old = report("v1", date(2026, 1, 1), entry("A", "ALPHA"), entry("B", "BRAVO"))
    new = report(
        "v2",
        date(2026, 2, 1),
        entry("A", "ALPHA ONE"),
        entry("C", "CHARLIE", listed_on=date(2026, 1, 20)),
        entry("D", "DELTA"),
    )
    diff = diff_snapshots(old, new)
    assert [(c.entry_id, c.effective) for c in diff.of_kind(ChangeKind.LISTED)] == [
        ("C", date(2026, 1, 20)),  # the list's own listing date
        ("D", date(2026, 2, 1)),  # else the snapshot's date
    ]
    assert [(c.entry_id, c.name, c.effective) for c in diff.of_kind(ChangeKind.DELISTED)] == [
        ("B", "BRAVO", date(2026, 2, 1))
    ]
    assert [c.entry_id for c in diff.of_kind(ChangeKind.AMENDED)] == ["A"]
    assert {c.version for c in diff.changes} == {"v2"}


def test_first_snapshot_lists_everything() -> None:
    diff = diff_snapshots(None, report("v1", date(2026, 1, 1), entry("A", "ALPHA")))
    assert [c.kind for c in diff.changes] == [ChangeKind.LISTED]


def test_older_or_foreign_snapshots_are_refused() -> None:
    new = report("v2", date(2026, 2, 1), entry("A", "ALPHA"))
    with pytest.raises(InvalidInput, match="older"):
        diff_snapshots(new, report("v1", date(2026, 1, 1), entry("A", "ALPHA")))
    other = LoadReport(SnapshotInfo("us_ofac_sdn", "v1", date(2026, 1, 1)), ())
    with pytest.raises(InvalidInput, match="cannot diff"):
        diff_snapshots(other, new)
