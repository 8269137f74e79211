"""Registry changes reach the transparency log; the log's HTTP face verifies end to end."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.core.auth import Role
from pallmall.core.errors import VerificationError
from pallmall.log import (
    Receipt,
    check_disclosure,
    parse_entry,
    verify_consistency,
    verify_inclusion,
    verify_log,
    verify_receipt,
)
from pallmall.log.entry import Disclosure
from pallmall.storage.database import Database
from tests.integration.api.conftest import auth

ORG = {"type": "organisation", "name": "Logged Vendor", "kinds": ["vendor"]}


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def wait_for_size(client: TestClient, size: int) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        current = int(client.get("/log/checkpoint").text.splitlines()[1])
        if current >= size:
            return current
        time.sleep(0.05)
    raise AssertionError(f"log did not reach size {size}")


def logged(client: TestClient, subject: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = client.get("/log/entries", params={"subject": subject}).json()["items"]
        if items:
            return items
        time.sleep(0.05)
    raise AssertionError(f"{subject} never reached the log")


def test_registry_change_is_logged_with_a_verifiable_proof(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    rid = client.post(
        "/api/v1/registry/records", json=ORG, headers=auth(tokens[Role.REGULATOR])
    ).json()["id"]
    (item,) = logged(client, rid)
    assert item["kind"] == "registry.organisation.created"
    assert item["public"]["name"] == "Logged Vendor"
    size = wait_for_size(client, item["index"] + 1)

    proof = client.get(
        "/log/proof/inclusion", params={"index": item["index"], "tree_size": size}
    ).json()
    assert proof["tree_size"] == size
    assert proof["leaf_hash"] == base64.b64encode(bytes.fromhex(item["leaf_hash"])).decode()
    verify_inclusion(
        b64(proof["leaf_hash"]),
        item["index"],
        size,
        [b64(h) for h in proof["proof"]],
        b64(proof["root"]),
    )
    with pytest.raises(VerificationError):
        verify_inclusion(
            b64(proof["leaf_hash"]),
            item["index"],
            size,
            [b64(h) for h in proof["proof"]],
            bytes(32),
        )

    vkey = client.get("/log/vkey").text.strip()
    receipt = Receipt.from_json(client.get(f"/log/receipt/{item['index']}").json())
    assert verify_receipt(receipt, vkey).size >= item["index"] + 1
    assert parse_entry(receipt.entry).subject == rid


def test_consistency_between_sizes_and_tiles_served(
    client: TestClient, tokens: dict[Role, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    for i in range(3):
        client.post(
            "/api/v1/registry/records",
            json={**ORG, "name": f"V{i}"},
            headers=auth(tokens[Role.ADMIN]),
        )
    size = wait_for_size(client, 3)
    proof = client.get("/log/proof/consistency", params={"old_size": 1, "tree_size": size}).json()
    verify_consistency(
        1, size, b64(proof["old_root"]), b64(proof["root"]), [b64(h) for h in proof["proof"]]
    )
    bundle = client.get(f"/log/tile/entries/000.p/{size}")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"] == "application/octet-stream"
    assert client.get("/log/tile/0/0").status_code == 422  # non-canonical path
    assert (
        client.get("/log/proof/inclusion", params={"index": 0, "tree_size": 10**6}).status_code
        == 422
    )


def test_log_folder_verifies_and_disclosure_checks(
    db: Database, client: TestClient, tokens: dict[Role, str]
) -> None:
    rid = client.post(
        "/api/v1/registry/records",
        json={**ORG, "visibility": "restricted"},
        headers=auth(tokens[Role.REGULATOR]),
    ).json()["id"]
    assert client.get("/log/entries", params={"subject": rid}).json()["total"] == 0
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        items = client.get("/log/entries", params={"limit": 50}).json()["items"]
        found = [i for i in items if i["kind"] == "registry.organisation.created"]
        time.sleep(0.05)
    (item,) = found
    assert item["public"] == {"visibility": "restricted"}, "restricted data is only committed to"
    assert item["subject"].startswith("withheld-"), "even the record's id stays off the log"
    wait_for_size(client, item["index"] + 1)
    app_log = client.app.state.node.tlog  # type: ignore[attr-defined]  # TestClient.app is typed as a plain ASGI app
    report = verify_log(app_log.store.root, client.get("/log/vkey").text.strip())
    assert report.checkpoint.size >= item["index"] + 1 and report.bundles_checked >= 1

    with db.read() as tx:
        disclosure = Disclosure.from_json(tx.outbox.disclosure(item["index"]))
    entry = app_log.entry(item["index"])
    assert check_disclosure(entry, disclosure).commitments.keys() >= {"name", "subject"}
    assert disclosure.fields["subject"].value == rid  # an auditor shown it can tie it back
    forged = Disclosure.from_json(
        {
            **disclosure.to_json(),
            "fields": {
                "name": {"salt": disclosure.to_json()["fields"]["name"]["salt"], "value": "Other"}
            },
        }
    )
    with pytest.raises(VerificationError):
        check_disclosure(entry, forged)
