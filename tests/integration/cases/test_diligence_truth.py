"""Issue 12, due diligence that tells the truth, through the API on SQLite and PostgreSQL:
the market's best-known actors are found under the spellings an applicant types, with no
registry id; an innocent party is not; the applicant is checked like every party."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.storage.database import Database
from tests.helpers import load_demo
from tests.integration.cases.conftest import World, act, auth, file


@pytest.fixture
def demo(db: Database, world: World) -> World:
    """The cases world with the shipped registry (NSO Group, Candiru, Cytrox...) loaded."""
    load_demo(db)
    return world


def run(client: TestClient, world: World, case_id: str, user: str = "officer_a1") -> Any:
    """The case's latest due-diligence run as ``user`` sees it."""
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth(world, user))
    assert detail.status_code == 200, detail.text
    return detail.json()["diligence"][-1]


def by_party(findings: list[dict[str, Any]], rule_id: str) -> dict[str, dict[str, Any]]:
    """The findings of ``rule_id`` by the party (role) they are about."""
    return {f["evidence"][0]["party"]: f for f in findings if f["rule_id"] == rule_id}


def submitted(
    client: TestClient, world: World, parties: list[dict[str, str]], **changes: Any
) -> str:
    case = file(client, world, parties=parties, **changes)
    response = act(client, world, "vendor", case["id"], verb="submit")
    assert response.status_code == 200, response.text
    return str(case["id"])


KNOWN_ACTORS = [
    {"role": "end_user", "name": "Saito Tech Ltd.", "country": "IL"},
    {"role": "consignee", "name": "NSO Group Technologies Ltd", "country": "IL"},
    {"role": "intermediary", "name": "Candiru Ltd"},
    {"role": "beneficial_owner", "name": "Cytrox Holdings Zrt.", "country": "HU"},
]


def test_known_actors_are_found_by_name_without_a_registry_id(
    client: TestClient, demo: World
) -> None:
    cid = submitted(client, demo, KNOWN_ACTORS, destination="AE")
    found = run(client, demo, cid)["findings"]
    designated = by_party(found, "registry.designation")
    assert set(designated) == {"end_user", "consignee", "intermediary", "beneficial_owner"}
    assert "'Candiru'" in designated["end_user"]["summary"]
    assert "'NSO Group'" in designated["consignee"]["summary"].replace("NSO group", "NSO Group")
    assert "US Commerce BIS Entity List (2021-11-03)" in designated["intermediary"]["summary"]
    cytrox = designated["beneficial_owner"]
    assert "US Treasury OFAC SDN (2024-03-05)" in cytrox["summary"]
    # the same matcher's explanation, on the node list, with the record it names
    match = cytrox["evidence"][-1]["match"]
    assert match["list_id"] == "registry-designations" and match["alert"] is True
    assert "matched" in match["explanation"] and "threshold" in match["explanation"]
    assert run(client, demo, cid)["rules_version"].startswith("pallmall-policy@")
    detail = client.get(f"/api/v1/cases/{cid}", headers=auth(demo, "officer_a1")).json()
    assert detail["case"]["top_severity"] == "high"


def test_an_innocent_party_gets_no_registry_finding(client: TestClient, demo: World) -> None:
    innocent = [
        {"role": "end_user", "name": "National Cyber Security Centre", "country": "NZ"},
        {"role": "consignee", "name": "Harbour Logistics Limited", "country": "NZ"},
    ]
    cid = submitted(client, demo, innocent, destination="NZ")
    found = run(client, demo, cid)["findings"]
    assert by_party(found, "registry.designation") == {}
    parties = run(client, demo, cid)["evidence"]["parties"]
    assert all(not m["match"]["alert"] for p in parties for m in p["record_matches"])


def test_the_applicant_is_checked_like_every_party(client: TestClient, demo: World) -> None:
    cid = submitted(
        client, demo, [{"role": "end_user", "name": "Police Nationale"}], destination="FR"
    )
    evidence = run(client, demo, cid)["evidence"]
    applicant = next(p for p in evidence["parties"] if p["role"] == "applicant")
    assert applicant["name"] == "Acme Vendor Account" and applicant["registry_id"] == ""
    assert evidence["applicant"]["link_status"] == "none"
    unlinked = [
        f for f in run(client, demo, cid)["findings"] if f["rule_id"] == "applicant.unlinked"
    ]
    assert unlinked and unlinked[0]["severity"] == "info"


def record(client: TestClient, world: World, name: str, designated: bool = False) -> str:
    body: dict[str, Any] = {"type": "organisation", "name": name, "kinds": ["holding_company"]}
    if designated:
        body["designations"] = [
            {"authority": "US Treasury OFAC SDN", "listed_on": "2024-03-05", "citation": "t"}
        ]
    response = client.post("/api/v1/registry/records", json=body, headers=auth(world, "admin"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def owns(client: TestClient, world: World, owner: str, owned: str, share: float | None) -> None:
    body: dict[str, Any] = {"type": "owns", "source_id": owner, "target_id": owned}
    if share is not None:
        body["share"] = share
    response = client.post(
        "/api/v1/registry/relationships", json=body, headers=auth(world, "admin")
    )
    assert response.status_code == 201, response.text


def test_ownership_unknown_duplicated_and_over_full(client: TestClient, world: World) -> None:
    listed = record(client, world, "Blocked Holdings", designated=True)
    other = record(client, world, "Plain Investors")
    unknown, doubled, overfull = (
        record(client, world, n) for n in ("Unknown Share Ltd", "Doubled Stake Ltd", "Overfull Ltd")
    )
    owns(client, world, listed, unknown, None)  # a stake of unrecorded size
    owns(client, world, listed, doubled, 30)
    owns(client, world, listed, doubled, 30)  # the same stake recorded twice
    owns(client, world, listed, overfull, 70)
    owns(client, world, other, overfull, 60)  # 130 % in all: the data is wrong
    parties = [
        {"role": "end_user", "name": "Unknown Share Ltd", "registry_id": unknown},
        {"role": "consignee", "name": "Doubled Stake Ltd", "registry_id": doubled},
        {"role": "intermediary", "name": "Overfull Ltd", "registry_id": overfull},
    ]
    cid = submitted(client, world, parties, destination="NZ")
    done = run(client, world, cid)
    parties_by_role = {p["role"]: p for p in done["evidence"]["parties"]}

    ownership = parties_by_role["end_user"]["ownership"]
    assert ownership["status"] == "unknown" and ownership["blocked"] is False
    assert ownership["unknown_paths"] == [
        f"Blocked Holdings ({listed}) -> unknown of Unknown Share Ltd ({unknown})"
    ]
    unknown_found = by_party_role(done["findings"], "sanctions.fifty-percent-unknown")
    assert set(unknown_found) == {"end_user"}

    doubled_own = parties_by_role["consignee"]["ownership"]
    assert doubled_own["aggregate_share"] == pytest.approx(0.3)
    assert doubled_own["status"] == "clear"

    over = parties_by_role["intermediary"]["ownership"]
    assert over["status"] == "blocked" and over["aggregate_share"] == pytest.approx(0.7)
    assert over["data_errors"] == [
        f"recorded owners of Overfull Ltd ({overfull}) hold 130%: "
        f"Blocked Holdings ({listed}) 70%, Plain Investors ({other}) 60%"
    ]
    errors = by_party_role(done["findings"], "registry.ownership-data-error")
    assert set(errors) == {"intermediary"}
    blocked = by_party_role(done["findings"], "sanctions.fifty-percent-rule")
    assert set(blocked) == {"intermediary"}


def by_party_role(findings: list[dict[str, Any]], rule_id: str) -> dict[str, dict[str, Any]]:
    """Ownership findings of ``rule_id`` by the role named in their summary."""
    return {f["summary"].split(" ")[0]: f for f in findings if f["rule_id"] == rule_id}
