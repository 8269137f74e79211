"""The incidents API on SQLite and PostgreSQL: report, read, decide, log, exports, rights."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stix2validator import ValidationOptions, validate_string

from pallmall.core.auth import ROLE_PERMISSIONS, SYSTEM, Permission, Role
from pallmall.intel.redaction import RESTRICTED_FIELDS
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.log import verify_inclusion
from pallmall.registry.model import Organisation, OrgKind, Product, Visibility
from pallmall.storage.database import Database
from tests.helpers import service
from tests.integration.api.conftest import ROLES, auth

API = "/api/v1/intel"
TAXII = {"Accept": "application/taxii+json;version=2.1"}
PUBLIC_COLLECTION = DEFAULT_COLLECTIONS[0]
SHA = "ab" * 32


@pytest.fixture
def records(db: Database) -> dict[str, str]:
    """A vendor, its product, a state agency (operator) and a restricted organisation."""
    with db.write() as tx:
        reg = service(tx)
        vendor = reg.create(SYSTEM, Organisation(name="Spyware Vendor", kinds=(OrgKind.VENDOR,)))
        product = reg.create(SYSTEM, Product(name="Stinger", aliases=("STNG",)))
        agency = reg.create(
            SYSTEM, Organisation(name="Example Agency", kinds=(OrgKind.STATE_AGENCY,))
        )
        hidden = reg.create(
            SYSTEM,
            Organisation(
                name="Hidden Broker", kinds=(OrgKind.RESELLER,), visibility=Visibility.RESTRICTED
            ),
        )
    return {"vendor": vendor.id, "product": product.id, "agency": agency.id, "hidden": hidden.id}


def incident_body(records: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {
        "title": "Stinger against a journalist",
        "summary": "Zero-click exploit; the device log shows the process.",
        "categories": ["rights_violation", "unlawful_privacy_interference"],
        "victims": [
            {"category": "journalist", "name": "Secret Person", "country": "MX"},
            {"category": "lawyer"},
        ],
        "attributions": [
            {"role": "product", "target_id": records["product"], "confidence": 90},
            {"role": "vendor", "target_id": records["vendor"], "confidence": 80},
            {
                "role": "operator",
                "target_id": records["agency"],
                "confidence": 60,
                "sources": ["https://lab.example.org/report"],
            },
        ],
        "tlp": "clear",
        "first_seen": "2024-01-02",
        "device_types": ["ios"],
        "attack_vectors": ["zero_click"],
        "indicators": [
            "[domain-name:value='Stinger-C2.example.com']",
            f"[file:hashes.sha256='{SHA}']",
        ],
    }
    return {**body, **changes}


def report(
    client: TestClient, tokens: dict[Role, str], body: dict[str, Any], role: Role = Role.ANALYST
) -> dict[str, Any]:
    response = client.post(f"{API}/incidents", json=body, headers=auth(tokens[role]))
    assert response.status_code == 201, response.text
    return response.json()


def decide(
    client: TestClient, tokens: dict[Role, str], incident_id: str, verb: str = "confirm"
) -> dict[str, Any]:
    response = client.post(
        f"{API}/incidents/{incident_id}/decision",
        json={"verb": verb, "reason": "forensics reproduced"},
        headers=auth(tokens[Role.REGULATOR]),
    )
    assert response.status_code == 200, response.text
    return response.json()


def logged(client: TestClient, subject: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = client.get("/log/entries", params={"subject": subject}).json()["items"]
        if items:
            return items
        time.sleep(0.05)
    raise AssertionError(f"{subject} never reached the log")


def test_report_view_and_pseudonyms(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    made = report(client, tokens, incident_body(records))
    assert made["status"] == "reported" and made["view"] == "full"
    assert made["victims"][0] == {
        "category": "journalist",
        "pseudonym": f"{made['id']}/victim-1",
        "name": "Secret Person",
        "country": "MX",
    }
    assert made["indicators"] == [
        "[domain-name:value = 'stinger-c2.example.com']",
        f"[file:hashes.'SHA-256' = '{SHA}']",
    ]
    url = f"{API}/incidents/{made['id']}"
    for role in (Role.PUBLIC, Role.VENDOR, Role.STATE_USER):  # not confirmed: not there at all
        assert client.get(url, headers=auth(tokens[role])).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(url, headers=auth(tokens[Role.OVERSIGHT])).json()["view"] == "full"

    decide(client, tokens, made["id"])
    public = client.get(url).json()
    assert public["view"] == "public" and public["status"] == "confirmed"
    assert public["victim_counts"] == {"journalist": 1, "lawyer": 1}
    assert all(public[field] is None for field in RESTRICTED_FIELDS)
    assert "Secret Person" not in json.dumps(public) and "victim-1" not in json.dumps(public)
    assert public["indicator_count"] == 2 and public["attributions"][2]["sources"] == []


def test_lists_are_paged_filtered_and_scoped(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    clear = report(client, tokens, incident_body(records))
    green = report(client, tokens, incident_body(records, tlp="green", victims=[]))
    other = report(
        client,
        tokens,
        incident_body(
            records,
            attributions=[],
            categories=["discriminatory_targeting"],
            victims=[{"category": "activist"}],
        ),
    )
    decide(client, tokens, clear["id"])
    decide(client, tokens, green["id"])
    decide(client, tokens, other["id"], "reject")
    reader = auth(tokens[Role.REGULATOR])

    def ids(params: dict[str, Any], headers: dict[str, str] = reader) -> list[str]:
        page = client.get(f"{API}/incidents", params=params, headers=headers).json()
        return [i["id"] for i in page["items"]]

    assert ids({}) == [other["id"], green["id"], clear["id"]]  # newest report first
    assert ids({}, {}) == [clear["id"]]  # anonymous: confirmed TLP:CLEAR only
    assert ids({"status": "rejected"}, auth(tokens[Role.PUBLIC])) == []
    assert ids({"status": "confirmed"}) == [green["id"], clear["id"]]
    assert ids({"tlp": "green"}) == [green["id"]]
    assert ids({"category": "discriminatory_targeting"}) == [other["id"]]
    assert ids({"victim": "lawyer"}) == [clear["id"]]
    assert ids({"linked": records["agency"]}) == [green["id"], clear["id"]]
    assert ids({"linked": records["agency"], "role": "product"}) == []
    page = client.get(f"{API}/incidents", params={"limit": 2, "offset": 1}, headers=reader).json()
    assert (page["total"], len(page["items"]), page["has_more"]) == (3, 2, False)
    assert client.get(f"{API}/incidents", params={"limit": 2}).json()["items"][0]["view"] == (
        "public"
    )


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"categories": []}, "body.categories"),
    ({"tlp": "purple"}, "body.tlp"),
    ({"victims": [{"category": "journalist", "country": "Mexico"}]}, "body.victims.0.country"),
    ({"indicators": ["not a pattern"]}, "indicators[0]"),
    ({"last_seen": "2023-01-01"}, "last_seen"),
    (
        {"attributions": [{"role": "product", "target_id": "prd-missing", "confidence": 9}]},
        "attributions[0].target_id",
    ),
    (
        {"attributions": [{"role": "product", "target_id": "VENDOR", "confidence": 9}]},
        "attributions[0].target_id",
    ),
    (
        {"attributions": [{"role": "vendor", "target_id": "HIDDEN", "confidence": 9}]},
        "attributions[0].target_id",
    ),
    (
        {"attributions": [{"role": "vendor", "target_id": "VENDOR", "confidence": 101}]},
        "body.attributions.0.confidence",
    ),
]


def test_bad_input_names_the_field(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    for change, field in BAD_INPUT:  # one app for all cases: an app start costs seconds
        text = json.dumps(change).replace('"VENDOR"', json.dumps(records["vendor"]))
        text = text.replace('"HIDDEN"', json.dumps(records["hidden"]))
        body = incident_body(records, **json.loads(text))
        response = client.post(f"{API}/incidents", json=body, headers=auth(tokens[Role.ANALYST]))
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]]
    listed = client.get(f"{API}/incidents", headers=auth(tokens[Role.ADMIN])).json()
    assert listed["total"] == 0, "nothing half-written stays"


def test_decisions_follow_the_transition_table_and_four_eyes(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    own = report(client, tokens, incident_body(records), Role.ADMIN)
    refused = client.post(
        f"{API}/incidents/{own['id']}/decision",
        json={"verb": "confirm", "reason": "mine"},
        headers=auth(tokens[Role.ADMIN]),
    )
    assert refused.status_code == 403 and "four eyes" in refused.json()["detail"]
    decided = decide(client, tokens, own["id"], "reject")
    assert decided["status"] == "rejected" and decided["decision_reason"]
    again = client.post(
        f"{API}/incidents/{own['id']}/decision",
        json={"verb": "confirm", "reason": "changed my mind"},
        headers=auth(tokens[Role.REGULATOR]),
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    missing = client.post(
        f"{API}/incidents/inc-missing/decision",
        json={"verb": "confirm", "reason": "x"},
        headers=auth(tokens[Role.REGULATOR]),
    )
    assert missing.status_code == 404
    trail = client.get(
        "/api/v1/audit", params={"target": own["id"]}, headers=auth(tokens[Role.OVERSIGHT])
    ).json()
    assert [i["verb"] for i in trail["items"]] == [
        "intel.incident.reject",
        "intel.incident.reported",
    ]
    assert client.get("/log/entries", params={"subject": own["id"]}).json()["total"] == 0


def test_amber_confirmation_reaches_the_log_as_a_commitment_only(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    made = report(client, tokens, incident_body(records, tlp="amber", title="Amber title"))
    decide(client, tokens, made["id"])
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        items = client.get("/log/entries", params={"limit": 500}).json()["items"]
        found = [i for i in items if i["kind"] == "intel.incident.confirmed"]
        time.sleep(0.05)
    (item,) = found
    assert item["public"] == {"tlp": "amber"} and item["subject"].startswith("withheld-")
    assert made["id"] not in json.dumps(item) and "Amber title" not in json.dumps(item)
    assert client.get("/log/entries", params={"subject": made["id"]}).json()["total"] == 0


def test_confirmed_summary_is_in_the_log_with_a_verifiable_proof(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    made = report(client, tokens, incident_body(records, tlp="clear"))
    decide(client, tokens, made["id"])
    (item,) = logged(client, made["id"])
    assert item["kind"] == "intel.incident.confirmed"
    assert item["public"]["victims"] == {"journalist": 1, "lawyer": 1}
    assert item["public"]["indicator_count"] == 2
    assert "Secret Person" not in json.dumps(item) and "stinger-c2" not in json.dumps(item)

    deadline = time.monotonic() + 10
    size = 0
    while size <= item["index"] and time.monotonic() < deadline:
        size = int(client.get("/log/checkpoint").text.splitlines()[1])
        time.sleep(0.05)
    proof = client.get(
        "/log/proof/inclusion", params={"index": item["index"], "tree_size": size}
    ).json()
    leaf = base64.b64decode(proof["leaf_hash"])
    assert leaf.hex() == item["leaf_hash"]
    verify_inclusion(
        leaf,
        item["index"],
        size,
        [base64.b64decode(h) for h in proof["proof"]],
        base64.b64decode(proof["root"]),
    )


def test_clear_confirmation_reaches_taxii_stix_and_mvt(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    clear = report(client, tokens, incident_body(records))
    green = report(client, tokens, incident_body(records, tlp="green", title="Green case"))
    decide(client, tokens, clear["id"])
    decide(client, tokens, green["id"])

    objects_url = f"/taxii2/intel/collections/{PUBLIC_COLLECTION.id}/objects/"
    held = client.get(objects_url, headers=TAXII).json()["objects"]
    names = {o.get("name") for o in held}
    assert f"Stinger against a journalist ({clear['id']})" in names
    assert not any("Green case" in str(n) for n in names), "only TLP:CLEAR goes public"
    assert "Secret Person" not in json.dumps(held)

    anonymous = client.get(f"{API}/export.stix")
    assert anonymous.headers["content-type"].startswith("application/stix+json")
    text = anonymous.text
    assert clear["id"] in text and green["id"] not in text and "Hidden Broker" not in text
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    regulator = client.get(f"{API}/export.stix", headers=auth(tokens[Role.REGULATOR])).text
    assert green["id"] in regulator and "Hidden Broker" in regulator
    assert "Secret Person" not in regulator

    mvt = client.get(f"{API}/export.mvt").json()
    patterns = sorted(o["pattern"] for o in mvt["objects"] if o["type"] == "indicator")
    assert patterns == [
        "[domain-name:value='stinger-c2.example.com']",
        f"[file:hashes.sha256='{SHA}']",
    ]
    malware = {o["id"]: o["name"] for o in mvt["objects"] if o["type"] == "malware"}
    links = [o for o in mvt["objects"] if o["type"] == "relationship"]
    assert {malware[link["target_ref"]] for link in links} == {"Stinger"}


# --- each role's rights on every endpoint ---------------------------------------------------


def _calls(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> list[tuple[str, str, Any, Permission | None, int]]:
    """(method, url, body, permission needed or None for anyone, status when refused)."""
    hidden = report(client, tokens, incident_body(records, tlp="amber"))
    public = report(client, tokens, incident_body(records))
    decide(client, tokens, public["id"])
    pending = report(client, tokens, incident_body(records))
    decision = {"verb": "reject", "reason": "not reproduced"}
    return [
        ("POST", f"{API}/incidents", incident_body(records), Permission.INTEL_WRITE, 0),
        ("GET", f"{API}/incidents", None, None, 0),
        ("GET", f"{API}/incidents/{public['id']}", None, None, 0),
        ("GET", f"{API}/incidents/{hidden['id']}", None, Permission.INTEL_READ_RESTRICTED, 404),
        (
            "POST",
            f"{API}/incidents/{pending['id']}/decision",
            decision,
            Permission.INTEL_DECIDE,
            0,
        ),
        ("GET", f"{API}/export.stix", None, None, 0),
        ("GET", f"{API}/export.mvt", None, None, 0),
        (
            "GET",
            f"{API}/export.mvt?collection=community",
            None,
            Permission.INTEL_READ_RESTRICTED,
            0,
        ),
    ]


def test_each_role_on_every_endpoint(
    client: TestClient, tokens: dict[Role, str], records: dict[str, str]
) -> None:
    for role in [Role.ANONYMOUS, *ROLES]:  # one app for all roles: an app start costs seconds
        token = tokens.get(role)
        for method, url, body, permission, refused in _calls(client, tokens, records):
            response = client.request(method, url, json=body, headers=auth(token))
            allowed = permission is None or permission in ROLE_PERMISSIONS[role]
            denied = refused or (401 if role is Role.ANONYMOUS else 403)
            expected = {200, 201} if allowed else {denied}
            assert response.status_code in expected, (role, method, url, response.text)
        restricted = client.get(f"{API}/export.mvt?collection=restricted", headers=auth(token))
        may = role in (Role.ANALYST, Role.ADMIN)
        assert restricted.status_code == (200 if may else 401 if role is Role.ANONYMOUS else 403)
