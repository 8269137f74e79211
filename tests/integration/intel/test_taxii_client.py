"""The OASIS taxii2-client against our TAXII 2.1 server, live on 127.0.0.1 (TAXII 2.1 §4, §5)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS, MEDIA_TAXII
from pallmall.storage.intel import SqlIntelStore

from .conftest import LiveServer, taxii_app
from .test_import_real import PEGASUS

pytestmark = [pytest.mark.shared, pytest.mark.slow]
PUBLIC, COMMUNITY, RESTRICTED = DEFAULT_COLLECTIONS


@pytest.fixture
def server(shared_data: Path, sqlite_engine: Engine) -> Iterator[str]:
    """A live server whose public collection holds the 3,099-object Pegasus bundle."""
    store = SqlIntelStore(sqlite_engine)
    Importer(store).import_file(shared_data / PEGASUS, PUBLIC)
    with LiveServer(taxii_app(store)) as live:
        yield live.url


def _collection(url: str, spec_id: str, **auth: str) -> Collection:
    return Collection(f"{url}/taxii2/intel/collections/{spec_id}/", **auth)


def test_discovery_api_root_and_collections(server: str) -> None:
    found = Server(f"{server}/taxii2/", user="a", password="analyst-token")
    assert found.title
    root: ApiRoot = found.default
    assert MEDIA_TAXII in root.versions
    assert {c.alias for c in root.collections} >= {"public", "community", "restricted"}
    anonymous = ApiRoot(f"{server}/taxii2/intel/")
    assert [c.id for c in anonymous.collections] == [PUBLIC.id]


def test_page_through_pegasus(server: str) -> None:
    collection = _collection(server, PUBLIC.id)
    ids: list[str] = []
    for envelope in as_pages(collection.get_objects, per_request=500):
        ids += [obj["id"] for obj in envelope.get("objects", [])]
    assert len(ids) == len(set(ids)) == 3099


def test_filters_manifest_and_versions(server: str) -> None:
    collection = _collection(server, PUBLIC.id)
    malware = collection.get_objects(type="malware")["objects"]
    assert [m["name"] for m in malware] == ["Pegasus"]
    one = collection.get_object(malware[0]["id"])
    assert one["objects"][0]["id"] == malware[0]["id"]
    assert collection.get_objects(spec_version="2.0") == {}
    manifest = collection.get_manifest(limit=10)
    assert len(manifest["objects"]) == 10 and manifest["more"] is True
    last = manifest["objects"][-1]["date_added"]
    capped = collection.get_objects(added_after=last, limit=5000)
    assert len(capped["objects"]) == 1000  # the server's maximum page size (§3.6)
    pages = as_pages(collection.get_objects, per_request=1000, added_after=last)
    assert sum(len(page["objects"]) for page in pages) == 3089
    versions = collection.object_versions(malware[0]["id"])
    assert versions["versions"] == [malware[0]["modified"]]


def test_post_a_bundle_and_read_the_status(server: str) -> None:
    collection = _collection(server, COMMUNITY.id, user="analyst", password="analyst-token")
    stamp = "2024-05-01T10:00:00.000Z"
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": stamp,
        "modified": stamp,
        "pattern": "[domain-name:value = 'Bad.Example.COM']",
        "pattern_type": "stix",
        "valid_from": stamp,
    }
    broken = {"type": "indicator", "id": "indicator--nope"}
    status = collection.add_objects({"objects": [indicator, broken]}, wait_for_completion=False)
    assert status.status == "complete"
    assert status.success_count == 1 and status.failure_count == 1
    stored = collection.get_object(indicator["id"])["objects"][0]
    assert stored["pattern"] == "[domain-name:value = 'bad.example.com']"
    status.refresh()
    assert status.success_count == 1


def test_media_types_and_authentication(server: str) -> None:
    objects = f"{server}/taxii2/intel/collections/{COMMUNITY.id}/objects/"
    taxii = {"Accept": MEDIA_TAXII}
    assert httpx.get(f"{server}/taxii2/", headers={"Accept": "text/html"}).status_code == 406
    assert httpx.get(objects, headers=taxii).status_code == 401
    public = httpx.get(objects, headers={**taxii, "Authorization": "Bearer public-token"})
    assert public.status_code == 403
    assert public.headers["content-type"] == MEDIA_TAXII
    assert json.loads(public.text)["http_status"] == "403"
    post = httpx.post(
        objects,
        content=b"{}",
        headers={"Content-Type": "application/json", "Authorization": "Bearer analyst-token"},
    )
    assert post.status_code == 415
    restricted = f"{server}/taxii2/intel/collections/{RESTRICTED.id}/objects/"
    regulator = httpx.get(restricted, headers={**taxii, "Authorization": "Bearer regulator-token"})
    assert regulator.status_code == 403  # AMBER: intel teams only
    write_public = f"{server}/taxii2/intel/collections/{PUBLIC.id}/objects/"
    headers = {"Content-Type": MEDIA_TAXII, "Authorization": "Bearer analyst-token", **taxii}
    assert httpx.post(write_public, content=b'{"objects": []}', headers=headers).status_code == 403
    bad = httpx.get(
        f"{server}/taxii2/intel/collections/{PUBLIC.id}/objects/?next=xyz", headers=taxii
    )
    assert bad.status_code == 400
    headers = httpx.get(
        f"{server}/taxii2/intel/collections/{PUBLIC.id}/objects/?limit=3", headers=taxii
    ).headers
    assert headers["X-TAXII-Date-Added-First"] < headers["X-TAXII-Date-Added-Last"]
