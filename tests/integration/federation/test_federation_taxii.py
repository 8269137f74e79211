"""The federation collections on the node's TAXII server, through the real app, on SQLite and
PostgreSQL: a member peer reads its group (objects once logged, with x_pallmall_log), a
non-member never learns the group exists, peers push to the inbox (kept unverified)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.cases.exchange import Consultation, DenialNotice, NoticeParty
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Principal, Role
from pallmall.core.settings import Settings
from pallmall.disclosure.kinds import FEDERATION_SHARED
from pallmall.disclosure.marking import Tlp
from pallmall.federation.collections import group_collection_id, inbox_collection_id
from pallmall.federation.directory import PeerIn
from pallmall.federation.objects import canonical_body
from pallmall.federation.stix import (
    CONSULTATION_TYPE,
    LOG_PROPERTY,
    Envelope,
    consultation_to_stix,
    new_object_id,
)
from pallmall.intel.incident import (
    AbuseCategory,
    IncidentDraft,
    Verb,
    VictimCategory,
    VictimDraft,
)
from pallmall.intel.taxii import ObjectQuery
from pallmall.log import parse_entry
from pallmall.log.note import generate_signer
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.wiring import (
    denial_exchange,
    federation_collections,
    incident_desk,
    peer_directory,
)
from tests.helpers import publish

ORIGIN = "gb.pallmall.example/log"
FR = "fr.pallmall.example/log"
TAXII = {"Accept": "application/taxii+json;version=2.1"}
POST = {**TAXII, "Content-Type": "application/taxii+json;version=2.1"}
SETTINGS = Settings(log_origin=ORIGIN, node_state="GB", session_secret="test-secret")


def notice(reference: str) -> DenialNotice:
    return DenialNotice(
        reference=reference,
        notifying_node=ORIGIN,
        notifying_state="GB",
        notified_on=date(2026, 11, 30),
        item_description="Zero-click exploit chain",
        control_entry=("4.D.4",),
        product_category="device_intrusion",
        destination="XX",
        end_use="interception",
        end_user=NoticeParty("Ministry of Interior", "XX"),
    )


@dataclass(frozen=True)
class Node:
    client: TestClient
    db: Database
    tokens: dict[str, str]

    def get(self, who: str, path: str, **params: str) -> Any:
        headers = {**TAXII, "Authorization": f"Bearer {self.tokens[who]}"} if who else TAXII
        return self.client.get(path, headers=headers, params=params)

    def collections(self, who: str) -> dict[str, str]:
        found = self.get(who, "/taxii2/intel/collections/").json()
        listed = found.get("collections", [])
        return {c["alias"]: c["id"] for c in listed if c["alias"].startswith("fed-")}


@pytest.fixture
def node(db: Database, tmp_path: Path) -> Iterator[Node]:
    tokens = {}
    with db.write() as tx:
        directory = peer_directory(tx)
        for name, origin, state in (("fr", FR, "FR"), ("de", "de.pallmall.example/log", "DE")):
            vkey = generate_signer(origin).vkey
            new = PeerIn(name, "http://127.0.0.1:1", origin, vkey, state)
            tokens[name] = directory.add_peer(SYSTEM, new).token
        directory.add_group(SYSTEM, "wa", Tlp.AMBER, "Wassenaar partners")
        directory.add_group(SYSTEM, "eu", Tlp.AMBER)
        directory.join(SYSTEM, "wa", "fr")
        accounts = AccountService(tx.accounts, tx.audit)
        org = accounts.ensure_org(SYSTEM, "GB ECJU", AccountKind.EXPORT_AUTHORITY, "GB")
        officer = accounts.create_user(SYSTEM, "o@gb.example", "o", Role.REGULATOR, org)
        tokens["officer"] = accounts.issue_token(SYSTEM, officer)
        org = accounts.ensure_org(SYSTEM, "Lab", AccountKind.INTEL_TEAM)
        analyst = accounts.create_user(SYSTEM, "a@lab.example", "a", Role.ANALYST, org)
        tokens["analyst"] = accounts.issue_token(SYSTEM, analyst)
    settings = Settings(**{**SETTINGS.__dict__, "data_dir": tmp_path})
    with TestClient(create_app(settings, db)) as client:
        yield Node(client, db, tokens)


def test_membership_decides_what_each_caller_sees(node: Node) -> None:
    wa = group_collection_id(ORIGIN, "wa")
    assert node.collections("fr") == {"fed-wa": wa, "fed-inbox": inbox_collection_id(ORIGIN)}
    assert node.collections("de") == {"fed-inbox": inbox_collection_id(ORIGIN)}
    officer = node.collections("officer")
    assert {"fed-wa", "fed-eu"} <= set(officer) and "fed-inbox" not in officer
    for who in ("", "analyst"):
        assert node.collections(who) == {}
    for who in ("de", "analyst", ""):
        for ref in (wa, "fed-wa", group_collection_id(ORIGIN, "nope")):
            got = node.get(who, f"/taxii2/intel/collections/{ref}/objects/")
            assert got.status_code == 404, (who, ref, got.text)
            assert node.get(who, f"/taxii2/intel/collections/{ref}/").status_code == 404
    assert node.get("fr", f"/taxii2/intel/collections/{wa}/").json()["can_write"] is False
    got = node.get("fr", f"/taxii2/intel/collections/{inbox_collection_id(ORIGIN)}/objects/")
    assert got.status_code == 403


def test_objects_are_served_once_logged_with_their_log_index(node: Node) -> None:
    wa = f"/taxii2/intel/collections/{group_collection_id(ORIGIN, 'wa')}/objects/"
    with node.db.write() as tx:
        denial_exchange(tx, SETTINGS).notify_denial(notice("case-1"))
    tlog = publish(node.client)
    served = node.get("fr", wa).json()
    assert served["more"] is False and len(served["objects"]) == 1
    obj = served["objects"][0]
    log = obj[LOG_PROPERTY]
    assert log["origin"] == ORIGIN and obj["reference"] == "case-1"
    entry = parse_entry(tlog.entry(log["index"]))
    digest = hashlib.sha256(canonical_body(obj).encode()).hexdigest()
    assert entry.kind == FEDERATION_SHARED and dict(entry.public) == {"object_sha256": digest}
    assert "case-1" not in json.dumps(entry.to_json())
    with node.db.write() as tx:
        denial_exchange(tx, SETTINGS).notify_denial(notice("case-2"))
    publish(node.client)
    first = node.get("fr", wa, limit="1").json()
    assert first["more"] is True and first["objects"][0]["reference"] == "case-1"
    second = node.get("fr", wa, limit="1", next=first["next"]).json()
    assert second["objects"][0]["reference"] == "case-2" and second["more"] is False
    added = node.get("fr", wa).headers["X-TAXII-Date-Added-First"]
    later = node.get("fr", wa, added_after=added).json()
    assert [o["reference"] for o in later["objects"]] == ["case-2"]
    manifest = node.get("fr", wa.replace("objects/", "manifest/")).json()
    assert len(manifest["objects"]) == 2
    one = node.get("fr", wa + obj["id"] + "/versions/").json()
    assert one["versions"] == [obj["modified"]]


def _consultation(consulting: str = FR, index: Any = 7) -> dict[str, Any]:
    consultation = Consultation(
        ORIGIN, "case-1", consulting, "FR", "fr-case-9", date(2026, 12, 1), "granted", "why"
    )
    env = Envelope(new_object_id(CONSULTATION_TYPE), 1, 2, Tlp.AMBER)
    obj = consultation_to_stix(consultation, env)
    obj[LOG_PROPERTY] = {"origin": FR, "index": index}
    return obj


def test_a_peer_pushes_to_the_inbox_and_what_it_pushes_waits_unverified(node: Node) -> None:
    inbox = f"/taxii2/intel/collections/{inbox_collection_id(ORIGIN)}/objects/"
    good, forged, garbage = _consultation(), _consultation("de.pallmall.example/log"), {"x": 1}
    unlogged = _consultation(index="seven")
    body = {"objects": [good, forged, garbage, unlogged]}
    headers = {**POST, "Authorization": f"Bearer {node.tokens['fr']}"}
    status = node.client.post(inbox, headers=headers, json=body)
    assert status.status_code == 202, status.text
    resource = status.json()
    assert resource["success_count"] == 1 and resource["failure_count"] == 3
    assert resource["successes"][0]["id"] == good["id"]
    again = node.get("fr", f"/taxii2/intel/status/{resource['id']}/")
    assert again.status_code == 200 and again.json()["success_count"] == 1
    with node.db.read() as tx:
        (row,) = SqlFederationStore(tx.conn).received(CONSULTATION_TYPE, "", verified_only=False)
        assert SqlFederationStore(tx.conn).received(CONSULTATION_TYPE, "") == []
    assert row.peer_name == "fr" and row.verified_size is None and row.log_index == 7
    assert row.body == canonical_body(good)
    for who in ("officer", "analyst"):
        headers = {**POST, "Authorization": f"Bearer {node.tokens[who]}"}
        refused = node.client.post(inbox, headers=headers, json={"objects": [good]})
        assert refused.status_code == 404, who


def test_a_page_stops_before_the_first_version_not_yet_logged(db: Database) -> None:
    with db.write() as tx:
        peer_directory(tx).add_group(SYSTEM, "wa", Tlp.AMBER)
        for reference in ("case-1", "case-2", "case-3"):
            denial_exchange(tx, SETTINGS).notify_denial(notice(reference))
    with db.write() as tx:
        pending = tx.outbox.pending()
        for n, (outbox_id, _) in enumerate(pending):
            if n != 1:  # case-2 waits for the log
                tx.outbox.mark_logged(outbox_id, n, "00" * 32, {})
    group = federation_collections(SETTINGS, db).find("fed-wa", SYSTEM)
    assert group is not None
    page = group.page(ObjectQuery(limit=10))
    assert [json.loads(r.body)["reference"] for r in page.rows] == ["case-1"]
    assert page.more is False
    with db.write() as tx:
        tx.outbox.mark_logged(pending[1][0], 1, "00" * 32, {})
    page = group.page(ObjectQuery(limit=2))
    assert [json.loads(r.body)["reference"] for r in page.rows] == ["case-1", "case-2"]
    assert page.more is True


def test_an_incident_holder_shares_it_through_the_api_and_members_read_it(node: Node) -> None:
    with node.db.read() as tx:
        found = tx.accounts.user_by_email("o@gb.example")
    assert found is not None
    officer = found[0].principal()
    reporter = Principal(user_id="u-analyst", role=Role.ANALYST, account_id=officer.account_id)
    with node.db.write() as tx:
        draft = IncidentDraft(
            title="Stinger against a lawyer",
            summary="the restricted summary",
            categories=(AbuseCategory.UNLAWFUL_PRIVACY_INTERFERENCE,),
            victims=(VictimDraft(VictimCategory.LAWYER, name="Named Lawyer"),),
            tlp=Tlp.AMBER,
            indicators=("[domain-name:value='c2.example.net']",),
        )
        incident_id = incident_desk(tx, reporter).report(reporter, draft).id
        incident_desk(tx, officer).decide(officer, incident_id, Verb.CONFIRM, "ok")
    url = f"/api/v1/federation/groups/wa/incidents/{incident_id}"
    shared = node.client.post(url, headers={"Authorization": f"Bearer {node.tokens['officer']}"})
    assert shared.status_code == 200, shared.text
    assert shared.json()["added"] > 0
    refused = node.client.post(url, headers={"Authorization": f"Bearer {node.tokens['fr']}"})
    assert refused.status_code == 403
    publish(node.client)
    wa = f"/taxii2/intel/collections/{group_collection_id(ORIGIN, 'wa')}/objects/"
    served = node.get("fr", wa).json()["objects"]
    text = json.dumps(served)
    assert "c2.example.net" in text and "Named Lawyer" not in text
    assert "the restricted summary" not in text
    assert {o["type"] for o in served} >= {"campaign", "report", "indicator"}
