"""The portal's home and log pages say what changed and what each entry is about, naming
only what is public."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from pallmall.core.auth import SYSTEM
from pallmall.publisher import Publisher
from pallmall.registry.model import Organisation, OrgKind, Visibility
from pallmall.storage.database import Database
from tests.helpers import load_demo, service


def publish(db: Database, client: TestClient) -> int:
    tlog = client.app.state.node.tlog  # type: ignore[attr-defined]  # app.state is untyped
    Publisher(db, tlog).drain()
    tlog.integrate()
    return int(tlog.checkpoint().checkpoint.size)


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
    latest = client.get("/transparency-log").text
    assert re.search(r"\w (sells to|invests in|resells|owns|subsidiary of) \w", latest), (
        "a relationship entry names its public ends"
    )
    assert "not public" in latest and "Quiet Broker" not in latest
    entry = client.get(f"/transparency-log/entries/{size - 1}").text
    assert "A new organisation in the registry (its subject is not public)" in entry
    assert "Quiet Broker" not in entry
    public = client.get(f"/transparency-log/entries/{size - 2}").text
    assert "<h1>Log entry" in public and "relationship added or changed" in public
