"""The portal's home and log pages say what changed and what each entry is about, naming
only what is public."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from pallmall.core.auth import SYSTEM
from pallmall.core.paging import PageRequest
from pallmall.registry.model import Organisation, OrgKind, Visibility
from pallmall.storage.database import Database
from tests.helpers import load_demo, service
from tests.helpers import publish as publish_all


def publish(db: Database, client: TestClient) -> int:
    """Publish every pending change and integrate it; the log's size."""
    return int(publish_all(client).checkpoint().checkpoint.size)


def test_home_and_log_say_what_changed_and_about_whom(db: Database, client: TestClient) -> None:
    load_demo(db)
    with db.write() as tx:
        secret = Organisation(
            name="Quiet Broker Ltd", kinds=(OrgKind.RESELLER,), visibility=Visibility.RESTRICTED
        )
        service(tx).create(SYSTEM, secret)
    size = publish(db, client)
    home = client.get("/").text
    assert "What changed lately" in home
    assert "2024-09-16" in home, "the latest designations come first"
    assert f"<strong>{size}</strong> entries" in home
    candiru = client.get("/api/v1/registry/records", params={"q": "Candiru"}).json()
    rels = client.get(f"/api/v1/registry/records/{candiru['items'][0]['id']}/relationships")
    (sale,) = [r for r in rels.json() if r["relationship"]["type"] == "sells_to"][:1]
    found = client.get("/transparency-log", params={"subject": sale["id"]}).text
    assert re.search(r"Candiru sells to \w", found), "a relationship entry names its public ends"
    with db.read() as tx:
        logged = [
            c for o in range(0, size, 500) for c in tx.outbox.logged(PageRequest(o, 500)).items
        ]
    (hidden,) = [c for c in logged if "name" not in c.change.public and ".created" in c.change.kind]
    listed = client.get("/transparency-log", params={"subject": hidden.change.subject}).text
    assert "not public" in listed and "Quiet Broker" not in listed
    entry = client.get(f"/transparency-log/entries/{hidden.log_index}").text
    assert "A new organisation in the registry (its subject is not public)" in entry
    assert "Quiet Broker" not in entry
    public = client.get(f"/transparency-log/entries/{found_index(logged, sale['id'])}").text
    assert "<h1>Log entry" in public and "Kind <code>registry.relationship.saved" in public


def found_index(logged: list[Any], subject: str) -> int:
    return next(c.log_index for c in logged if c.change.subject == subject)
