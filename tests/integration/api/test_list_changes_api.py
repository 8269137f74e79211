"""List versions and ages through the API, on SQLite and PostgreSQL: what changed between
two versions (listings, delistings, amended entries and their fields), how old each list
in force is, and every hit's list age."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from pallmall.core.auth import Role
from pallmall.screening import (
    EntryName,
    EntrySchema,
    ListEntry,
    LoadReport,
    SnapshotInfo,
    diff_versions,
)
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from tests.integration.api.conftest import auth


def entry(entry_id: str, name: str, *programmes: str) -> ListEntry:
    return ListEntry(
        "test_list", entry_id, EntrySchema.ORGANIZATION, (EntryName(name),),
        countries=("gr",), programmes=programmes or ("CYBER2",),
    )  # fmt: skip


def record(store: SqlListStore, version: str, day: date, *entries: ListEntry) -> None:
    store.record(LoadReport(SnapshotInfo("test_list", version, day, "test"), entries))


def three_versions(db: Database) -> SqlListStore:
    store = SqlListStore(db.engine)
    record(store, "v1", date(2026, 1, 1), entry("1", "INTELLEXA S.A."), entry("2", "CYTROX AD"))
    record(
        store, "v2", date(2026, 2, 1),
        entry("1", "INTELLEXA S.A.", "CYBER2", "EO14093"), entry("3", "THALESTRIS LIMITED"),
    )  # fmt: skip
    record(store, "v3", date.today(), entry("1", "INTELLEXA S.A.", "CYBER2", "EO14093"))
    return store


def test_the_diff_between_two_versions(db: Database) -> None:
    store = three_versions(db)
    found = diff_versions(store, "test_list", "v1", "v2")
    assert [(c.kind.value, c.entry_id, c.fields) for c in found.changes] == [
        ("amended", "1", ("programmes",)),
        ("delisted", "2", ()),
        ("listed", "3", ()),
    ]
    # default: the newest version against the one before it
    newest = diff_versions(store, "test_list")
    assert (newest.old and newest.old.version, newest.new.version) == ("v2", "v3")
    assert [(c.kind.value, c.entry_id) for c in newest.changes] == [("delisted", "3")]
    # across several versions at once
    wide = diff_versions(store, "test_list", "v1", "v3")
    assert [(c.kind.value, c.entry_id) for c in wide.changes] == [
        ("amended", "1"),
        ("delisted", "2"),
    ]


def test_the_diff_through_the_api(
    client: TestClient, tokens: dict[Role, str], db: Database
) -> None:
    three_versions(db)
    headers = auth(tokens[Role.REGULATOR])
    response = client.get("/api/v1/screening/lists/test_list/diff?from=v1&to=v2", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from_version"], body["to_version"]) == ("v1", "v2")
    assert (body["listed"], body["delisted"], body["amended"]) == (1, 1, 1)
    amended = next(c for c in body["changes"] if c["kind"] == "amended")
    assert amended == {
        "kind": "amended", "entry_id": "1", "name": "INTELLEXA S.A.",
        "effective": "2026-02-01", "fields": ["programmes"],
    }  # fmt: skip
    missing = client.get("/api/v1/screening/lists/test_list/diff?from=v9", headers=headers)
    assert missing.status_code == 404
    assert "no version 'v9'" in missing.json()["detail"]
    unknown = client.get("/api/v1/screening/lists/nothing/diff", headers=headers)
    assert unknown.status_code == 404
    vendor = client.get("/api/v1/screening/lists/test_list/diff", headers=auth(tokens[Role.VENDOR]))
    assert vendor.status_code == 403


def test_list_age_in_the_lists_and_in_every_hit(
    client: TestClient, tokens: dict[Role, str], db: Database
) -> None:
    store = SqlListStore(db.engine)
    old = date.today() - timedelta(days=400)
    record(store, "old", old, entry("1", "INTELLEXA S.A."))
    headers = auth(tokens[Role.REGULATOR])
    (listed,) = client.get("/api/v1/screening/lists", headers=headers).json()
    assert (listed["age_days"], listed["expected_days"], listed["overdue"]) == (400, 30, True)
    result = client.post(
        "/api/v1/screening/screen", headers=headers, json={"name": "Intellexa SA"}
    ).json()
    assert result["hits"][0]["list_age_days"] == 400
    page = client.get("/screening", headers=headers)
    assert "400 days old" in page.text and "overdue" in page.text
