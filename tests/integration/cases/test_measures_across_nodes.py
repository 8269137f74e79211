"""Restrictive measures across nodes through the API, on SQLite and PostgreSQL (issue 17).

The node (log origin ``gb.pallmall.example/log``) talks to other states' nodes through an
in-memory :class:`~tests.peers.PeerNodes`. A restriction decided here (four eyes) and the
designations its registry records are told as restrictive measures carrying only what may
leave (no advice, reasoning or free-text grounds; nothing of a record that is not public);
lifting the restriction withdraws it. A measure France's node told us makes a party named
differently on an application here carry ``federation.peer-measure``, until it is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.cases.exchange import MeasureKind, RestrictiveMeasure
from pallmall.core.settings import Settings
from pallmall.storage.database import Database
from tests.integration.cases.conftest import World, act, auth
from tests.integration.cases.test_diligence_truth import record, run, submitted
from tests.peers import PeerNodes

ORIGIN = "gb.pallmall.example/log"
FRANCE = "fr.pallmall.example/log"
RULE = "federation.peer-measure"
SECRET = "CANARY-measure"
HEXA = RestrictiveMeasure(
    reference="fr-case-31",
    notifying_node=FRANCE,
    notifying_state="FR",
    kind=MeasureKind.RESTRICTION,
    taken_on=date(2026, 10, 1),
    subject_names=("Hexa Intrusion Technologies Limited", "Hexa Labs"),
    subject_type="organization",
    countries=("CY",),
    authority="SBDU (France)",
    grounds="rules cited: code-of-practice.irresponsible-use; sold to abusive end users",
)


@pytest.fixture
def peers() -> PeerNodes:
    return PeerNodes()


@pytest.fixture
def client(db: Database, tmp_path: Path, peers: PeerNodes) -> Iterator[TestClient]:
    """The whole app on ``db``, its exchange the in-memory peers."""
    settings = Settings(
        data_dir=tmp_path, session_secret="test-secret", log_origin=ORIGIN, node_state="GB"
    )
    with TestClient(create_app(settings, db, exchange=lambda tx: peers)) as test_client:
        yield test_client


def decide_restriction(client: TestClient, world: World, vendor_id: str) -> str:
    opened = client.post(
        "/api/v1/cases/restrictions",
        json={"vendor_record_id": vendor_id, "grounds": f"{SECRET}-opening-grounds"},
        headers=auth(world, "officer_a1"),
    )
    assert opened.status_code == 201, opened.text
    rid = str(opened.json()["id"])
    advised = act(
        client, world, "officer_a1", rid, verb="advise", outcome="restrict",
        grounds=["code-of-practice.irresponsible-use@1", f"{SECRET}-free-text"],
        reason=f"{SECRET}-advice",
    )  # fmt: skip
    assert advised.status_code == 200, advised.text
    decided = act(
        client, world, "officer_a2", rid, verb="countersign",
        reason=f"{SECRET}-reasoning", public_statement="Restricted: sold to abusive end users.",
    )  # fmt: skip
    assert decided.json()["status"] == "restricted", decided.text
    return rid


def told(peers: PeerNodes, kind: MeasureKind) -> dict[str, RestrictiveMeasure]:
    return {m.reference: m for m in peers.told if m.kind is kind}


def test_a_restriction_and_the_registrys_designations_are_told_and_lifting_withdraws(
    client: TestClient, world: World, peers: PeerNodes
) -> None:
    designated = record(client, world, "Blue Hawk Systems", designated=True, country="AE")
    hidden = client.post(
        "/api/v1/registry/records",
        json={
            "type": "organisation",
            "name": f"{SECRET} Front Ltd",
            "kinds": ["holding_company"],
            "visibility": "restricted",
            "designations": [
                {"authority": "US Treasury OFAC SDN", "listed_on": "2024-03-05", "citation": "t"}
            ],
        },
        headers=auth(world, "admin"),
    )
    assert hidden.status_code == 201, hidden.text
    rid = decide_restriction(client, world, world.vendor_id)

    (restriction,) = told(peers, MeasureKind.RESTRICTION).values()
    assert restriction.reference == rid and restriction.notifying_node == ORIGIN
    assert restriction.notifying_state == "GB"  # Authority A's state
    assert restriction.authority == "Authority A"
    assert restriction.grounds == (
        "rules cited: code-of-practice.irresponsible-use@1; Restricted: sold to abusive end users."
    )
    assert restriction.taken_on == date.today()
    vendor = client.get(f"/api/v1/registry/records/{world.vendor_id}").json()["record"]
    assert restriction.subject == vendor["name"]
    designations = told(peers, MeasureKind.DESIGNATION)
    assert [m.subject for m in designations.values()] == ["Blue Hawk Systems"]
    (blue,) = designations.values()
    assert blue.authority == "US Treasury OFAC SDN" and blue.countries == ("AE",)
    assert blue.reference.startswith(f"{designated}/designation/")
    assert SECRET not in repr(peers.told)  # nothing confidential, nothing restricted

    lifted = act(
        client, world, "officer_a1", rid, verb="lift", reason="remedied", public_statement="Lifted."
    )
    assert lifted.status_code == 200 and lifted.json()["status"] == "lifted", lifted.text
    assert told(peers, MeasureKind.RESTRICTION) == {}  # what is no longer in force is withdrawn
    assert told(peers, MeasureKind.DESIGNATION) == designations


def test_a_peers_measure_flags_a_party_named_otherwise_until_withdrawn(
    client: TestClient, world: World, peers: PeerNodes
) -> None:
    peers.receive_measure(HEXA)
    parties: list[dict[str, Any]] = [
        {"role": "end_user", "name": "Ministry of Interior", "country": "RU"},
        {"role": "consignee", "name": "HEXA INTRUSION TECHNOLOGIES LTD.", "country": "CY"},
    ]
    cid = submitted(client, world, parties)
    found = run(client, world, cid)
    (finding,) = [f for f in found["findings"] if f["rule_id"] == RULE]
    assert finding["severity"] == "high"
    summary = finding["summary"]
    assert summary.startswith("consignee 'HEXA INTRUSION TECHNOLOGIES LTD.' matches")
    assert "restricted by SBDU (France) on 2026-10-01, notified by FR (fr.pallmall" in summary
    assert "sold to abusive end users" in summary
    match = finding["evidence"][1]
    assert match["list_id"] == "peer-measures" and match["alert"] is True
    assert finding["evidence"][2]["reference"] == "fr-case-31"
    assert any(v.startswith("peer-measures@") for v in found["evidence"]["list_versions"])
    # the innocent end user is not flagged
    assert all("Ministry" not in f["summary"] for f in found["findings"] if f["rule_id"] == RULE)
    # the filer never sees due diligence
    filer = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "vendor")).json()
    assert "fr-case-31" not in repr(filer)

    peers.receive_measure(replace(HEXA, revoked=True, comment="lifted"))
    again = submitted(client, world, parties)
    assert RULE not in {f["rule_id"] for f in run(client, world, again)["findings"]}
