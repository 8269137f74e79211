"""The equities register through the API, on SQLite and PostgreSQL: rights by state, four
eyes by identity, overdue reviews, the commitment in the log and its opening."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from pallmall.core.paging import PageRequest
from pallmall.log import parse_entry
from pallmall.reports import build_report, make_spec, read_log, verify_report
from pallmall.storage.database import Database
from tests.helpers import publish
from tests.integration.equities.conftest import People

TITLE = "BLUEJAY: kernel use-after-free in a handset baseband"
VULN = {
    "title": TITLE,
    "product": "Acme baseband firmware",
    "acquired_on": "2026-01-15",
    "manner": "purchased",
}
EQUITIES = {
    "defensive": "Widely deployed in government handsets; patching protects them.",
    "intelligence_law_enforcement": "Supports an ongoing investigation for six months.",
}


def restrict(review_on: date) -> dict[str, Any]:
    return {
        "outcome": "restrict",
        "equities": EQUITIES,
        "rationale": "Retain for one investigation, then review.",
        "deciding_body": "Equities Technical Panel",
        "review_on": review_on.isoformat(),
    }


DISCLOSE = {
    "outcome": "disclose",
    "equities": {"defensive": "The investigation ended; the risk to handsets remains."},
    "rationale": "Disclosure is the default once the operational need has passed.",
    "deciding_body": "Equities Technical Panel",
    "vendor_notified_on": "2026-11-01",
}


def record(client: TestClient, people: People, who: str = "gb_officer") -> dict[str, Any]:
    response = client.post("/api/v1/equities", json=VULN, headers=people.auth(who))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_only_bodies_of_the_holding_state_see_an_entry(client: TestClient, people: People) -> None:
    vuln = record(client, people)
    assert vuln["status"] == "held" and vuln["state"] == "GB"  # the recording account's state
    url = f"/api/v1/equities/{vuln['id']}"
    assert client.get(url, headers=people.auth("gb_overseer")).status_code == 200
    assert client.get(url, headers=people.auth("gb_agency")).status_code == 200
    assert client.get(url, headers=people.auth("fr_officer")).status_code == 404
    assert client.get(url, headers=people.auth("vendor")).status_code == 403
    assert client.get(url, headers=people.auth("admin")).status_code == 403  # no state
    assert client.get(url).status_code == 401
    listed = client.get("/api/v1/equities", headers=people.auth("fr_officer")).json()
    assert listed["total"] == 0
    french = client.post("/api/v1/equities", json=VULN, headers=people.auth("fr_officer"))
    assert french.json()["state"] == "FR"
    mine = client.get("/api/v1/equities", headers=people.auth("gb_officer")).json()
    assert [v["id"] for v in mine["items"]] == [vuln["id"]]
    stray = client.post(
        "/api/v1/equities", json={**VULN, "state": "FR"}, headers=people.auth("gb_officer")
    )
    assert stray.status_code == 422  # the state is the account's, not the caller's to choose


def test_a_decision_needs_a_second_user_and_is_committed_in_the_log(
    client: TestClient, people: People, db: Database
) -> None:
    vuln = record(client, people)
    url = f"/api/v1/equities/{vuln['id']}"
    no_date = {k: v for k, v in restrict(date(2027, 1, 1)).items() if k != "review_on"}
    bad = client.post(f"{url}/proposal", json=no_date, headers=people.auth("gb_officer"))
    assert bad.status_code == 422 and "review" in bad.text
    overdue_on = date.today() - timedelta(days=3)
    proposed = client.post(
        f"{url}/proposal", json=restrict(overdue_on), headers=people.auth("gb_officer")
    )
    assert proposed.json()["status"] == "proposed"
    own = client.post(f"{url}/approval", headers=people.auth("gb_officer"))
    assert own.status_code == 403 and "four eyes" in own.text
    approved = client.post(f"{url}/approval", headers=people.auth("gb_overseer"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "restricted"
    assert approved.json()["overdue"] is True
    overdue = client.get("/api/v1/equities?overdue=true", headers=people.auth("gb_officer"))
    assert [v["id"] for v in overdue.json()["items"]] == [vuln["id"]]
    tlog = publish(client)
    with db.read() as tx:
        logged = tx.outbox.logged(_page(), subject=vuln["id"]).items
    assert [e.change.kind for e in logged] == ["equities.decision.committed"]
    data = tlog.entry(logged[0].log_index)
    entry = parse_entry(data)
    assert entry.public == {
        "state": "GB",
        "outcome": "restrict",
        "review_on": overdue_on.isoformat(),
    }
    assert set(entry.commitments) == {"decision", "vulnerability", "deciders"}
    for secret in (TITLE, "Acme", "investigation", "Technical Panel", people.ids["gb_officer"]):
        assert secret not in data.decode()
    history = client.get(url, headers=people.auth("gb_overseer")).json()
    assert [e["verb"] for e in history["events"]] == ["record", "propose", "approve"]
    assert history["events"][2]["actor"] == people.ids["gb_overseer"]


def test_disclosure_opens_every_decision_and_anyone_can_check_it(
    client: TestClient, people: People, db: Database
) -> None:
    vuln = record(client, people)
    url = f"/api/v1/equities/{vuln['id']}"
    gb1, gb2 = people.auth("gb_officer"), people.auth("gb_overseer")
    client.post(f"{url}/proposal", json=restrict(date(2027, 6, 1)), headers=gb1)
    client.post(f"{url}/approval", headers=gb2)
    assert client.post(f"{url}/opening", headers=gb1).status_code == 409  # not disclosed
    # the review: proposed by the overseer, escalated, approved by the officer
    assert client.post(f"{url}/proposal", json=DISCLOSE, headers=gb2).status_code == 200
    escalation = {"to_body": "Equities Review Board", "reason": "A partner's equity is at stake."}
    escalated = client.post(f"{url}/escalation", json=escalation, headers=gb1).json()
    assert escalated["proposal"]["deciding_body"] == "Equities Review Board"
    assert client.post(f"{url}/approval", headers=gb2).status_code == 403
    disclosed = client.post(f"{url}/approval", headers=gb1).json()
    assert disclosed["status"] == "disclosed"
    assert disclosed["vendor_notified_on"] == "2026-11-01"
    assert disclosed["next_review"] is None
    cve = client.post(f"{url}/cve", json={"cve": "CVE-2026-12345"}, headers=gb1)
    assert cve.json()["details"]["cve"] == "CVE-2026-12345"
    assert client.post(f"{url}/cve", json={"cve": "12345"}, headers=gb1).status_code == 422
    publish(client)
    opening = client.post(f"{url}/opening", headers=gb1)
    assert opening.status_code == 201, opening.text
    assert client.post(f"{url}/opening", headers=gb1).status_code == 409  # once only
    publish(client)
    with db.read() as tx:
        logged = tx.outbox.logged(_page(), subject=vuln["id"]).items
    index = next(e.log_index for e in logged if e.change.kind == "equities.decision.opened")
    checked = client.get(f"/api/v1/equities/openings/{index}")  # anyone
    assert checked.status_code == 200, checked.text
    decisions = checked.json()
    assert [d["outcome"] for d in decisions] == ["restrict", "disclose"]
    assert decisions[1]["decision"]["deciding_body"] == "Equities Review Board"
    assert decisions[0]["decision"]["equities"] == EQUITIES
    assert "proposed_by" not in json.dumps(decisions)
    not_opening = client.get(f"/api/v1/equities/openings/{decisions[0]['index']}")
    assert not_opening.status_code == 422
    tlog = publish(client)
    spec = make_spec("GB", date(2000, 1, 1), date(2100, 12, 31), "all")
    report = build_report(
        read_log(tlog.store.root, tlog.vkey), spec, "rpt-eq", "2026-12-01T00:00:00Z"
    )
    assert report.figures["equities"] == {
        "disclose": 1,
        "restrict": 1,
        "mitigate": 0,
        "limited_use": 0,
        "opened": 1,
        "disclosed_on_first_review": 0,
        "disclosed_on_reconsideration": 1,
        "median_days_to_disclose": 0,
        "reviews_overdue_at_end": 0,
    }
    assert len(report.figures["sources"]["equities.restrict"]) == 1
    verify_report(report.to_json(), tlog.store.root, tlog.vkey)  # recomputed from the log alone
    other = build_report(
        read_log(tlog.store.root, tlog.vkey),
        make_spec("FR", date(2000, 1, 1), date(2100, 12, 31), "all"),
        "rpt-fr",
        "2026-12-01T00:00:00Z",
    )
    assert other.figures["equities"]["disclose"] == 0  # another state's report counts none


def test_a_returned_proposal_restores_the_decision_in_force(
    client: TestClient, people: People
) -> None:
    vuln = record(client, people)
    url = f"/api/v1/equities/{vuln['id']}"
    gb1, gb2 = people.auth("gb_officer"), people.auth("gb_overseer")
    client.post(f"{url}/proposal", json=restrict(date(2027, 6, 1)), headers=gb1)
    client.post(f"{url}/approval", headers=gb2)
    client.post(f"{url}/proposal", json=DISCLOSE, headers=gb1)
    returned = client.post(f"{url}/return", json={"reason": "Ask the partner first."}, headers=gb2)
    assert returned.json()["status"] == "restricted"
    assert returned.json()["proposal"] is None
    assert returned.json()["next_review"] == "2027-06-01"
    refused = client.post(f"{url}/approval", headers=gb2)
    assert refused.status_code == 409


def _page() -> PageRequest:
    return PageRequest(0, 50)
