"""A list entry delisted or changed by a new list version is noted on the open cases whose
due diligence matched it, for their officers only, on SQLite and PostgreSQL: loaded through
``lists update`` (offline, as the CLI and the server's schedule do), re-checked, read
through the API and on the case page; a case that never matched the entry and a closed case
get nothing. An overdue list is an advisory finding; a current one is not."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from pallmall.core.settings import Settings
from pallmall.rechecker import Rechecker
from pallmall.screening import EntryName, LoadReport
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from pallmall.wiring import case_service, screening_desk, update_lists
from tests.integration.cases.conftest import ENTRIES, SNAPSHOT, World, act, auth, file

POZITIV = "31455"  # the fixture list's one entry; "Pozitiv Teknolodzhiz AO" matches it
ELSEWHERE = [
    {"role": "end_user", "name": "Harbour Logistics GmbH", "country": "DE"},
    {"role": "consignee", "name": "Baltic Shipping Oy", "country": "FI"},
]


def detail(client: TestClient, world: World, user: str, case_id: str) -> Any:
    response = client.get(f"/api/v1/cases/{case_id}", headers=auth(world, user))
    assert response.status_code == 200, response.text
    return response.json()


def submitted(client: TestClient, world: World, **changes: Any) -> str:
    case_id: str = file(client, world, **changes)["id"]
    assert act(client, world, "vendor", case_id, verb="submit").status_code == 200
    return case_id


def denied(client: TestClient, world: World) -> str:
    """A case decided (denied): closed, so no recheck reaches it."""
    case_id = submitted(client, world)
    assert act(client, world, "officer_a1", case_id, verb="start_review").status_code == 200
    advice = {"outcome": "deny", "grounds": ["sanctions.blocked-party@1"]}
    assert act(client, world, "officer_a1", case_id, verb="advise", **advice).status_code == 200
    assert act(client, world, "officer_a2", case_id, verb="countersign").status_code == 200
    assert detail(client, world, "officer_a1", case_id)["case"]["status"] == "denied"
    return case_id


def cited(run: Any, rule_id: str) -> set[str]:
    return {
        e["entry_id"]
        for f in run["findings"]
        if f["rule_id"] == rule_id
        for e in f["evidence"]
        if "entry_id" in e
    }


def delist_through_update(db: Database, data: Path) -> str:
    """A new version of ``test_list`` without entry 31455, loaded as ``pallmall lists update
    --offline`` loads it (an FtM export named in ``lists-feeds.json``); its version."""
    feed = {"test_list": {"format": "ftm_json", "url": "https://lists.example/test.ftm.json"}}
    (data / "lists-feeds.json").write_text(json.dumps(feed))
    folder = data / "offline"
    folder.mkdir()
    other = {"id": "77001", "schema": "Company", "properties": {"name": ["Cytrox AD"]}}
    (folder / "test.ftm.json").write_text(json.dumps(other) + "\n")
    settings = Settings(data_dir=data, session_secret="test-secret")
    (outcome,) = update_lists(settings, db, ["test_list"], offline=folder)
    assert outcome.status == "updated", outcome.error
    assert outcome.diff is not None
    assert [c.entry_id for c in outcome.diff.changes if c.kind.value == "delisted"] == [POZITIV]
    return outcome.version


def test_a_delisting_is_noted_on_the_open_cases_that_matched_it(
    client: TestClient, world: World, db: Database, tmp_path: Path
) -> None:
    touched = submitted(client, world)
    untouched = submitted(client, world, parties=ELSEWHERE)
    closed = denied(client, world)
    first = detail(client, world, "officer_a1", touched)["diligence"][-1]
    assert cited(first, "sanctions.blocked-party") == {POZITIV}
    assert first["list_changes"] == []

    version = delist_through_update(db, tmp_path)
    rechecker = Rechecker(db, lambda tx: case_service(tx, screening_desk(db)))
    assert sorted(rechecker.run_once()) == sorted([touched, untouched])  # not the closed one

    runs = detail(client, world, "officer_a1", touched)["diligence"]
    assert [r["trigger"] for r in runs] == ["submitted", "recheck"]
    (note,) = runs[-1]["list_changes"]
    assert (note["list_id"], note["entry_id"], note["change"]) == ("test_list", POZITIV, "delisted")
    assert (note["from_version"], note["to_version"]) == ("2024-03-05", version)
    assert note["entry_name"] == "AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ"
    (matched,) = note["matched"]
    assert matched.startswith("end_user 'Pozitiv Teknolodzhiz AO' (") and "alert" in matched
    assert note["now"] == []
    assert note["before"] == ["sanctions.blocked-party@1 (blocking)"]
    assert note["after"] == []
    assert "sanctions.blocked-party@1 (blocking) no longer cites it" in note["text"]
    assert cited(runs[-1], "sanctions.blocked-party") == set()  # the finding moved

    page = client.get(f"/cases/{touched}", headers=auth(world, "officer_a1")).text
    assert "List changes" in page
    assert f"test_list entry {POZITIV} &#39;AKTSIONERNOE OBSHCHESTVO POZITIV" in page
    assert f"delisted (version 2024-03-05 -&gt; {version})" in page

    # the filer sees neither the note nor the run it is in, through the API or the page
    own = detail(client, world, "vendor", touched)
    assert own["diligence"] == []
    assert "delisted" not in json.dumps(own)
    own_page = client.get(f"/cases/{touched}", headers=auth(world, "vendor")).text
    assert "List changes" not in own_page and "delisted" not in own_page

    # a case that never matched the entry: re-run, nothing noted
    other = detail(client, world, "officer_a1", untouched)["diligence"]
    assert [r["trigger"] for r in other] == ["submitted", "recheck"]
    assert other[-1]["list_changes"] == []
    assert (
        "List changes"
        not in client.get(f"/cases/{untouched}", headers=auth(world, "officer_a1")).text
    )
    # a closed case: no run, no note
    shut = detail(client, world, "officer_a1", closed)["diligence"]
    assert [r["trigger"] for r in shut] == ["submitted"]

    # the note stays on the case page after later runs
    assert client.post(
        f"/api/v1/cases/{touched}/diligence", headers=auth(world, "officer_a1")
    ).status_code in (200, 201)
    again = detail(client, world, "officer_a1", touched)["diligence"]
    assert again[-1]["list_changes"] == []  # nothing changed since the last run
    page = client.get(f"/cases/{touched}", headers=auth(world, "officer_a1")).text
    assert f"test_list entry {POZITIV}" in page


def test_a_changed_entry_says_how_the_party_matches_it_now(
    client: TestClient, world: World, db: Database
) -> None:
    case_id = submitted(client, world)
    (entry,) = ENTRIES
    changed = replace(
        entry,
        names=(*entry.names, EntryName("POSITIVE TECHNOLOGIES")),
        programmes=("CYBER2", "RUSSIA-EO14024"),
    )
    snapshot = replace(SNAPSHOT, version="2026-11-02", published=date.today())
    SqlListStore(db.engine).record(LoadReport(snapshot, (changed,)))
    assert Rechecker(db, lambda tx: case_service(tx, screening_desk(db))).run_once() == [case_id]

    run = detail(client, world, "officer_a1", case_id)["diligence"][-1]
    (note,) = run["list_changes"]
    assert (note["change"], note["fields"]) == ("amended", ["names", "programmes"])
    assert (note["from_version"], note["to_version"]) == ("2024-03-05", "2026-11-02")
    (now,) = note["now"]
    assert now.startswith("end_user 'Pozitiv Teknolodzhiz AO' (") and "alert" in now
    assert note["before"] == note["after"] == ["sanctions.blocked-party@1 (blocking)"]
    assert "amended (names, programmes)" in note["text"]
    assert "sanctions.blocked-party@1 (blocking) still cites it" in note["text"]


def test_an_overdue_list_is_an_advisory_finding_a_current_one_is_not(
    client: TestClient, world: World, db: Database
) -> None:
    case_id = submitted(client, world)
    run = detail(client, world, "officer_a1", case_id)["diligence"][-1]
    (overdue,) = [f for f in run["findings"] if f["rule_id"] == "screening.list-overdue"]
    assert overdue["severity"] == "advisory" and overdue["rule_version"] == 1
    assert overdue["citation"].startswith("OFAC, A Framework for OFAC Compliance Commitments")
    age = (date.today() - date(2024, 3, 5)).days
    assert overdue["summary"].startswith(
        f"list test_list version 2024-03-05 is {age} days old (its publisher usually "
        "updates it every 30 days)"
    )
    (evidence,) = overdue["evidence"]
    assert (evidence["version"], evidence["age_days"]) == ("2024-03-05", age)
    assert run["evidence"]["lists"] == [
        {
            "list_id": "test_list",
            "version": "2024-03-05",
            "published": "2024-03-05",
            "age_days": age,
            "expected_days": 30,
        }
    ]

    fresh = replace(SNAPSHOT, version="fresh", published=date.today() - timedelta(days=3))
    SqlListStore(db.engine).record(LoadReport(fresh, ENTRIES))
    assert Rechecker(db, lambda tx: case_service(tx, screening_desk(db))).run_once() == [case_id]
    run = detail(client, world, "officer_a1", case_id)["diligence"][-1]
    assert "screening.list-overdue" not in {f["rule_id"] for f in run["findings"]}
    assert run["evidence"]["lists"][0]["age_days"] == 3
    assert run["list_changes"] == []  # the same entry, unchanged
