"""A list loaded after a case was filed flags that case without anyone asking: the
rechecker re-runs due diligence on stale open cases, once per change, on SQLite and
PostgreSQL, and the server runs it by itself."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.settings import Settings
from pallmall.rechecker import Rechecker
from pallmall.screening import EntryName, EntrySchema, ListEntry, LoadReport
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from pallmall.wiring import case_service, screening_desk
from tests.integration.cases.conftest import ENTRIES, SNAPSHOT, World, act, auth, file

CONSIGNEE = "Northern Freight LLC"  # in every application of the fixtures, on no list
NEWLY_LISTED = ListEntry(
    "test_list",
    "99001",
    EntrySchema.ORGANIZATION,
    (EntryName("NORTHERN FREIGHT LIMITED LIABILITY COMPANY"), EntryName(CONSIGNEE)),
    countries=("am",),
    programmes=("CYBER2",),
    listed_on=date(2026, 11, 1),
)


def blocked_parties(client: TestClient, world: World, case_id: str) -> set[str]:
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth(world, "officer_a1")).json()
    return {
        e["entry_id"]
        for f in detail["diligence"][-1]["findings"]
        if f["rule_id"] == "sanctions.blocked-party"
        for e in f["evidence"]
        if "entry_id" in e
    }


def list_consignee(db: Database) -> None:
    snapshot = replace(SNAPSHOT, version="2026-11-02", published=date(2026, 11, 2))
    SqlListStore(db.engine).record(LoadReport(snapshot, (*ENTRIES, NEWLY_LISTED)))


def submitted_case(client: TestClient, world: World) -> str:
    case_id: str = file(client, world)["id"]
    assert act(client, world, "vendor", case_id, verb="submit").status_code == 200
    assert blocked_parties(client, world, case_id) == {"31455"}
    return case_id


def test_a_new_listing_reruns_open_cases_once(
    client: TestClient, world: World, db: Database
) -> None:
    case_id = submitted_case(client, world)
    rechecker = Rechecker(db, lambda tx: case_service(tx, screening_desk(db)))
    assert rechecker.run_once() == []  # nothing changed since the case's own run

    list_consignee(db)
    assert rechecker.run_once() == [case_id]
    assert blocked_parties(client, world, case_id) == {"31455", "99001"}
    assert rechecker.run_once() == []  # the stamp has not moved since

    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth(world, "officer_a1")).json()
    assert [run["trigger"] for run in detail["diligence"]] == ["submitted", "recheck"]


def test_the_server_rechecks_by_itself(db: Database, world: World, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, session_secret="test-secret", recheck_seconds=0.1)
    with TestClient(create_app(settings, db)) as client:
        case_id = submitted_case(client, world)
        list_consignee(db)
        deadline = time.monotonic() + 30
        while "99001" not in blocked_parties(client, world, case_id):
            assert time.monotonic() < deadline, "the server never re-ran the case"
            time.sleep(0.1)


def test_a_denial_reruns_open_similar_cases(client: TestClient, world: World, db: Database) -> None:
    """A denial is evidence for every open application naming the same parties (no
    undercut): it moves the stamp, and the open case filed before it is rechecked."""
    open_case: str = file(client, world, "vendor2", authority_id=world.accounts["Authority B"])[
        "id"
    ]
    assert act(client, world, "vendor2", open_case, verb="submit").status_code == 200
    rechecker = Rechecker(db, lambda tx: case_service(tx, screening_desk(db)))
    assert rechecker.run_once() == []

    denied = submitted_case(client, world)  # to Authority A, the same parties
    act(client, world, "officer_a1", denied, verb="start_review")
    act(client, world, "officer_a1", denied, verb="advise", outcome="deny", grounds=["x"])
    assert act(client, world, "officer_a2", denied, verb="countersign").json()["status"] == "denied"

    assert open_case in rechecker.run_once()
    detail = client.get(f"/api/v1/cases/{open_case}", headers=auth(world, "officer_b")).json()
    rules = {f["rule_id"] for f in detail["diligence"][-1]["findings"]}
    assert "no-undercut.prior-denial" in rules
    assert len(detail["diligence"][-1]["stamp"]) <= 200
