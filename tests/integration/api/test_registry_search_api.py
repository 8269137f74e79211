"""The registry API's search: ranked, paged, the same on both databases."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from pallmall.storage.database import Database
from tests.helpers import load_demo


def test_the_api_ranks_and_pages(db: Database, client: TestClient) -> None:
    load_demo(db)
    found = client.get("/api/v1/registry/records", params={"q": "Intelexa", "limit": 2}).json()
    assert [r["record"]["name"] for r in found["items"]] == ["Intellexa", "Intellexa Limited"]
    assert found["total"] >= 3
    more = client.get(
        "/api/v1/registry/records", params={"q": "Intelexa", "limit": 2, "offset": 2}
    ).json()
    assert more["items"][0]["record"]["name"] == "Intellexa S.A."


def test_record_pages_show_history_members_sources_and_downloads(
    db: Database, client: TestClient
) -> None:
    load_demo(db)
    found = client.get("/api/v1/registry/records", params={"q": "Intellexa"}).json()
    umbrella = found["items"][0]["id"]
    page = client.get(f"/records/{umbrella}").text
    assert "Designations of members" in page
    assert "Treasury press release JY2581" in page, "Aliada Group's listing on the umbrella"
    assert "Source: <a" in page, "each relationship names its source"
    assert 'href="/api/v1/registry/export.ftm"' in page
    assert 'href="/api/v1/intel/export.stix"' in page
    history = client.get(f"/api/v1/registry/records/{umbrella}/history").json()
    assert [v["version"] for v in history] == list(range(1, len(history) + 1))
    past = client.get(f"/records/{umbrella}", params={"as_of": history[0]["recorded_at"]})
    assert past.status_code == 200 and "As recorded on" in past.text
    bad = client.get(f"/records/{umbrella}", params={"as_of": "last week"})
    assert bad.status_code == 422 and "as_of" in bad.text


def test_the_ftm_export_carries_sources_and_ownership(db: Database, client: TestClient) -> None:
    load_demo(db)
    done = client.get("/api/v1/registry/export.ftm")
    assert done.status_code == 200
    entities = [json.loads(line) for line in done.text.splitlines()]
    links = [e for e in entities if e["schema"] in ("Ownership", "UnknownLink")]
    assert links and all(e["properties"].get("publisher") for e in links), "every link cites"
    kinds = {t for e in links for t in e["properties"].get("ownershipType", [])}
    assert {"ownership", "subsidiary", "investment"} <= kinds
    assert all(e.get("visibility") != "restricted" for e in entities)
