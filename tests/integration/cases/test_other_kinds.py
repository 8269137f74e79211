"""Restriction cases (four eyes, logged, a restricted vendor's applications carry it),
procurement checks (go / no-go with reasons) and use authorisations (oversight sign-off)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.attestation_data import sound_answers
from tests.integration.cases.conftest import World, act, auth, file


def test_restriction_is_countersigned_and_reaches_new_applications(
    client: TestClient, world: World
) -> None:
    opened = client.post(
        "/api/v1/cases/restrictions",
        json={"vendor_record_id": world.vendor_id, "grounds": "sold to abusive end users"},
        headers=auth(world, "officer_a1"),
    )
    assert opened.status_code == 201 and opened.json()["status"] == "open"
    rid = opened.json()["id"]
    bad = act(client, world, "officer_a1", rid, verb="advise", outcome="deny", grounds=["x"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "outcome"
    act(client, world, "officer_a1", rid, verb="advise", outcome="restrict", grounds=["C5"])
    assert act(client, world, "officer_a1", rid, verb="countersign").status_code == 403
    restricted = act(client, world, "oversight", rid, verb="countersign")
    assert restricted.json()["status"] == "restricted"

    cid = file(client, world)["id"]
    act(client, world, "vendor", cid, verb="submit")
    detail = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "officer_a1")).json()
    rules = {f["rule_id"] for f in detail["diligence"][-1]["findings"]}
    assert "code-of-practice.vendor-restricted" in rules


def test_procurement_gives_go_or_no_go_with_reasons(client: TestClient, world: World) -> None:
    body = {"vendor_record_id": world.vendor_id, "product_id": world.product_id}
    vetted = {
        **body,
        "vendor_attested": True,  # the buyer's box: the attestation on file decides instead
        "declarations": {
            "eo14093.counterintelligence-access": False,
            "eo14093.targeting-own-persons": False,
        },
    }
    unvetted = client.post(
        "/api/v1/cases/procurement", json=vetted, headers=auth(world, "state_user")
    )
    assert unvetted.json()["state"]["assessment"]["verdict"] == "no_go"
    reasons = unvetted.json()["state"]["assessment"]["reasons"]
    assert any("vetting" in r for r in reasons)
    assert any("no self-attestation on file" in r for r in reasons)
    linked = client.put(  # only the vendor's confirmed account attests for it
        f"/api/v1/registry-links/{world.accounts['Acme Vendor Account']}",
        json={"registry_id": world.vendor_id},
        headers=auth(world, "admin"),
    )
    assert linked.status_code == 200, linked.text
    attested = client.post(
        "/api/v1/attestations",
        json={"vendor_id": world.vendor_id, "answers": sound_answers()},
        headers=auth(world, "vendor"),
    )
    assert attested.status_code == 201, attested.text
    go = client.post("/api/v1/cases/procurement", json=vetted, headers=auth(world, "state_user"))
    assert go.status_code == 201, go.text
    assessment = go.json()["state"]["assessment"]
    assert go.json()["status"] == "assessed" and assessment["verdict"] == "go"
    assert len(assessment["factors"]) == 6

    no_go = client.post("/api/v1/cases/procurement", json=body, headers=auth(world, "state_user"))
    reasons = no_go.json()["state"]["assessment"]["reasons"]
    assert no_go.json()["state"]["assessment"]["verdict"] == "no_go"
    assert any(r.startswith("eo14093.counterintelligence-access") for r in reasons)

    unknown = client.post(
        "/api/v1/cases/procurement",
        json={**body, "declarations": {"nope": True}},
        headers=auth(world, "state_user"),
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "declarations"


def test_use_authorisation_needs_oversight_sign_off(client: TestClient, world: World) -> None:
    body = {
        "product_id": world.product_id,
        "purpose": "investigation of a terrorist cell",
        "legal_basis": "Investigatory Powers Act s. 99",
        "necessity": "no less intrusive means available",
        "proportionality": "two devices, 30 days",
        "approver": world.users["oversight"],
        "duration_days": 30,
    }
    filed = client.post(
        "/api/v1/cases/authorisations", json=body, headers=auth(world, "state_user")
    )
    uid = filed.json()["id"]
    act(client, world, "state_user", uid, verb="submit")
    assert act(client, world, "officer_a1", uid, verb="sign_off").status_code == 404
    assert act(client, world, "state_user", uid, verb="sign_off").status_code == 403
    signed = act(client, world, "oversight", uid, verb="sign_off", reason="lawful and necessary")
    assert signed.status_code == 200 and signed.json()["status"] == "authorised"
    assert act(client, world, "oversight", uid, verb="sign_off").status_code == 409
