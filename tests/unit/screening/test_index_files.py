"""The stored screener index: built once per set of list versions, mapped back by every
process (and every desk) without rebuilding, with the same results as the built one."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import pytest

from pallmall.screening import (
    EntryName,
    EntrySchema,
    Identifier,
    ListEntry,
    LoadReport,
    NameType,
    PartialDate,
    Party,
    Screener,
    ScreeningDesk,
    SnapshotInfo,
    as_dict,
)
from pallmall.screening.index_files import index_digest, open_index, save_index
from pallmall.screening.scorer import ScreeningSettings

TODAY = date(2026, 3, 1)


def report(version: str) -> LoadReport:
    entries = (
        ListEntry(
            "un_sc",
            "CDi.001",
            EntrySchema.PERSON,
            (EntryName("ERIC BADEGE"), EntryName("Badeggie", NameType.WEAK_ALIAS)),
            countries=("cd",),
            birth_dates=(PartialDate(1971),),
            programmes=("DRC",),
            listed_on=date(2012, 12, 31),
        ),
        ListEntry(
            "un_sc",
            "QDe.001",
            EntrySchema.ORGANIZATION,
            (EntryName("AL-QA'IDA/ISLAMIC ARMY"), EntryName("Qaeda", NameType.ALIAS)),
            identifiers=(Identifier("IMO 7406784", "IMO"),),
        ),
        ListEntry(
            "un_sc",
            "KPe.001",
            EntrySchema.ORGANIZATION,
            (EntryName("CYTROX HOLDINGS ZARTKORUEN MUKODO RESZVENYTARSASAG"),),
            countries=("hu",),
        ),
    )
    return LoadReport(SnapshotInfo("un_sc", version, date(2026, 2, 27), "un.xml"), entries)


PARTIES = (
    Party("Eric Badege", EntrySchema.PERSON, countries=("CD",), birth_date="1971"),
    Party("Islamic Army"),
    Party("Someone", identifiers=("7406784",)),
    Party("Cytrox Holdings Zrt.", countries=("Hungary",)),
    Party("Nobody Known At All"),
)


def test_a_stored_index_screens_as_the_built_one(tmp_path: Path) -> None:
    built = Screener([report("1")])
    folder = save_index(built.index, built.snapshots, tmp_path)
    assert folder.name == index_digest(built.snapshots)
    index, snapshots = open_index(folder)
    mapped = Screener.over_index(index, snapshots)
    assert mapped.snapshots == built.snapshots and mapped.entry_count == 3
    for party in PARTIES:
        assert as_dict(mapped.screen(party, today=TODAY)) == as_dict(
            built.screen(party, today=TODAY)
        )
    # the arrays are memory maps of the files, not copies
    assert not index.arrays.postings.flags.owndata


def test_a_desk_builds_once_and_later_desks_map_the_stored_index(tmp_path: Path) -> None:
    loads: list[str] = []
    versions = {"un_sc": "1"}

    def load(list_id: str) -> LoadReport:
        loads.append(list_id)
        return report(versions[list_id])

    def current() -> list[SnapshotInfo]:
        return [report(versions["un_sc"]).snapshot]

    settings = ScreeningSettings()
    first = ScreeningDesk(current=current, load=load, settings=settings, index_root=tmp_path)
    result = first.screener().screen(PARTIES[0], today=TODAY)
    assert result.alerts[0].entry_id == "CDi.001" and loads == ["un_sc"]
    folder = tmp_path / index_digest(current())
    assert json.loads((folder / "meta.json").read_text())["entries"] == 3

    # another process: nothing in memory, the stored index is mapped, the list not loaded
    second = ScreeningDesk(current=current, load=load, settings=settings, index_root=tmp_path)
    assert second.screener().screen(PARTIES[0], today=TODAY) == result
    assert loads == ["un_sc"]

    # a new list version: built once more, the stale index removed
    versions["un_sc"] = "2"
    assert second.screener().snapshots[0].version == "2"
    assert loads == ["un_sc", "un_sc"]
    assert not folder.exists() and (tmp_path / index_digest(current())).is_dir()


def test_concurrent_desks_build_one_index(tmp_path: Path) -> None:
    loads: list[str] = []

    def load(list_id: str) -> LoadReport:
        loads.append(list_id)
        return report("3")

    desks = [
        ScreeningDesk(
            current=lambda: [report("3").snapshot],
            load=load,
            index_root=tmp_path,
        )
        for _ in range(3)
    ]
    threads = [threading.Thread(target=d.warm_up) for d in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(d.ready for d in desks) and loads == ["un_sc"]
    assert len([p for p in tmp_path.iterdir() if not p.name.startswith(".")]) == 1


def test_an_index_of_another_format_is_refused(tmp_path: Path) -> None:
    built = Screener([report("1")])
    folder = save_index(built.index, built.snapshots, tmp_path)
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps(meta | {"format": 0}))
    with pytest.raises(ValueError, match="index format 0"):
        open_index(folder)
