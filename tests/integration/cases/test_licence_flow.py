"""Issue 5 end to end through the API, on SQLite and PostgreSQL: a vendor files, due
diligence finds the listed end user behind a variant spelling, officer A advises denial,
A cannot countersign, B does; the decision is in the log with a proof; another state sees
the denial when a similar application reaches it."""

from __future__ import annotations

import base64
import time
from typing import Any

from fastapi.testclient import TestClient

from pallmall.log import Receipt, parse_entry, verify_inclusion
from tests.integration.cases.conftest import World, act, auth, file


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def logged(client: TestClient, subject: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = client.get("/log/entries", params={"subject": subject}).json()["items"]
        if items:
            return items[0]
        time.sleep(0.05)
    raise AssertionError(f"{subject} never reached the log")


def tree_size(client: TestClient, at_least: int) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        size = int(client.get("/log/checkpoint").text.splitlines()[1])
        if size >= at_least:
            return size
        time.sleep(0.05)
    raise AssertionError("log did not grow")


def findings(client: TestClient, world: World, user: str, case_id: str) -> list[dict[str, Any]]:
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth(world, user)).json()
    return detail["diligence"][-1]["findings"]


def test_denial_end_to_end(client: TestClient, world: World) -> None:
    case = file(client, world)
    assert case["status"] == "draft" and case["product_category"] == "device_intrusion"
    cid = case["id"]

    submitted = act(client, world, "vendor", cid, verb="submit").json()
    # the filer's answer is the filer's view: no due-diligence severity
    assert submitted["status"] == "submitted" and submitted["top_severity"] is None
    seen = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "officer_a1")).json()
    assert seen["case"]["top_severity"] == "blocking"

    found = {f["rule_id"]: f for f in findings(client, world, "officer_a1", cid)}
    hit = found["sanctions.blocked-party"]
    assert hit["severity"] == "blocking" and hit["rule_version"] == 1
    match = hit["evidence"][1]
    assert match["entry_id"] == "31455" and match["list_version"] == "2024-03-05"
    assert "POZITIV" in match["explanation"] and "threshold" in match["explanation"]
    assert "list test_list version 2024-03-05, " in match["explanation"]  # and its age
    overdue = found["screening.list-overdue"]  # the 2024 test list is overdue: advisory
    assert overdue["severity"] == "advisory"
    assert overdue["summary"].startswith("list test_list version 2024-03-05 is ")
    assert "designations after 2024-03-05 may be missing" in overdue["summary"]
    (age,) = overdue["evidence"]
    assert (age["source"], age["list_id"], age["expected_days"]) == (
        "ListAgeEvidence",
        "test_list",
        30,
    )
    assert "wassenaar.listed-item" in found  # 4.D.4 product: a licence is required

    # the vendor sees its case, not the findings
    own = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "vendor")).json()
    assert own["diligence"] == [] and own["case"]["top_severity"] is None
    other = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "vendor2"))
    assert other.status_code == 404

    assert act(client, world, "officer_a1", cid, verb="start_review").status_code == 200
    advised = act(
        client,
        world,
        "officer_a1",
        cid,
        verb="advise",
        outcome="deny",
        grounds=["sanctions.blocked-party@1"],
        reason="end user is a listed party",
    )
    assert advised.json()["status"] == "advice"
    refused = act(client, world, "officer_a1", cid, verb="countersign")
    assert refused.status_code == 403 and "four eyes" in refused.json()["detail"]
    statement = "Licence refused: the end user is on a restricted-party list."
    denied = act(
        client,
        world,
        "officer_a2",
        cid,
        verb="countersign",
        public_statement=statement,
        reason="the adviser's reading is right; internal minute 7",
    )
    assert denied.status_code == 200, denied.text
    decision = denied.json()["state"]["decision"]
    assert denied.json()["status"] == "denied"
    assert decision["advised_by"] != decision["countersigned_by"]

    entry = logged(client, cid)
    assert entry["kind"] == "cases.licence.decided"
    assert entry["public"] == {
        "case_kind": "licence",
        "authority": "Authority A",
        "state": "GB",  # the deciding state: Authority A's
        "appeal": False,
        "destination": "RU",
        "product_category": "device_intrusion",
        "outcome": "deny",
        "grounds": ["sanctions.blocked-party@1"],
        "public_statement": statement,
    }
    size = tree_size(client, entry["index"] + 1)
    receipt = Receipt.from_json(client.get(f"/log/receipt/{entry['index']}").json())
    committed = parse_entry(receipt.entry).commitments
    assert {"details", "decision", "advice"} <= set(committed)  # the rest: committed, not shown
    assert "Pozitiv" not in receipt.entry.decode()
    proof = client.get(
        "/log/proof/inclusion", params={"index": entry["index"], "tree_size": size}
    ).json()
    verify_inclusion(
        b64(proof["leaf_hash"]),
        entry["index"],
        size,
        [b64(h) for h in proof["proof"]],
        b64(proof["root"]),
    )

    # Authority B is notified, and sees the denial when a similar application arrives
    notices = client.get("/api/v1/cases/notifications", headers=auth(world, "officer_b")).json()
    assert notices["total"] == 1 and notices["items"][0]["case_id"] == cid
    assert (
        client.get("/api/v1/cases/notifications", headers=auth(world, "officer_a1")).json()["total"]
        == 0
    )
    similar = file(
        client,
        world,
        "vendor2",
        authority_id=world.accounts["Authority B"],
        destination="AM",
        parties=[
            {"role": "end_user", "name": "Northern Trade Co"},
            {"role": "consignee", "name": "northern freight, llc"},
        ],
    )
    act(client, world, "vendor2", similar["id"], verb="submit")
    undercut = [
        f
        for f in findings(client, world, "officer_b", similar["id"])
        if f["rule_id"] == "no-undercut.prior-denial"
    ]
    assert len(undercut) == 1
    assert undercut[0]["evidence"][0]["case_id"] == cid
    assert undercut[0]["evidence"][0]["authority"] == "Authority A"
    assert undercut[0]["evidence"][0]["matched_on"] == [
        "product_category",
        "consignee: 'northern freight, llc' ~ 'Northern Freight LLC' (1.00)",
    ]
    # Authority B cannot open Authority A's case
    assert client.get(f"/api/v1/cases/{cid}", headers=auth(world, "officer_b")).status_code == 404


def test_request_for_information_and_answer(client: TestClient, world: World) -> None:
    cid = file(client, world)["id"]
    act(client, world, "vendor", cid, verb="submit")
    early = client.post(
        f"/api/v1/cases/{cid}/messages", json={"text": "hello"}, headers=auth(world, "vendor")
    )
    assert early.status_code == 409
    ask = client.post(
        f"/api/v1/cases/{cid}/messages",
        json={"text": "Who is the consignee?"},
        headers=auth(world, "officer_a1"),
    )
    assert ask.status_code == 201 and ask.json()["kind"] == "request"
    answer = client.post(
        f"/api/v1/cases/{cid}/messages",
        json={"text": "A freight forwarder."},
        headers=auth(world, "vendor"),
    )
    assert answer.status_code == 201 and answer.json()["kind"] == "answer"
    detail = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "vendor")).json()
    assert [m["kind"] for m in detail["messages"]] == ["request", "answer"]


def test_bad_application_names_the_field(client: TestClient, world: World) -> None:
    from tests.integration.cases.conftest import application

    body = application(world, parties=[{"role": "consignee", "name": "X"}])
    response = client.post("/api/v1/cases/licences", json=body, headers=auth(world, "vendor"))
    assert response.status_code == 422
    assert "exactly one end_user" in response.json()["detail"]
    body = application(world, product_id="prd-nope")
    response = client.post("/api/v1/cases/licences", json=body, headers=auth(world, "vendor"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "product_id", "reason": "no product 'prd-nope' in the registry"}
    ]


def test_refused_transition_is_a_clear_problem(client: TestClient, world: World) -> None:
    cid = file(client, world)["id"]
    response = act(client, world, "officer_a1", cid, verb="start_review")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "licence case in status 'draft' cannot 'start_review'"
