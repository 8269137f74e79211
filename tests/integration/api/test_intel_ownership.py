"""Incident ownership through the API, on SQLite and PostgreSQL: a lab's incident is read
whole by the lab, the states it shares with and the oversight body; every other reader gets
its public summary and public sources, or nothing above TLP:GREEN."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.intel.redaction import RESTRICTED_FIELDS
from pallmall.registry.model import Organisation, OrgKind, Product
from pallmall.storage.database import Database
from tests.helpers import service
from tests.integration.api.conftest import PASSWORD, auth

API = "/api/v1/intel"
PEOPLE = {
    "lab": ("Civic Lab", AccountKind.INTEL_TEAM, Role.ANALYST, None),
    "lab2": ("Civic Lab", AccountKind.INTEL_TEAM, Role.ANALYST, None),
    "state_a": ("State A Export Authority", AccountKind.EXPORT_AUTHORITY, Role.REGULATOR, "FR"),
    "state_b": ("State B Export Authority", AccountKind.EXPORT_AUTHORITY, Role.REGULATOR, "GB"),
    "oversight": ("Independent Oversight", AccountKind.OVERSIGHT_BODY, Role.OVERSIGHT, "GB"),
}


@pytest.fixture
def people(db: Database) -> dict[str, Any]:
    """A token per person, and the account id of each organisation by its key."""
    tokens: dict[str, str] = {}
    accounts: dict[str, str] = {}
    with db.write() as tx:
        accounts_service = AccountService(tx.accounts, tx.audit)
        for key, (org_name, kind, role, state) in PEOPLE.items():
            org = accounts_service.ensure_org(SYSTEM, org_name, kind, state)
            user = accounts_service.create_user(
                SYSTEM, f"{key}@example.org", key, role, org, PASSWORD
            )
            tokens[key] = accounts_service.issue_token(SYSTEM, user)
            accounts[key] = org.id
        reg = service(tx)
        product = reg.create(SYSTEM, Product(name="Stinger"))
        agency = reg.create(SYSTEM, Organisation(name="Agency", kinds=(OrgKind.STATE_AGENCY,)))
    return {"tokens": tokens, "accounts": accounts, "product": product.id, "agency": agency.id}


def body(people: dict[str, Any], **changes: Any) -> dict[str, Any]:
    base = {
        "title": "Stinger against a reporter",
        "summary": "Forensic detail that names the newsroom.",
        "public_summary": "A reporter's phone was infected with Stinger by zero-click.",
        "categories": ["rights_violation"],
        "victims": [{"category": "journalist", "name": "Ana Secret", "country": "MX"}],
        "attributions": [
            {"role": "product", "target_id": people["product"], "confidence": 90},
            {
                "role": "operator",
                "target_id": people["agency"],
                "confidence": 60,
                "sources": [
                    {"ref": "https://lab.example/report", "visibility": "public"},
                    "confidential tip",
                ],
            },
        ],
        "tlp": "clear",
        "sources": [{"ref": "https://lab.example/report", "visibility": "public"}, "phone dump"],
    }
    return {**base, **changes}


def call(
    client: TestClient, people: dict[str, Any], who: str | None, method: str, url: str, **kw: Any
) -> Any:
    token = people["tokens"][who] if who else None
    return client.request(method, url, headers=auth(token), **kw)


def test_only_owner_sharers_and_oversight_read_the_restricted_details(
    client: TestClient, people: dict[str, Any]
) -> None:
    made = call(client, people, "lab", "POST", f"{API}/incidents", json=body(people))
    assert made.status_code == 201, made.text
    incident = made.json()
    assert incident["owner"] == people["accounts"]["lab"] and incident["view"] == "full"
    url = f"{API}/incidents/{incident['id']}"

    # before confirmation: the lab (both its analysts), the oversight body; no state
    assert call(client, people, "lab2", "GET", url).json()["view"] == "full"
    assert call(client, people, "oversight", "GET", url).json()["victims"][0]["name"]
    for state in ("state_a", "state_b"):
        assert call(client, people, state, "GET", url).status_code == 404
        assert call(client, people, state, "GET", f"{API}/incidents/queue").json() == []
        listed = call(client, people, state, "GET", f"{API}/incidents").json()
        assert listed["total"] == 0 and listed["items"] == []
    decision = {"verb": "confirm", "reason": "reproduced"}
    refused = call(client, people, "state_a", "POST", f"{url}/decision", json=decision)
    assert refused.status_code == 404
    queue = call(client, people, "oversight", "GET", f"{API}/incidents/queue").json()
    assert [q["id"] for q in queue] == [incident["id"]]

    # only the owner (or oversight) shares, only with an account that exists
    share = f"{url}/shares"
    state_a = people["accounts"]["state_a"]
    assert (
        call(client, people, "state_a", "POST", share, json={"account_id": state_a}).status_code
        == 404
    )
    unknown = call(client, people, "lab", "POST", share, json={"account_id": "acct-nobody"})
    assert unknown.status_code == 422 and "account_id" in unknown.text
    shared = call(client, people, "lab", "POST", share, json={"account_id": state_a})
    assert shared.status_code == 200 and shared.json()["shared_with"] == [state_a]
    seen_by_a = call(client, people, "state_a", "GET", url).json()
    assert seen_by_a["view"] == "full" and seen_by_a["victims"][0]["name"] == "Ana Secret"
    again = call(
        client, people, "state_a", "POST", share, json={"account_id": people["accounts"]["state_b"]}
    )
    assert again.status_code == 403  # a sharer does not pass it on
    queue = call(client, people, "state_a", "GET", f"{API}/incidents/queue").json()
    assert [q["id"] for q in queue] == [incident["id"]]
    decided = call(client, people, "state_a", "POST", f"{url}/decision", json=decision)
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"

    # confirmed at TLP:CLEAR: another state and the public read the public summary and sources
    for who in ("state_b", None):
        seen = call(client, people, who, "GET", url).json()
        assert seen["view"] == "public"
        assert seen["public_summary"] == body(people)["public_summary"]
        assert seen["sources"] == [{"ref": "https://lab.example/report", "visibility": "public"}]
        assert seen["attributions"][1]["sources"] == [
            {"ref": "https://lab.example/report", "visibility": "public"}
        ]
        assert all(seen[f] is None for f in RESTRICTED_FIELDS)
        text = json.dumps(seen)
        for secret in ("Ana Secret", "newsroom", "phone dump", "confidential tip"):
            assert secret not in text
    page = client.get(f"/incidents/{incident['id']}").text  # the portal page, anonymous
    assert body(people)["public_summary"].replace("'", "&#39;") in page
    assert 'href="https://lab.example/report"' in page
    assert "phone dump" not in page and "Ana Secret" not in page
    full = call(client, people, "lab", "GET", url).json()
    assert {s["ref"] for s in full["sources"]} == {"https://lab.example/report", "phone dump"}

    # unsharing ends state A's whole view
    gone = call(client, people, "lab", "DELETE", f"{share}/{state_a}")
    assert gone.status_code == 200 and gone.json()["shared_with"] == []
    assert call(client, people, "state_a", "GET", url).json()["view"] == "public"


@pytest.mark.parametrize(("tlp", "state_b_sees"), [("green", True), ("amber", False)])
def test_other_states_see_community_labels_only(
    client: TestClient, people: dict[str, Any], tlp: str, state_b_sees: bool
) -> None:
    made = call(client, people, "lab", "POST", f"{API}/incidents", json=body(people, tlp=tlp))
    url = f"{API}/incidents/{made.json()['id']}"
    decision = {"verb": "confirm", "reason": "reproduced"}
    assert (
        call(client, people, "oversight", "POST", f"{url}/decision", json=decision).status_code
        == 200
    )
    seen = call(client, people, "state_b", "GET", url)
    listed = call(client, people, "state_b", "GET", f"{API}/incidents").json()
    assert listed["total"] == len(listed["items"]) == (1 if state_b_sees else 0)
    if state_b_sees:
        assert seen.json()["view"] == "public" and seen.json()["victims"] is None
    else:
        assert seen.status_code == 404
    assert call(client, people, None, "GET", url).status_code == 404
    assert call(client, people, "oversight", "GET", url).json()["view"] == "full"


def test_sharing_with_a_state_reaches_every_body_of_that_state(
    client: TestClient, people: dict[str, Any]
) -> None:
    made = call(client, people, "lab", "POST", f"{API}/incidents", json=body(people)).json()
    url = f"{API}/incidents/{made['id']}"
    assert call(client, people, "state_b", "GET", url).status_code == 404
    for wrong in (
        {},
        {"state": "GB", "account_id": people["accounts"]["state_a"]},
        {"state": "ZZ"},
    ):
        refused = call(client, people, "lab", "POST", f"{url}/shares", json=wrong)
        assert refused.status_code == 422, refused.text
    shared = call(client, people, "lab", "POST", f"{url}/shares", json={"state": "gb"})
    assert shared.status_code == 200 and shared.json()["shared_with"] == ["state:GB"]
    seen = call(client, people, "state_b", "GET", url).json()  # State B's body acts for GB
    assert seen["view"] == "full" and seen["victims"][0]["name"] == "Ana Secret"
    assert call(client, people, "state_a", "GET", url).status_code == 404  # FR: not shared
    queue = call(client, people, "state_b", "GET", f"{API}/incidents/queue").json()
    assert [q["id"] for q in queue] == [made["id"]]
    listed = call(client, people, "state_b", "GET", f"{API}/incidents").json()
    assert listed["total"] == 1
    call(client, people, "lab", "DELETE", f"{url}/shares/state:GB")
    assert call(client, people, "state_b", "GET", url).status_code == 404
