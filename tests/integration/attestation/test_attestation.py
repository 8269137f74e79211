"""Vendor self-attestation through the API and the pages, on SQLite and PostgreSQL: checked
against the form, signed by the node, logged, shown on the public registry page with the
registry's contradictions, and read by due diligence and the procurement gate."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pallmall.attestation.verify import AttestationError, verify_attestation
from pallmall.cli.main import app
from pallmall.core.auth import SYSTEM
from pallmall.core.paging import PageRequest
from pallmall.log import NoteError, generate_signer, parse_entry, verifier_from_vkey, verify_note
from pallmall.log.entry import canonical_json
from pallmall.registry.model import Organisation, OrgKind, Relationship, RelType
from pallmall.storage.database import Database
from tests.attestation_data import sound_answers
from tests.helpers import publish, service
from tests.integration.cases.conftest import World, act, auth, file


def confirm(client: TestClient, world: World, account: str = "Acme Vendor Account") -> None:
    """A regulator confirms ``account`` as the world's vendor (only then may it attest)."""
    where = f"/api/v1/registry-links/{world.accounts[account]}"
    linked = client.put(where, json={"registry_id": world.vendor_id}, headers=auth(world, "admin"))
    assert linked.status_code == 200, linked.text


def attest(
    client: TestClient, world: World, user: str = "vendor", **changes: object
) -> dict[str, Any]:
    confirm(client, world)
    body = {"vendor_id": world.vendor_id, "answers": sound_answers(**changes)}
    response = client.post("/api/v1/attestations", json=body, headers=auth(world, user))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]  # the JSON body is an object


def add_investor(db: Database, world: World, name: str, share: float) -> None:
    with db.write() as tx:
        reg = service(tx)
        investor = reg.create(SYSTEM, Organisation(name=name, kinds=(OrgKind.INVESTOR,)))
        rel = Relationship(
            type=RelType.INVESTS_IN, source_id=investor.id, target_id=world.vendor_id
        )
        reg.relate(SYSTEM, rel)
        owner = reg.create(
            SYSTEM, Organisation(name="Founders Trust Ltd", kinds=(OrgKind.HOLDING,))
        )
        reg.relate(
            SYSTEM,
            Relationship(
                type=RelType.OWNS, source_id=owner.id, target_id=world.vendor_id, share=share
            ),
        )


def test_an_attestation_is_signed_by_the_node_and_logged(
    client: TestClient, world: World, db: Database
) -> None:
    made = attest(client, world)
    assert made["form"] == "pallmall-vendor-attestation@2026.1"
    vkey = client.get("/log/vkey").text.strip()
    verified = verify_note(made["note"].encode(), [verifier_from_vkey(vkey)])
    lines = verified.text.splitlines()
    assert lines[:3] == ["pallmall/attestation/v1", world.vendor_id, made["form"]]
    assert lines[4] == hashlib.sha256(canonical_json(made["answers"])).hexdigest() == made["digest"]
    shown = client.get(f"/api/v1/attestations/{world.vendor_id}")  # anyone: the record is public
    assert shown.status_code == 200
    assert shown.json()["expired"] is False and shown.json()["differs_from_registry"] == []
    tlog = publish(client)
    with db.read() as tx:
        logged = tx.outbox.logged(PageRequest(0, 10), subject=world.vendor_id).items
    filed = next(e for e in logged if e.change.kind == "attestation.filed")
    entry = parse_entry(tlog.entry(filed.log_index))
    assert entry.public["answers"]["owners"] == [
        {"name": "Founders Trust", "share": 100.0, "role": "owner"}
    ]
    assert entry.public["digest"] == made["digest"]
    assert entry.public["note"] == made["note"]


def test_bad_answers_and_other_accounts_are_refused(client: TestClient, world: World) -> None:
    unlinked = {"vendor_id": world.vendor_id, "answers": sound_answers()}
    first = client.post("/api/v1/attestations", json=unlinked, headers=auth(world, "vendor"))
    assert first.status_code == 403 and "not confirmed as" in first.text  # never first come
    confirm(client, world)
    body = {
        "vendor_id": world.vendor_id,
        "answers": sound_answers(owners=[{"name": "X", "share": 140}]),
    }
    bad = client.post("/api/v1/attestations", json=body, headers=auth(world, "vendor"))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "answers.owners.0.share"
    missing = sound_answers()
    del missing["customer_vetting"]
    body = {"vendor_id": world.vendor_id, "answers": missing}
    refused = client.post("/api/v1/attestations", json=body, headers=auth(world, "vendor"))
    assert refused.status_code == 422 and "customer_vetting" in refused.text
    attest(client, world)
    body = {"vendor_id": world.vendor_id, "answers": sound_answers()}
    squat = {"registry_id": world.vendor_id}  # a competitor's claim, not confirmed
    claimed = client.post(
        "/api/v1/registry-links/claim", json=squat, headers=auth(world, "vendor2")
    )
    assert claimed.status_code == 200, claimed.text
    other = client.post("/api/v1/attestations", json=body, headers=auth(world, "vendor2"))
    assert other.status_code == 403 and "not confirmed as" in other.text
    officer = client.post("/api/v1/attestations", json=body, headers=auth(world, "officer_a1"))
    assert officer.status_code == 403


def test_a_contradiction_shows_on_the_registry_page_and_is_a_finding(
    client: TestClient, world: World, db: Database
) -> None:
    attest(client, world)
    add_investor(db, world, "Shadow Capital SA", 60)
    shown = client.get(f"/api/v1/attestations/{world.vendor_id}").json()
    assert sorted(shown["differs_from_registry"]) == [
        "Founders Trust Ltd: declared 100 %, the registry records 60 %",
        "the registry records Shadow Capital SA as investor; not declared",
    ]
    page = client.get(f"/records/{world.vendor_id}").text
    assert "Differs from the registry" in page and "Shadow Capital SA as investor" in page
    cid = file(client, world)["id"]
    act(client, world, "vendor", cid, verb="submit")
    detail = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "officer_a1")).json()
    found = [
        f
        for f in detail["diligence"][-1]["findings"]
        if f["rule_id"] == "code-of-practice.vendor-attestation"
    ]
    assert len(found) == 1 and found[0]["severity"] == "high"
    assert "Shadow Capital SA" in found[0]["summary"]
    body = {
        "vendor_record_id": world.vendor_id,
        "product_id": world.product_id,
        "declarations": {
            "eo14093.counterintelligence-access": False,
            "eo14093.targeting-own-persons": False,
        },
    }
    gate = client.post("/api/v1/cases/procurement", json=body, headers=auth(world, "state_user"))
    assessment = gate.json()["state"]["assessment"]
    assert assessment["verdict"] == "no_go"
    assert any("not declared" in r for r in assessment["reasons"])
    # declaring what the registry records settles it
    owners = [
        {"name": "Founders Trust Ltd", "share": 60, "role": "owner"},
        {"name": "Shadow Capital", "share": 40, "role": "investor"},
    ]
    attest(client, world, owners=owners)
    assert (
        client.get(f"/api/v1/attestations/{world.vendor_id}").json()["differs_from_registry"] == []
    )
    again = client.post("/api/v1/cases/procurement", json=body, headers=auth(world, "state_user"))
    assert again.json()["state"]["assessment"]["verdict"] == "go"


def test_an_adverse_answer_is_a_finding_and_a_missing_one_advisory(
    client: TestClient, world: World
) -> None:
    cid = file(client, world)["id"]
    act(client, world, "vendor", cid, verb="submit")
    detail = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "officer_a1")).json()
    found = {f["rule_id"]: f for f in detail["diligence"][-1]["findings"]}
    assert found["code-of-practice.vendor-attestation"]["severity"] == "advisory"
    attest(client, world, no_known_misuse=False)
    rerun = client.post(f"/api/v1/cases/{cid}/diligence", headers=auth(world, "officer_a1"))
    found = {f["rule_id"]: f for f in rerun.json()["diligence"][-1]["findings"]}
    finding = found["code-of-practice.vendor-attestation"]
    assert finding["severity"] == "high"
    assert "answered no: No known misuse" in finding["summary"]


def test_anyone_checks_an_attestation_with_the_log_key(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    attest(client, world)
    shown = client.get(f"/api/v1/attestations/{world.vendor_id}").json()
    vkey = client.get("/log/vkey").text.strip()
    saved = tmp_path / "attestation.json"
    saved.write_text(json.dumps(shown))
    runner = CliRunner()
    printed = runner.invoke(app, ["attestation", "form"])
    assert "pallmall-vendor-attestation@2026.1" in printed.output
    assert "no_known_misuse (yes_no) (required)" in printed.output
    ok = runner.invoke(app, ["attestation", "verify", str(saved), "--vkey", vkey])
    assert ok.exit_code == 0, ok.output
    assert "OK: signed by the node" in ok.output and world.vendor_id in ok.output
    shown["attestation"]["answers"]["no_known_misuse"] = False
    saved.write_text(json.dumps(shown))
    doctored = runner.invoke(app, ["attestation", "verify", str(saved), "--vkey", vkey])
    assert isinstance(doctored.exception, AttestationError)
    other_key = generate_signer("other.example/log").vkey
    with pytest.raises(NoteError):
        verify_attestation(shown["attestation"], other_key)
