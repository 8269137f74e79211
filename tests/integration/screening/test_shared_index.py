"""Beyond one machine: stateless screening workers share one stored index folder, read-only.

Two separate processes map the same folder at the same time; each maps the files read-only
(no writable mapping of any of them), neither changes a byte of them, and both answer every
party as the process that wrote the index does (docs/screening.md, "Beyond one machine").
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pallmall.screening import (
    EntryName,
    EntrySchema,
    Identifier,
    ListEntry,
    NameType,
    Party,
    Screener,
    SnapshotInfo,
    as_dict,
)
from pallmall.screening.index_files import open_index, write_index

TODAY = date(2026, 3, 1)
NAMES = ("Positive Technologies", "Cytrox Holdings Zrt.", "Islamic Army", "Nobody Known At All")

WORKER = """
import json, sys
from datetime import date
from pathlib import Path
from pallmall.screening import EntrySchema, Party, Screener, as_dict
from pallmall.screening.index_files import open_index
folder = Path(sys.argv[1])
index, snapshots = open_index(folder)
screener = Screener.over_index(index, snapshots)
results = [
    as_dict(screener.screen(Party(name, EntrySchema.ORGANIZATION), today=date(2026, 3, 1)))
    for name in json.loads(sys.argv[2])
]
modes = {}
with open("/proc/self/maps") as maps:
    for line in maps:
        fields = line.split()
        if len(fields) >= 6 and fields[5].startswith(str(folder)):
            modes.setdefault(Path(fields[5]).name, set()).add(fields[1])
print(json.dumps({"results": results, "modes": {k: sorted(v) for k, v in modes.items()}},
                 default=str))
"""


def entries() -> list[ListEntry]:
    return [
        ListEntry("ofac", "31455", EntrySchema.ORGANIZATION,
                  (EntryName("AO POZITIV TEKNOLODZHIZ"),
                   EntryName("Positive Technologies", NameType.ALIAS))),
        ListEntry("ofac", "QDe.001", EntrySchema.ORGANIZATION,
                  (EntryName("AL-QA'IDA/ISLAMIC ARMY"),),
                  identifiers=(Identifier("IMO 7406784", "IMO"),)),
        ListEntry("ofac", "KPe.001", EntrySchema.ORGANIZATION,
                  (EntryName("CYTROX HOLDINGS ZARTKORUEN MUKODO RESZVENYTARSASAG"),),
                  countries=("hu",)),
    ]  # fmt: skip


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.mark.slow
def test_two_processes_map_one_index_folder_read_only_and_answer_the_same(
    tmp_path: Path,
) -> None:
    snapshots = [SnapshotInfo("ofac", "2026-03-01", date(2026, 3, 1))]
    folder = write_index(entries(), snapshots, tmp_path)
    before = digests(folder)
    index, stored = open_index(folder)
    here = Screener.over_index(index, stored)
    expected: list[dict[str, Any]] = json.loads(
        json.dumps(
            [as_dict(here.screen(Party(n, EntrySchema.ORGANIZATION), today=TODAY)) for n in NAMES],
            default=str,
        )
    )
    assert expected[0]["hits"][0]["entry_id"] == "31455" and expected[3]["hits"] == []

    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(folder), json.dumps(NAMES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    answers = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
        answers.append(json.loads(out.strip().splitlines()[-1]))

    for answer in answers:
        assert answer["results"] == expected
        modes = answer["modes"]
        # the arrays and the record blobs are mapped, and no mapping of them is writable
        assert {"postings.npy", "keys.npy", "names.blob", "entries.blob"} <= set(modes)
        assert all("w" not in mode for found in modes.values() for mode in found), modes
    assert digests(folder) == before
