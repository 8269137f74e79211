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
    """The findings of ``rule_id`` about a party named on the case, by the party's role."""
    return {
        f["evidence"][0]["party"]: f
        for f in findings
        if f["rule_id"] == rule_id and "party" in f["evidence"][0]
    }


def submitted(
    client: TestClient,
    world: World,
    parties: list[dict[str, str]],
    user: str = "vendor",
    **changes: Any,
) -> str:
    case = file(client, world, user=user, parties=parties, **changes)
    response = act(client, world, user, case["id"], verb="submit")
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


def record(
    client: TestClient, world: World, name: str, designated: bool = False, country: str = ""
) -> str:
    body: dict[str, Any] = {"type": "organisation", "name": name, "kinds": ["holding_company"]}
    if country:
        body["jurisdictions"] = [country]
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


def confirmed_incident(client: TestClient, world: World, *links: tuple[str, str]) -> str:
    """A confirmed abuse incident attributed to each ``(role, registry id)`` of ``links``."""
    body = {
        "title": "Journalist's phone infected",
        "categories": ["rights_violation"],
        "attributions": [{"role": r, "target_id": t, "confidence": 90} for r, t in links],
    }
    made = client.post("/api/v1/intel/incidents", json=body, headers=auth(world, "analyst"))
    assert made.status_code == 201, made.text
    iid = str(made.json()["id"])
    decided = client.post(
        f"/api/v1/intel/incidents/{iid}/decision",
        json={"verb": "confirm", "reason": "forensic traces reproduced"},
        headers=auth(world, "oversight"),
    )
    assert decided.status_code == 200, decided.text
    return iid


def restrict(client: TestClient, world: World, vendor_id: str) -> str:
    """A restriction of ``vendor_id`` decided (four eyes) by authority A."""
    opened = client.post(
        "/api/v1/cases/restrictions",
        json={"vendor_record_id": vendor_id, "grounds": "sold to abusive end users"},
        headers=auth(world, "officer_a1"),
    )
    assert opened.status_code == 201, opened.text
    rid = str(opened.json()["id"])
    act(client, world, "officer_a1", rid, verb="advise", outcome="restrict", grounds=["C5"])
    assert (
        act(client, world, "officer_a2", rid, verb="countersign").json()["status"] == "restricted"
    )
    return rid


def test_use_of_a_restricted_vendors_product_with_a_confirmed_incident_gives_findings(
    client: TestClient, world: World
) -> None:
    iid = confirmed_incident(
        client, world, ("product", world.product_id), ("vendor", world.vendor_id)
    )
    # an operator in the agency's state (GB) abused a capability before
    operator = record(client, world, "Rogue Unit Services", country="GB")
    confirmed_incident(client, world, ("operator", operator))
    rid = restrict(client, world, world.vendor_id)
    # the restriction case kept its due-diligence evidence, like a licence case
    evidence = run(client, world, rid)["evidence"]
    assert evidence["parties"][0]["role"] == "vendor"
    assert [i["incident_id"] for i in evidence["incidents"]] == [iid, iid]  # vendor, product

    body = {
        "product_id": world.product_id,
        "purpose": "criminal investigation",
        "legal_basis": "Investigatory Powers Act",
        "necessity": "no other means",
        "proportionality": "one device, 30 days",
        "approver": world.users["oversight"],
        "duration_days": 30,
    }
    filed = client.post(
        "/api/v1/cases/authorisations", json=body, headers=auth(world, "state_user")
    )
    assert filed.status_code == 201, filed.text
    uid = filed.json()["id"]
    assert act(client, world, "state_user", uid, verb="submit").status_code == 200

    found = run(client, world, uid, user="oversight")  # the overseer sees the findings
    assert found["trigger"] == "submitted"
    rules = {f["rule_id"]: f for f in found["findings"]}
    assert f"restricted by case {rid}" in rules["code-of-practice.vendor-restricted"]["summary"]
    abuse = rules["code-of-practice.irresponsible-use"]
    assert abuse["summary"].startswith("1 incident(s) linked to the product, vendor")
    assert "wassenaar.listed-item" not in rules  # a licence rule: no export here
    assert found["evidence"]["destination"] == "GB"  # the destination rules: the agency's state
    assert rules["destination.incident-record"]["summary"].startswith(
        "1 confirmed incident(s) by operators in GB"
    )
    detail = client.get(f"/api/v1/cases/{uid}", headers=auth(world, "oversight")).json()
    assert detail["case"]["top_severity"] == "high"
    # the filing agency does not see the due diligence
    own = client.get(f"/api/v1/cases/{uid}", headers=auth(world, "state_user")).json()
    assert own["diligence"] == []


def test_a_party_named_like_a_vendor_restricted_here_is_found(
    client: TestClient, world: World
) -> None:
    rid = restrict(client, world, world.vendor_id)
    cid = submitted(
        client, world, [{"role": "end_user", "name": "ACME INTRUSION LTD", "country": "GR"}]
    )
    restricted = by_party(run(client, world, cid)["findings"], "code-of-practice.vendor-restricted")
    assert f"restricted by case {rid}" in restricted["end_user"]["summary"]
    match = restricted["end_user"]["evidence"][1]["match"]
    assert match["list_id"] == "node-restrictions" and match["entry_id"] == world.vendor_id


def test_the_applicant_linked_to_its_registry_organisation(
    client: TestClient, world: World
) -> None:
    other = record(client, world, "Other Intrusion Ltd")
    # a vendor claims its organisation; only a regulator or an admin confirms it
    claim = client.post(
        "/api/v1/registry-links/claim", json={"registry_id": other}, headers=auth(world, "vendor2")
    )
    assert claim.status_code == 200 and claim.json()["status"] == "claimed"
    account = claim.json()["account_id"]
    assert (
        client.post(
            f"/api/v1/registry-links/{account}/confirm", headers=auth(world, "vendor2")
        ).status_code
        == 403
    )
    bad = client.put(
        f"/api/v1/registry-links/{account}",
        json={"registry_id": world.product_id},
        headers=auth(world, "officer_a1"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "registry_id"
    confirmed = client.post(
        f"/api/v1/registry-links/{account}/confirm", headers=auth(world, "officer_a1")
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"

    # applying to export a product it neither develops nor resells is a finding
    cid = submitted(client, world, [{"role": "end_user", "name": "Police"}], user="vendor2")
    done = run(client, world, cid)
    assert done["evidence"]["applicant"]["registry_id"] == other
    rules = {f["rule_id"]: f for f in done["findings"]}
    assert (
        "neither develops nor resells 'Hermit-X'"
        in rules["applicant.not-developer-or-reseller"]["summary"]
    )
    applicant = next(p for p in done["evidence"]["parties"] if p["role"] == "applicant")
    assert applicant["name"] == "Other Intrusion Ltd" and applicant["registry_id"] == other

    # the developer's own account, linked by an admin, carries no such finding
    acme = client.put(
        f"/api/v1/registry-links/{world.accounts['Acme Vendor Account']}",
        json={"registry_id": world.vendor_id},
        headers=auth(world, "admin"),
    )
    assert acme.status_code == 200, acme.text
    own = submitted(client, world, [{"role": "end_user", "name": "Police"}])
    kinds = {f["rule_id"] for f in run(client, world, own)["findings"]}
    assert not {"applicant.not-developer-or-reseller", "applicant.unlinked"} & kinds


def test_the_registry_links_page_carries_csrf_fields(client: TestClient, world: World) -> None:
    page = client.get("/accounts/registry-links", headers=auth(world, "officer_a1"))
    assert page.status_code == 200 and "Link an account" in page.text
    assert page.text.count('name="csrf_token"') >= 1
    vendor = client.get("/accounts/registry-links", headers=auth(world, "vendor"))
    assert "Claim your registry organisation" in vendor.text
    assert client.get("/accounts/registry-links", headers=auth(world, "analyst")).status_code == 403


def test_an_end_user_found_by_name_brings_its_abuse_history(
    client: TestClient, demo: World
) -> None:
    found = client.get(
        "/api/v1/registry/records", params={"q": "Candiru"}, headers=auth(demo, "admin")
    ).json()["items"]
    candiru = next(r["id"] for r in found if r["record"]["name"] == "Candiru")
    iid = confirmed_incident(client, demo, ("vendor", candiru))
    cid = submitted(client, demo, [{"role": "end_user", "name": "Saito Tech Ltd."}])
    done = run(client, demo, cid)
    linked = [i for i in done["evidence"]["incidents"] if i["incident_id"] == iid]
    assert [(i["linked_as"], i["link_id"]) for i in linked] == [("end_user", candiru)]
    rules = {f["rule_id"]: f for f in done["findings"]}
    assert "linked to the end_user" in rules["code-of-practice.irresponsible-use"]["summary"]


def test_a_restriction_under_appeal_is_not_evidence_against_itself(
    client: TestClient, world: World
) -> None:
    opened = client.post(
        "/api/v1/cases/restrictions",
        json={
            "vendor_record_id": world.vendor_id,
            "vendor_account_id": world.accounts["Acme Vendor Account"],
            "grounds": "sold to abusive end users",
        },
        headers=auth(world, "officer_a1"),
    )
    rid = opened.json()["id"]
    assert run(client, world, rid)["trigger"] == "opened"
    act(client, world, "officer_a1", rid, verb="advise", outcome="restrict", grounds=["C5"])
    act(client, world, "officer_a2", rid, verb="countersign")
    appealed = act(client, world, "vendor", rid, verb="appeal", reason="we stopped those sales")
    assert appealed.json()["status"] == "appeal", appealed.text
    rerun = client.post(f"/api/v1/cases/{rid}/diligence", headers=auth(world, "officer_a1"))
    assert rerun.status_code == 200, rerun.text
    again = run(client, world, rid)
    assert again["trigger"] != "opened"
    assert not [f for f in again["findings"] if rid in f["summary"]]
    # while the appeal runs, the restriction stands for everyone else
    cid = submitted(client, world, [{"role": "end_user", "name": "Police"}])
    rules = {f["rule_id"]: f for f in run(client, world, cid)["findings"]}
    assert rid in rules["code-of-practice.vendor-restricted"]["summary"]


def test_legal_forms_written_out_and_former_names_are_found(
    client: TestClient, demo: World
) -> None:
    variants = [
        {"role": "end_user", "name": "Cytrox Holdings Zártkörűen Működő Részvénytársaság"},
        {"role": "consignee", "name": "NSO Group Technologies Limited", "country": "IL"},
        {"role": "intermediary", "name": "Grindavik Solutions Ltd."},  # Candiru, formerly
    ]
    cid = submitted(client, demo, variants, destination="AE")
    designated = by_party(run(client, demo, cid)["findings"], "registry.designation")
    assert set(designated) == {"end_user", "consignee", "intermediary"}
    assert "'Candiru'" in designated["intermediary"]["summary"]
    assert "'Cytrox'" in designated["end_user"]["summary"]


def test_a_claim_never_overrides_a_confirmed_link(client: TestClient, world: World) -> None:
    account = world.accounts["Acme Vendor Account"]
    assert client.get(f"/api/v1/registry-links/{account}").status_code == 401
    assert (
        client.get(f"/api/v1/registry-links/{account}", headers=auth(world, "vendor")).status_code
        == 404
    )
    linked = client.put(
        f"/api/v1/registry-links/{account}",
        json={"registry_id": world.vendor_id},
        headers=auth(world, "officer_a1"),
    )
    assert linked.status_code == 200 and linked.json()["confirmed_by"]
    other = record(client, world, "Somebody Else Ltd")
    again = client.post(
        "/api/v1/registry-links/claim", json={"registry_id": other}, headers=auth(world, "vendor")
    )
    assert again.status_code == 409
    own = client.get(f"/api/v1/registry-links/{account}", headers=auth(world, "vendor")).json()
    assert own["registry_id"] == world.vendor_id and own["status"] == "confirmed"
    # another vendor may not read it; the analyst may not list links
    assert (
        client.get(f"/api/v1/registry-links/{account}", headers=auth(world, "vendor2")).status_code
        == 403
    )
    assert client.get("/api/v1/registry-links", headers=auth(world, "analyst")).status_code == 403
