"""The stored screener index: built once per set of list versions, mapped back by every
process (and every desk) without rebuilding, with the same results as the built one."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import numpy as np
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
from pallmall.screening.index import _summed
from pallmall.screening.index_files import index_digest, open_index, save_index, write_index
from pallmall.screening.person_names import table_name
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
    stored = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert len([p for p in stored if p.is_dir()]) == 1  # one index
    # and, when a person's symbols were asked (not if this process had them cached), the
    # person-name table
    assert {p.name for p in stored if p.is_file()} <= {table_name()}


def test_an_index_of_another_format_is_refused(tmp_path: Path) -> None:
    built = Screener([report("1")])
    folder = save_index(built.index, built.snapshots, tmp_path)
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps(meta | {"format": 0}))
    with pytest.raises(ValueError, match="index format 0"):
        open_index(folder)


POZITIV = "АО «Позитив Текнолоджиз»"  # noqa: RUF001


def many_entries() -> list[ListEntry]:
    """Entries in several scripts and forms, sharing words (the token records are shared),
    one with no indexable name, two with the same identifier."""
    entries = list(report("1").entries)
    entries += [
        ListEntry("ofac", "1", EntrySchema.ORGANIZATION, (EntryName(POZITIV),
                  EntryName("AO POZITIV TEKNOLODZHIZ", NameType.ALIAS))),
        ListEntry("ofac", "2", EntrySchema.PERSON, (EntryName("محمد بن سلمان"),
                  EntryName("BIN SALMAN, Mohammed"))),
        ListEntry("ofac", "3", EntrySchema.VESSEL, (EntryName("M/V VICTORY 3"),),
                  identifiers=(Identifier("IMO 7406784", "IMO"),)),
        ListEntry("ofac", "4", EntrySchema.UNKNOWN, (EntryName("---"),)),
        ListEntry("ofac", "5", EntrySchema.ORGANIZATION, (EntryName("Positive Technologies LLC"),),
                  identifiers=(Identifier("7718668887", "Tax ID"), Identifier("7718-668887"))),
    ]  # fmt: skip
    return entries


@pytest.mark.parametrize("workers", [1, 2])
def test_an_index_written_from_entries_is_the_saved_one_byte_for_byte(
    tmp_path: Path, workers: int
) -> None:
    entries = many_entries()
    snapshots = [report("1").snapshot]
    built = Screener([LoadReport(snapshots[0], tuple(entries))])
    saved = save_index(built.index, built.snapshots, tmp_path / "saved")
    written = write_index(entries, snapshots, tmp_path / "written", workers=workers)
    assert sorted(p.name for p in written.iterdir()) == sorted(p.name for p in saved.iterdir())
    for path in saved.iterdir():
        assert (written / path.name).read_bytes() == path.read_bytes(), path.name
    # the entry without an indexable name has none; each distinct token is stored once
    # and, mapped back, decoded once: the two spellings of one name share their tokens
    index, _ = open_index(written)
    assert len(index.names) == 13 and index.names_of(6) == []
    assert index.names[7].name.value == POZITIV
    assert [t.text for t in index.names[7].normalised.tokens] == ["pozitiv", "teknolodzhiz"]
    assert all(
        a is b
        for a, b in zip(
            index.names[7].normalised.tokens, index.names[8].normalised.tokens, strict=True
        )
    )
    assert len(np.load(written / "tokens.offsets.npy")) - 1 == 22  # of 28 tokens in all
    assert index.with_identifier("7406784") == [1, 5]


def test_a_written_index_is_kept_when_it_is_already_there(tmp_path: Path) -> None:
    snapshots = [report("1").snapshot]
    first = write_index(report("1").entries, snapshots, tmp_path)
    stamp = (first / "names.blob").stat().st_mtime_ns
    assert write_index([], snapshots, tmp_path) == first
    assert (first / "names.blob").stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.is_dir()] == []


@pytest.mark.parametrize("spread", [10, 100_000])
def test_candidate_support_is_summed_in_order_whether_sorted_or_slotted(spread: int) -> None:
    """Few positions spread wide are sorted, many close together are summed into slots;
    both add each name's weights in the order given, so the sums agree to the last bit."""
    rng = np.random.default_rng(7)
    positions = rng.integers(0, spread, size=2000).astype(np.int32)
    weights = rng.random(2000) * 10
    expected: dict[int, float] = {}
    for position, weight in zip(positions.tolist(), weights.tolist(), strict=True):
        expected[position] = expected.get(position, 0.0) + weight
    hit, support = _summed(positions, weights)
    assert hit.tolist() == sorted(expected)
    assert support.tolist() == [expected[p] for p in sorted(expected)]
