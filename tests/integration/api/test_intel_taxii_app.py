"""The OASIS taxii2-client against the whole app (``create_app``) served on loopback: Bearer
tokens from AccountService, the Pegasus bundle paged through, filters, manifest, versions, a
posted bundle, and a confirmed incident arriving in the public collection."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
import uvicorn
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from pallmall.app import create_app
from pallmall.core.auth import SYSTEM, Role
from pallmall.core.settings import Settings
from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS, MEDIA_TAXII
from pallmall.registry.model import Product
from pallmall.storage.database import Database
from pallmall.storage.intel import SqlIntelStore
from tests.helpers import service

pytestmark = [pytest.mark.shared, pytest.mark.slow]
PUBLIC, COMMUNITY, RESTRICTED = DEFAULT_COLLECTIONS
PEGASUS = "ti-data/amnesty-investigations/2021-07-18_nso/pegasus.stix2"


class Bearer(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` for taxii2-client (a requests session)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@pytest.fixture
def server(
    db: Database, tokens: dict[Role, str], shared_dir: Path, tmp_path: Path
) -> Iterator[str]:
    """The real app, lifespan and all, on 127.0.0.1; public collection holds Pegasus."""
    Importer(SqlIntelStore(db.engine)).import_file(shared_dir / PEGASUS, PUBLIC)
    config = uvicorn.Config("unused:app", host="127.0.0.1", port=0, log_level="warning")
    sock = config.bind_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # discovery builds its URLs from the public URL (never the Host header): this server's
    config.app = create_app(Settings(data_dir=tmp_path, session_secret="t", public_url=url), db)
    live = uvicorn.Server(config)
    thread = threading.Thread(target=live.run, kwargs={"sockets": [sock]})
    thread.start()
    deadline = time.monotonic() + 10
    while not live.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield url
    finally:
        live.should_exit = True
        thread.join(timeout=10)
        sock.close()


def collection(url: str, spec_id: str, token: str | None = None) -> Collection:
    auth = Bearer(token) if token else None
    return Collection(f"{url}/taxii2/intel/collections/{spec_id}/", auth=auth)


def test_taxii2_client_against_the_app(server: str, tokens: dict[Role, str]) -> None:
    found = Server(f"{server}/taxii2/", auth=Bearer(tokens[Role.ANALYST]))
    root: ApiRoot = found.default
    assert MEDIA_TAXII in root.versions
    assert {c.alias for c in root.collections} == {"public", "community", "restricted"}
    assert [c.alias for c in ApiRoot(f"{server}/taxii2/intel/").collections] == ["public"]
    regulator = ApiRoot(f"{server}/taxii2/intel/", auth=Bearer(tokens[Role.REGULATOR]))
    assert {c.alias for c in regulator.collections} == {"public", "community"}

    public = collection(server, PUBLIC.id)
    ids = [
        o["id"] for page in as_pages(public.get_objects, per_request=1000) for o in page["objects"]
    ]
    assert len(ids) == len(set(ids)) == 3099
    (malware,) = public.get_objects(type="malware")["objects"]
    assert malware["name"] == "Pegasus"
    manifest = public.get_manifest(limit=10)
    assert len(manifest["objects"]) == 10 and manifest["more"] is True
    assert public.object_versions(malware["id"])["versions"] == [malware["modified"]]

    community = collection(server, COMMUNITY.id, tokens[Role.ANALYST])
    stamp = "2024-05-01T10:00:00.000Z"
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--0b5e3b4f-3f9c-4b8e-9d2e-8f1d3a6c7b10",
        "created": stamp,
        "modified": stamp,
        "pattern": "[domain-name:value = 'posted.example.org']",
        "pattern_type": "stix",
        "valid_from": stamp,
    }
    status = community.add_objects({"objects": [indicator]}, wait_for_completion=False)
    assert status.status == "complete" and status.success_count == 1
    assert community.get_object(indicator["id"])["objects"][0]["pattern"] == indicator["pattern"]
    assert (
        httpx.get(
            f"{server}/taxii2/intel/collections/{COMMUNITY.id}/objects/",
            headers={"Accept": MEDIA_TAXII, "Authorization": f"Bearer {tokens[Role.PUBLIC]}"},
        ).status_code
        == 403
    )


def test_a_confirmed_clear_incident_reaches_taxii_clients(
    server: str, db: Database, tokens: dict[Role, str]
) -> None:
    with db.write() as tx:
        product = service(tx).create(SYSTEM, Product(name="Pegasus")).id
    body = {
        "title": "Pegasus against an activist",
        "categories": ["rights_violation"],
        "victims": [{"category": "activist", "name": "Not Published"}],
        "attributions": [{"role": "product", "target_id": product, "confidence": 95}],
        "tlp": "clear",
        "indicators": ["[domain-name:value='fresh-c2.example.org']"],
    }
    api = f"{server}/api/v1/intel/incidents"
    made = httpx.post(api, json=body, headers={"Authorization": f"Bearer {tokens[Role.ANALYST]}"})
    assert made.status_code == 201, made.text
    decided = httpx.post(
        f"{api}/{made.json()['id']}/decision",
        json={"verb": "confirm", "reason": "reproduced"},
        headers={"Authorization": f"Bearer {tokens[Role.OVERSIGHT]}"},
    )
    assert decided.status_code == 200, decided.text

    public = collection(server, PUBLIC.id)
    (campaign,) = public.get_objects(type="campaign")["objects"]
    assert campaign["name"] == f"Pegasus against an activist ({made.json()['id']})"
    links = public.get_objects(type="relationship", limit=1000, added_after=campaign["created"])
    uses = [o for o in links["objects"] if o["relationship_type"] == "uses"]
    (malware,) = public.get_objects(type="malware")["objects"]  # Amnesty's Pegasus, reused
    assert [o["target_ref"] for o in uses] == [malware["id"]]
    (report,) = public.get_objects(type="report")["objects"]
    referred = public.get_objects(id=",".join(report["object_refs"]))["objects"]
    assert {o["type"] for o in referred} >= {"campaign", "identity", "indicator", "relationship"}
    assert "Not Published" not in str(referred)
