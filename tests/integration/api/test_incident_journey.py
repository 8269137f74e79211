"""The researchers' journey on SQLite and PostgreSQL, with the real public victim databases
(../shared/incident-data, CC BY-NC-SA, never shipped): a lab imports them (each row a
reported incident it owns, operators added and linked as states), the oversight body reviews
and confirms two, and then the public, another state, and the lab read them through the API,
the STIX export, TAXII and the log. Nobody but the lab and oversight reads a victim's name."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from pallmall.cli.intel import import_incidents
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.storage.database import Database
from tests.helpers import load_demo
from tests.integration.api.conftest import PASSWORD, auth

pytestmark = pytest.mark.shared
API = "/api/v1/intel"
FILES = ("data-pegasus-victims.csv", "data-candiru-victims.csv")
PEOPLE = {
    "lab": ("Civic Lab", AccountKind.INTEL_TEAM, Role.ANALYST, None),
    "state_b": ("State B Export Authority", AccountKind.EXPORT_AUTHORITY, Role.REGULATOR, "GB"),
    "oversight": ("Independent Oversight", AccountKind.OVERSIGHT_BODY, Role.OVERSIGHT, "GB"),
}


@pytest.fixture
def tokens(db: Database) -> dict[str, str]:
    """The demo registry, and a token for the lab, another state and the oversight body."""
    load_demo(db)
    out = {}
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        for key, (org_name, kind, role, state) in PEOPLE.items():
            org = people.ensure_org(SYSTEM, org_name, kind, state)
            user = people.create_user(SYSTEM, f"{key}@example.org", key, role, org, PASSWORD)
            out[key] = people.issue_token(SYSTEM, user)
    return out


def names_in(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as handle:
        return {r["name"].strip() for r in csv.DictReader(handle) if r["name"].strip()}


def test_import_review_publish_and_read(
    client: TestClient, tokens: dict[str, str], db: Database, shared_dir: Path
) -> None:
    folder = shared_dir / "incident-data"
    paths = [folder / f for f in FILES]
    out = io.StringIO()
    reports = import_incidents(
        db, paths, None, "lab@example.org", Console(file=out, width=200), add_states=True
    )
    pegasus, candiru = reports
    assert pegasus.added == pegasus.rows >= 128 and candiru.added == candiru.rows
    assert pegasus.product[1] and candiru.product[1]  # Pegasus, DevilsTongue in the registry
    assert {"Mexico", "India", "UAE"} <= set(pegasus.linked) and not pegasus.unlinked
    assert set(candiru.linked) == {"Spain"}
    assert "operator 'UAE': linked to" in out.getvalue()
    again = import_incidents(db, paths[:1], None, "lab@example.org", Console(file=io.StringIO()))
    assert again[0].duplicates == pegasus.rows and again[0].added == 0

    lab, state_b, oversight = (auth(tokens[k]) for k in ("lab", "state_b", "oversight"))
    queue = client.get(f"{API}/incidents/queue", headers=oversight).json()
    assert len(queue) == pegasus.rows + candiru.rows
    assert client.get(f"{API}/incidents/queue", headers=state_b).json() == []
    mexico = next(i for i in queue if i["title"].startswith("Pegasus against a journalist (Mexico"))
    spain = next(i for i in queue if i["title"].startswith("DevilsTongue"))
    for chosen in (mexico, spain):
        decided = client.post(
            f"{API}/incidents/{chosen['id']}/decision",
            json={"verb": "confirm", "reason": "matches the published forensics"},
            headers=oversight,
        )
        assert decided.status_code == 200, decided.text

    victims = names_in(paths[0]) | names_in(paths[1])
    public = client.get(f"{API}/incidents").json()
    assert {i["id"] for i in public["items"]} == {mexico["id"], spain["id"]}
    seen = client.get(f"{API}/incidents/{mexico['id']}").json()
    assert seen["view"] == "public" and seen["victims"] is None
    assert seen["public_summary"].startswith("Public reports describe a journalist")
    assert seen["sources"] and all(s["ref"].startswith("https://") for s in seen["sources"])
    roles = {a["role"] for a in seen["attributions"]}
    assert roles == {"product", "operator"}

    stix = client.get(f"{API}/export.stix").json()
    campaigns = [o for o in stix["objects"] if o["type"] == "campaign"]
    assert {c["description"] for c in campaigns} >= {seen["public_summary"]}
    states = {o["name"] for o in stix["objects"] if o["type"] == "identity"}
    assert "Mexico" in states
    public_collection = DEFAULT_COLLECTIONS[0].id
    taxii = client.get(
        f"/taxii2/intel/collections/{public_collection}/objects/",
        headers={"Accept": "application/taxii+json;version=2.1"},
    ).text
    log_text = json.dumps(_logged(client, mexico["id"]))
    assert seen["public_summary"] in log_text

    other = client.get(f"{API}/incidents/{mexico['id']}", headers=state_b).json()
    assert other["view"] == "public" and other["victims"] is None
    other_list = client.get(f"{API}/incidents", headers=state_b).text
    pending = client.get(f"{API}/incidents/{queue[0]['id']}", headers=state_b)
    assert pending.status_code == 404  # a reported incident is the lab's and oversight's

    outputs = {
        "public list": json.dumps(public),
        "public view": json.dumps(seen),
        "stix": json.dumps(stix),
        "taxii": taxii,
        "log": log_text,
        "page": client.get(f"/incidents/{mexico['id']}").text,
        "state_b view": json.dumps(other),
        "state_b list": other_list,
    }
    leaks = [f"{n} in {where}" for where, t in outputs.items() for n in victims if n in t]
    assert not leaks, leaks[:5]

    owned = client.get(f"{API}/incidents/{mexico['id']}", headers=lab).json()
    assert owned["view"] == "full" and owned["victims"][0]["name"] in victims


def _logged(client: TestClient, subject: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        items = client.get("/log/entries", params={"subject": subject}).json()["items"]
        if items:
            return items  # type: ignore[no-any-return]  # JSON from the log API
        time.sleep(0.1)
    raise AssertionError(f"{subject} never reached the log")
