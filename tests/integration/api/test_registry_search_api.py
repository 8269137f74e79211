"""The registry API's search: ranked, paged, the same on both databases."""

from __future__ import annotations

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
