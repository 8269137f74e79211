"""The SQL list store: snapshots, listing and delisting history, refusal of a repeat."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pallmall.core.errors import Conflict
from pallmall.screening import (
    ChangeKind,
    EntryName,
    EntrySchema,
    ListEntry,
    LoadReport,
    SnapshotInfo,
)
from pallmall.storage.base import make_engine, metadata
from pallmall.storage.screening import (
    SqlListStore,
    screening_change,
    screening_entry,
    screening_snapshot,
)


@pytest.fixture
def store(tmp_path: Path) -> SqlListStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'lists.db'}")
    metadata.create_all(engine, tables=[screening_snapshot, screening_entry, screening_change])
    return SqlListStore(engine)


def entry(entry_id: str, name: str) -> ListEntry:
    return ListEntry("un_sc", entry_id, EntrySchema.PERSON, (EntryName(name),), countries=("cd",))


def snapshot(version: str, day: date, *entries: ListEntry) -> LoadReport:
    return LoadReport(SnapshotInfo("un_sc", version, day, "un.xml"), entries)


def test_history_of_listings_and_delistings(store: SqlListStore) -> None:
    store.record(snapshot("v1", date(2026, 1, 1), entry("A", "ALPHA"), entry("B", "BRAVO")))
    diff = store.record(
        snapshot("v2", date(2026, 2, 1), entry("A", "ALPHA"), entry("C", "CHARLIE"))
    )
    assert [(c.entry_id, c.kind) for c in diff.changes] == [
        ("B", ChangeKind.DELISTED),
        ("C", ChangeKind.LISTED),
    ]
    history = store.changes("un_sc")
    assert [(c.entry_id, c.kind.value, c.version) for c in history] == [
        ("A", "listed", "v1"),
        ("B", "listed", "v1"),
        ("B", "delisted", "v2"),
        ("C", "listed", "v2"),
    ]
    assert [c.entry_id for c in store.changes("un_sc", since=date(2026, 2, 1))] == ["B", "C"]
    latest = store.latest("un_sc")
    assert latest is not None and latest.snapshot.version == "v2"
    assert latest.entries == (entry("A", "ALPHA"), entry("C", "CHARLIE"))
    assert [s.version for s in store.snapshots("un_sc")] == ["v1", "v2"]


def test_a_stored_version_is_refused_and_nothing_is_written(store: SqlListStore) -> None:
    store.record(snapshot("v1", date(2026, 1, 1), entry("A", "ALPHA")))
    with pytest.raises(Conflict):
        store.record(snapshot("v1", date(2026, 1, 1), entry("A", "ALPHA"), entry("B", "BRAVO")))
    assert len(store.changes("un_sc")) == 1
    assert store.latest("other") is None
