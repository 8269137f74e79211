"""The stored person-name table (issue 16): given-name symbols read from a file beside the
index say what rigour's tagger says, a process that has the file never loads the tagger,
and the file is built again when the rigour version changes."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest

from pallmall.screening import (
    EntryName,
    EntrySchema,
    ListEntry,
    LoadReport,
    Party,
    ScreeningDesk,
    SnapshotInfo,
    as_dict,
    person_names,
)
from pallmall.screening import normalisation as norm
from pallmall.screening.person_names import PersonNameTable, open_person_table
from pallmall.screening.shipped import load_shipped_lists

SNAPSHOT = SnapshotInfo("l", "1", date(2026, 1, 1), "test")
ENTRIES = (
    ListEntry("l", "1", EntrySchema.PERSON, (EntryName("Sergejs Vaskovskis"),)),
    ListEntry("l", "2", EntrySchema.PERSON, (EntryName("ALEKSANDR, Ivanovich Petrov"),)),
)
QUERIES = ("Sergey Vaskovskis", "Alexander Petrov", "Sasha Ivanovich Petrov", "Mr Ted Nobody")


def desk(root: Path) -> ScreeningDesk:
    return ScreeningDesk(
        current=lambda: [SNAPSHOT], load=lambda _: LoadReport(SNAPSHOT, ENTRIES), index_root=root
    )


def _words(name: str) -> str:
    # the text normalise() hands to _symbols for a person's name
    text = norm.latin(norm._APOSTROPHES.sub("", name).replace("&", " and "))
    text = norm._person_order(norm.remove_person_prefixes(text))
    return " ".join(norm._abd_al([w for w in norm._NOT_WORD.split(text) if w]))


@pytest.fixture(autouse=True)
def tagger_again() -> Iterator[None]:
    """A desk installs its table process-wide: the next test starts with the tagger."""
    yield
    norm.use_person_table(None)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> PersonNameTable:
    root = tmp_path_factory.mktemp("index")
    path = person_names.write_person_table(root)
    assert path.name == person_names.table_name()
    return PersonNameTable(path)


@pytest.mark.slow
def test_the_table_says_what_the_tagger_says_for_every_shipped_list_name(
    table: PersonNameTable,
) -> None:
    # if this fails after a rigour upgrade: .venv/bin/python scripts/person_name_words.py
    texts = {_words(n.value) for r in load_shipped_lists() for e in r.entries for n in e.names} | {
        _words(q) for q in QUERIES
    }
    tagger = norm._symbols.__wrapped__  # type: ignore[attr-defined]  # lru_cache's
    norm.use_person_table(None)
    differ = [t for t in sorted(texts) if table.symbols(t) != tagger(t)]
    assert len(texts) > 30_000 and not differ


PROBE = """
import json, sys
from datetime import date
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from tests.integration.screening.test_person_names import QUERIES, desk
from pallmall.screening import Party, as_dict
from pallmall.screening import normalisation
screener = desk(Path(sys.argv[1])).screener()
results = [as_dict(screener.screen(Party(q), today=date(2026, 3, 1))) for q in QUERIES]
print(json.dumps({"results": results, "tagger": bool(normalisation._TAGGER_ASKED)}, default=str))
"""


def _probe(root: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(done.stdout)
    return found


@pytest.mark.slow
def test_a_process_with_the_table_screens_persons_without_the_tagger(tmp_path: Path) -> None:
    first = _probe(tmp_path)  # builds the index and the table (asks the tagger)
    assert open_person_table(tmp_path) is not None
    second = _probe(tmp_path)  # maps both
    assert second["tagger"] is False
    assert second["results"] == first["results"]
    in_memory = ScreeningDesk(
        current=lambda: [SNAPSHOT], load=lambda _: LoadReport(SNAPSHOT, ENTRIES)
    )
    expected = [
        as_dict(in_memory.screener().screen(Party(q), today=date(2026, 3, 1))) for q in QUERIES
    ]
    assert json.loads(json.dumps(expected, default=str)) == second["results"]
    hits = second["results"]
    assert isinstance(hits, list) and hits[0]["hits"][0]["entry_id"] == "1"  # sergey: sergejs


def _screen_a_person(root: Path) -> None:
    norm._symbols.cache_clear()  # ask for the symbols again, not this process's cache
    desk(root).screener().screen(Party("Sergey Vaskovskis"))


def test_the_table_is_built_at_the_first_person_screen_and_again_for_a_new_rigour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(person_names, "shipped_words", lambda: ["sergey", "sergejs", "ted"])
    monkeypatch.setattr(person_names, "_WRITTEN", [])  # no copy of a whole table
    desk(tmp_path).screener().screen(Party("Vaskovskis Holding", EntrySchema.ORGANIZATION))
    assert open_person_table(tmp_path) is None  # no person compared: not built
    _screen_a_person(tmp_path)
    (old,) = tmp_path.glob("person-names-*.tsv")
    assert old.name == person_names.table_name() and norm.person_tables_loaded()
    monkeypatch.setattr(person_names, "version", lambda _: "99.0.0")
    assert open_person_table(tmp_path) is None  # not this rigour's table
    _screen_a_person(tmp_path)  # the index is there; the table is built for the new version
    (new,) = tmp_path.glob("person-names-*.tsv")
    assert new.name == person_names.table_name() and "-99.0.0-" in new.name
    assert not old.exists()
    table = open_person_table(tmp_path)
    assert table is not None and table.word("sergey") & table.word("sergejs")


def test_a_read_only_index_folder_without_a_table_asks_the_tagger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk(tmp_path).screener()  # the index, no table

    def read_only(root: Path) -> None:
        raise PermissionError(13, "Read-only file system", str(root / ".build.lock"))

    monkeypatch.setattr(person_names, "build_lock", read_only)  # as root, chmod would not do
    stored = person_names.StoredPersonNames(tmp_path)
    assert stored.symbols("sergey vaskovskis") is None and not stored.loaded
    assert open_person_table(tmp_path) is None


def test_a_new_list_version_builds_its_index_while_the_table_is_still_unbuilt(
    tmp_path: Path,
) -> None:
    # regression: the unbuilt table of the first index took the build lock the second
    # index's build held (flock is per open file): the process waited for itself
    versions = {"l": "1"}

    def current() -> list[SnapshotInfo]:
        return [SnapshotInfo("l", versions["l"], date(2026, 1, 1), "test")]

    def load(_: str) -> LoadReport:
        return LoadReport(current()[0], ENTRIES)

    shared = ScreeningDesk(current=current, load=load, index_root=tmp_path)
    shared.screener()  # the index; no person compared, so no table
    assert open_person_table(tmp_path) is None and norm.stored_table_unbuilt()
    versions["l"] = "2"
    done: list[str] = []
    worker = threading.Thread(  # a daemon: a deadlocked one fails the test, not the run
        target=lambda: done.append(shared.screener().snapshots[0].version), daemon=True
    )
    worker.start()
    worker.join(120)
    assert done == ["2"]
    _screen_a_person(tmp_path)
    assert open_person_table(tmp_path) is not None


def test_the_shipped_words_are_from_the_installed_rigour() -> None:
    # the table asks the installed rigour about the shipped words; words a newer rigour's
    # corpus added would get no symbols: after a rigour upgrade, run
    # .venv/bin/python scripts/person_name_words.py
    head = gzip.decompress(person_names.words_file().read_bytes()).decode().splitlines()[:3]
    assert f"from rigour {version('rigour')}'s person-name corpus" in "\n".join(head)
    words = person_names.shipped_words()
    assert len(words) > 100_000 and words == sorted(set(words))
    assert all((w.isascii() and w.isalnum() and w.islower()) or w.isdigit() for w in words[:1000])
