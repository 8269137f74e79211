"""The TAXII 2.1 server as mounted by ``create_app``, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from pallmall.core.auth import SYSTEM
from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.registry.lookup import ProductsByName
from pallmall.registry.model import Product
from pallmall.storage.database import Database
from pallmall.storage.intel import SqlIntelStore
from tests.helpers import service

TAXII = {"Accept": "application/taxii+json;version=2.1"}
BUNDLE = {
    "type": "bundle",
    "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
    "objects": [
        {
            "type": "malware",
            "spec_version": "2.1",
            "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
            "created": "2021-07-18T00:00:00Z",
            "modified": "2021-07-18T00:00:00Z",
            "name": "Pegasus",
            "is_family": True,
        },
    ],
}


def test_discovery_and_public_collection(db: Database, client: TestClient, tmp_path: Path) -> None:
    with db.write() as tx:
        product = service(tx).create(SYSTEM, Product(name="PEGASUS")).id
    path = tmp_path / "b.stix2"
    path.write_text(json.dumps(BUNDLE))
    public = next(c for c in DEFAULT_COLLECTIONS if c.alias == "public")
    report = Importer(SqlIntelStore(db.engine), ProductsByName(db.registry)).import_path(
        path, public
    )[0]
    assert list(report.product_links.values()) == [product]

    discovery = client.get("/taxii2/", headers=TAXII)
    assert discovery.status_code == 200
    assert discovery.headers["content-type"].startswith("application/taxii+json")
    root = client.get("/taxii2/intel/collections/", headers=TAXII).json()
    public_id = next(c["id"] for c in root["collections"] if c["title"].startswith("Public"))
    objects = client.get(f"/taxii2/intel/collections/{public_id}/objects/", headers=TAXII).json()
    assert [o["name"] for o in objects["objects"]] == ["Pegasus"]
    assert client.get("/taxii2/", headers={"Accept": "text/html"}).status_code == 406
