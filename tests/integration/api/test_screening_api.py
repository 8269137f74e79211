"""Screening through the API on SQLite and PostgreSQL: one party, a CSV batch, lists, 50 % rule."""

from __future__ import annotations

import csv
import io
import time
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.auth import Role
from pallmall.core.settings import Settings
from pallmall.screening import EntryName, EntrySchema, ListEntry, LoadReport, SnapshotInfo
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from tests.integration.api.conftest import auth

SNAPSHOT = SnapshotInfo("test_list", "2024-03-05", date(2024, 3, 5), "hand-made test list")
ENTRIES = (
    ListEntry(
        "test_list",
        "31455",
        EntrySchema.ORGANIZATION,
        (EntryName("AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ"),),
        countries=("ru",),
        programmes=("CYBER2",),
        listed_on=date(2021, 4, 15),
    ),
    ListEntry(
        "test_list",
        "1",
        EntrySchema.ORGANIZATION,
        (EntryName("Intellexa S.A."),),
        countries=("gr",),
        programmes=("CYBER2",),
    ),
)


@pytest.fixture
def listed(db: Database) -> SqlListStore:
    store = SqlListStore(db.engine)
    store.record(LoadReport(SNAPSHOT, ENTRIES))
    return store


def test_screen_one_party_is_explained(
    client: TestClient, tokens: dict[Role, str], listed: SqlListStore
) -> None:
    response = client.post(
        "/api/v1/screening/screen",
        headers=auth(tokens[Role.REGULATOR]),
        json={"name": "AO POZITIV TEKNOLODZHIZ", "countries": ["RU"]},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    top = result["hits"][0]
    assert top["entry_id"] == "31455" and top["alert"] is True
    assert top["programmes"] == ["CYBER2"]
    assert top["snapshot"]["version"] == "2024-03-05"
    assert top["name_match"] and top["contributions"]
    assert result["snapshots"][0]["age_days"] == (date.today() - date(2024, 3, 5)).days


def test_screening_needs_the_right_role(client: TestClient, tokens: dict[Role, str]) -> None:
    body = {"name": "x"}
    assert client.post("/api/v1/screening/screen", json=body).status_code == 401
    vendor = client.post("/api/v1/screening/screen", json=body, headers=auth(tokens[Role.VENDOR]))
    assert vendor.status_code == 403


def test_no_lists_loaded_is_a_clear_conflict(client: TestClient, tokens: dict[Role, str]) -> None:
    response = client.post(
        "/api/v1/screening/screen", json={"name": "x"}, headers=auth(tokens[Role.ADMIN])
    )
    assert response.status_code == 409
    assert "no restricted-party list is loaded" in response.json()["detail"]


def test_batch_csv_in_csv_out(
    client: TestClient, tokens: dict[Role, str], listed: SqlListStore
) -> None:
    parties = "name,countries,reference\nIntellexa SA,GR,p1\nAcme Flowers,FR,p2\n"
    response = client.post(
        "/api/v1/screening/batch",
        content=parties,
        headers={**auth(tokens[Role.STATE_USER]), "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    alerts = {r["reference"] for r in rows if r["alert"] == "true"}
    assert alerts == {"p1"}


def test_batch_bad_csv_names_the_line(
    client: TestClient, tokens: dict[Role, str], listed: SqlListStore
) -> None:
    response = client.post(
        "/api/v1/screening/batch",
        content="name,colour\nX,red\n",
        headers={**auth(tokens[Role.ADMIN]), "content-type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "line 1"


def test_lists_in_force(client: TestClient, tokens: dict[Role, str], listed: SqlListStore) -> None:
    lists = client.get("/api/v1/screening/lists", headers=auth(tokens[Role.OVERSIGHT])).json()
    assert [(s["list_id"], s["version"]) for s in lists] == [("test_list", "2024-03-05")]


def test_fifty_percent_rule_through_registry_ownership(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    admin = auth(tokens[Role.ADMIN])

    def org(name: str, designated: bool = False) -> str:
        body: dict[str, object] = {"type": "organisation", "name": name, "kinds": ["vendor"]}
        if designated:
            body["designations"] = [
                {"authority": "OFAC", "listed_on": "2024-03-05", "citation": "test"}
            ]
        response = client.post("/api/v1/registry/records", json=body, headers=admin)
        return str(response.json()["id"])

    listed_a, listed_b, holding, target = (
        org("Listed A", True),
        org("Listed B", True),
        org("Holding"),
        org("Target"),
    )
    for source, dest, share in (
        (listed_a, holding, 60),
        (holding, target, 50),
        (listed_b, target, 25),
    ):
        client.post(
            "/api/v1/registry/relationships",
            headers=admin,
            json={"type": "owns", "source_id": source, "target_id": dest, "share": share},
        )
    finding = client.get(f"/api/v1/screening/ownership/{target}", headers=admin).json()
    # Holding is 60 % owned by a listed party, so it is blocked and passes its 50 % on in full:
    # 50 % + 25 % = 75 %.
    assert finding["blocked"] is True and finding["status"] == "blocked"
    assert finding["aggregate_share"] == pytest.approx(0.75)
    # one line per chain from a listed owner, the blocked holding named on its chain
    chains = sorted(finding["explanation"].splitlines())
    assert len(chains) == 2, chains
    via_holding = next(c for c in chains if holding in c)
    assert via_holding.index(listed_a) < via_holding.index(holding) < via_holding.index(target)
    assert "blocked under the rule" in via_holding
    direct = next(c for c in chains if holding not in c)
    assert listed_b in direct and target in direct and "25%" in direct


def test_status_turns_ready_once_the_screener_is_built(
    listed: SqlListStore, client: TestClient
) -> None:
    # lists first, then the app: its start-up builds the screener in the background
    deadline = time.monotonic() + 60
    while (status := client.get("/api/v1/status").json())["status"] != "ready":
        assert status["status"] == "warming" and not status["screener_ready"]
        assert time.monotonic() < deadline, "the screener never finished building"
        time.sleep(0.1)
    assert status["screener_ready"] is True and status["log_size"] >= 0
    assert isinstance(status["person_names_loaded"], bool)


def test_a_server_told_to_preload_person_names_is_ready_with_them(
    sqlite_db: Database, tmp_path: Path
) -> None:
    # (one database is enough: the setting is about the worker, not the storage)
    db = sqlite_db
    SqlListStore(db.engine).record(LoadReport(SNAPSHOT, ENTRIES))
    settings = Settings(data_dir=tmp_path, session_secret="s", preload_person_names=True)
    with TestClient(create_app(settings, db)) as client:
        deadline = time.monotonic() + 120
        while (status := client.get("/api/v1/status").json())["status"] != "ready":
            assert time.monotonic() < deadline, "the screener never finished building"
            time.sleep(0.1)
    assert status["person_names_loaded"] is True
