"""The planted-secret sweep (issue 11), on SQLite and PostgreSQL.

A unique canary string goes into every confidential field of every kind — restricted records,
their names, aliases, descriptions and sources; restricted sources of public records and of
relationships; relationships with a restricted end; incident titles and summaries at every TLP,
victims' names, incident and attribution sources, decision reasons; licence applications and
their parties, advice, returned advice, decision reasoning, free-text grounds, appeals,
amendments; restriction cases, use authorisations — and each is driven through its whole life
(confirm, decide, appeal, amend, revoke, publish a report). Then every public output is read —
every tile and entry bundle of the log, ``/log/entries``, every receipt, the STIX and MVT
exports, every TAXII collection an anonymous or a community caller may read, the FtM export,
every public page and API read, the built report — and every view of the filing vendor, and
everything a peer node in an AMBER sharing group reads over TAXII (denial notices, restrictive
measures); the test fails on any canary found, naming the canary and where.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.core.auth import SYSTEM
from pallmall.core.paging import PageRequest
from pallmall.disclosure import PUBLIC
from pallmall.disclosure.marking import Tlp
from pallmall.federation.directory import PeerIn
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.log.layout import tiles_for_size
from pallmall.log.note import generate_signer
from pallmall.registry.ftm import export_entities
from pallmall.registry.store import RecordQuery
from pallmall.storage.database import Database
from pallmall.wiring import peer_directory, share_node_measures
from tests.integration.cases.conftest import World, auth, client, world  # noqa: F401

pytestmark = pytest.mark.slow
API = "/api/v1"


@dataclass
class Canaries:
    """Planted secrets by label; ``vendor_may_see`` those the filing vendor wrote itself."""

    planted: dict[str, str] = field(default_factory=dict)
    vendor_may_see: set[str] = field(default_factory=set)
    community_may_see: set[str] = field(default_factory=set)

    def __call__(self, label: str, *, vendor: bool = False, community: bool = False) -> str:
        value = f"zqx{label.replace('_', '')}{uuid.uuid4().hex[:10]}"
        self.planted[label] = value
        if vendor:
            self.vendor_may_see.add(label)
        if community:
            self.community_may_see.add(label)
        return value

    def find(
        self, text: str, where: str, allowed: frozenset[str] | set[str] = frozenset()
    ) -> list[str]:
        """``label in where`` for each planted value in ``text`` (any case) not ``allowed``."""
        low = text.lower()
        found = [label for label, v in self.planted.items() if v in low]
        return [f"{label} in {where}" for label in found if label not in allowed]


@dataclass
class Node:
    """What the journey made: ids to read back."""

    public_records: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    vendor_cases: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json() if response.content else None


# -- the journey ------------------------------------------------------------------------------


def plant_registry(c: TestClient, w: World, s: Canaries, node: Node) -> dict[str, str]:
    admin = auth(w, "admin")
    secret = ok(
        c.post(
            f"{API}/registry/records",
            headers=admin,
            json={
                "type": "organisation",
                "name": f"Secret Vendor {s('restricted_org_name')}",
                "aliases": [s("restricted_org_alias")],
                "description": s("restricted_org_description"),
                "kinds": ["vendor"],
                "visibility": "restricted",
                "designations": [DESIGNATION],
                "sources": [
                    {
                        "title": s("restricted_org_source"),
                        "url": f"https://x.example/{s('restricted_org_url')}",
                    }
                ],
            },
        ),
        201,
    )["id"]
    hidden_product = ok(
        c.post(
            f"{API}/registry/records",
            headers=admin,
            json={
                "type": "product",
                "name": s("restricted_product_name"),
                "visibility": "restricted",
            },
        ),
        201,
    )["id"]
    holding = ok(
        c.post(
            f"{API}/registry/records",
            headers=admin,
            json={
                "type": "organisation",
                "name": "Open Holding plc",
                "kinds": ["holding_company"],
                "sources": [
                    {"title": "Companies House filing", "url": "https://public.example/filing"},
                    {"title": s("restricted_source_of_public_record"), "visibility": "restricted"},
                ],
            },
        ),
        201,
    )["id"]
    node.public_records += [holding, w.vendor_id, w.product_id]
    ok(
        c.post(
            f"{API}/registry/relationships",
            headers=admin,
            json={
                "type": "owns",
                "source_id": secret,
                "target_id": holding,
                "share": 51,
                "sources": [{"title": s("restricted_owner_relationship_source")}],
            },
        ),
        201,
    )
    ok(
        c.post(
            f"{API}/registry/relationships",
            headers=admin,
            json={
                "type": "owns",
                "source_id": holding,
                "target_id": w.vendor_id,
                "share": 20,
                "sources": [
                    {"title": "Annual report 2025"},
                    {"title": s("restricted_source_of_relationship"), "visibility": "restricted"},
                ],
            },
        ),
        201,
    )
    # a record made restricted later: its later versions are never published
    later = ok(
        c.post(
            f"{API}/registry/records",
            headers=admin,
            json={"type": "organisation", "name": "Later Secret Co", "kinds": ["reseller_broker"]},
        ),
        201,
    )["id"]
    ok(
        c.put(
            f"{API}/registry/records/{later}",
            headers=admin,
            json={
                "type": "organisation",
                "name": "Later Secret Co",
                "kinds": ["reseller_broker"],
                "visibility": "restricted",
                "description": s("made_restricted_later_description"),
            },
        )
    )
    ok(
        c.put(
            f"{API}/registry/records/{secret}",
            headers=admin,
            json={
                "type": "organisation",
                "name": f"Secret Vendor {s('restricted_org_new_name')}",
                "kinds": ["vendor"],
                "visibility": "restricted",
                "designations": [DESIGNATION],
                "description": s("restricted_org_second_version"),
            },
        )
    )
    return {"secret_org": secret, "hidden_product": hidden_product, "holding": holding}


DESIGNATION = {
    "authority": "US Treasury OFAC SDN",
    "listed_on": "2024-01-01",
    "citation": "89 FR 1",
}
TLPS = ("clear", "green", "amber", "amber+strict", "red")


def plant_incidents(c: TestClient, w: World, s: Canaries, node: Node, ids: dict[str, str]) -> None:
    for n, tlp in enumerate(TLPS):
        tag = tlp.replace("+", "")
        green = tlp == "green"
        title = (
            f"Clear incident {n}"
            if tlp == "clear"
            else f"Incident {s(f'title_{tag}', community=green)}"
        )
        body = {
            "title": title,
            "summary": s(f"summary_{tag}", community=green),
            "categories": ["rights_violation"],
            "victims": [{"category": "journalist", "name": s(f"victim_{tag}"), "country": "MX"}],
            "attributions": [
                {
                    "role": "product",
                    "target_id": w.product_id,
                    "confidence": 80,
                    "sources": [s(f"attribution_source_{tag}", community=green)],
                },
                {"role": "operator", "target_id": ids["secret_org"], "confidence": 60},
            ],
            "sources": [
                s(f"incident_source_{tag}", community=green),
                {"ref": "https://public.example/lab-report", "visibility": "public"},
            ],
            "indicators": [
                f"[domain-name:value='{s(f'indicator_{tag}', community=green)}.example']"
            ]
            if tlp != "clear"
            else ["[domain-name:value='clear-c2.example']"],
            "tlp": tlp,
        }
        made = ok(c.post(f"{API}/intel/incidents", headers=auth(w, "admin"), json=body), 201)
        ok(
            c.post(
                f"{API}/intel/incidents/{made['id']}/decision",
                headers=auth(w, "oversight"),  # the incident is the admin's: oversight decides
                json={"verb": "confirm", "reason": s(f"decision_reason_{tag}")},
            )
        )
        node.incidents.append(made["id"])


def act(c: TestClient, w: World, user: str, cid: str, **body: Any) -> Any:
    return ok(c.post(f"{API}/cases/{cid}/transitions", headers=auth(w, user), json=body))


def licence(c: TestClient, w: World, s: Canaries, tag: str) -> str:
    body = {
        "authority_id": w.accounts["Authority A"],
        "product_id": w.product_id,
        "quantity": 2,
        "service_scope": s(f"service_scope_{tag}", vendor=True),
        "destination": "AE",
        "parties": [
            {
                "role": "end_user",
                "name": f"Agency {s(f'end_user_{tag}', vendor=True)}",
                "country": "AE",
            },
            {
                "role": "consignee",
                "name": f"Freight {s(f'consignee_{tag}', vendor=True)}",
                "country": "AE",
            },
        ],
        "end_use": s(f"end_use_{tag}", vendor=True),
        "end_use_category": "law_enforcement",
        "end_user_undertaking": s(f"undertaking_{tag}", vendor=True),
    }
    cid = ok(c.post(f"{API}/cases/licences", headers=auth(w, "vendor"), json=body), 201)["id"]
    act(c, w, "vendor", cid, verb="submit")
    act(c, w, "officer_a1", cid, verb="start_review")
    return str(cid)


def advise(c: TestClient, w: World, s: Canaries, cid: str, outcome: str, tag: str) -> None:
    act(
        c,
        w,
        "officer_a1",
        cid,
        verb="advise",
        outcome=outcome,
        grounds=["sanctions.blocked-party@1", s(f"free_text_ground_{tag}")],
        conditions=["no re-export"] if outcome.startswith("approve") else [],
        reason=s(f"advice_reason_{tag}"),
    )


def plant_cases(c: TestClient, w: World, s: Canaries, node: Node, ids: dict[str, str]) -> None:
    denied = licence(c, w, s, "a")
    advise(c, w, s, denied, "deny", "a1")
    act(c, w, "officer_a2", denied, verb="return_advice", reason=s("returned_advice_reason"))
    advise(c, w, s, denied, "deny", "a2")
    act(
        c,
        w,
        "officer_a2",
        denied,
        verb="countersign",
        reason=s("decision_reasoning_a"),
        public_statement="Refused under the restricted-party rule.",
    )
    act(c, w, "vendor", denied, verb="appeal", reason=s("appeal_reason", vendor=True))
    act(
        c,
        w,
        "admin",  # an officer who took no part in the decision appealed
        denied,
        verb="dismiss_appeal",
        reason=s("appeal_dismissal_reasoning"),
        public_statement="The appeal is dismissed.",
    )

    approved = licence(c, w, s, "b")
    advise(c, w, s, approved, "approve_with_conditions", "b")
    act(
        c,
        w,
        "officer_a2",
        approved,
        verb="countersign",
        reason=s("decision_reasoning_b"),
        undercut_justification=s("undercut_justification"),
    )
    act(
        c,
        w,
        "officer_a1",
        approved,
        verb="amend",
        conditions=[f"report quarterly to {s('amended_condition', vendor=True)}"],
        reason=s("amend_reason"),
        public_statement="Conditions tightened.",
    )
    act(c, w, "officer_a2", approved, verb="revoke", reason=s("revoke_reasoning"))
    node.vendor_cases += [denied, approved]

    def file_for(product_id: str) -> Any:
        body = {
            "authority_id": w.accounts["Authority A"],
            "product_id": product_id,
            "quantity": 1,
            "destination": "AE",
            "parties": [{"role": "end_user", "name": "Police", "country": "AE"}],
            "end_use": "policing",
            "end_use_category": "law_enforcement",
        }
        return c.post(f"{API}/cases/licences", headers=auth(w, "vendor"), json=body)

    # a restricted product is as unknown to a vendor as an absent one
    refused, absent = file_for(ids["hidden_product"]), file_for("prd-absent")
    assert refused.status_code == absent.status_code == 422
    detail = refused.json()["detail"].replace(ids["hidden_product"], "ID")
    assert detail == absent.json()["detail"].replace("prd-absent", "ID")
    node_text = refused.text

    restriction = ok(
        c.post(
            f"{API}/cases/restrictions",
            headers=auth(w, "officer_a1"),
            json={"vendor_record_id": ids["secret_org"], "grounds": s("restriction_grounds")},
        ),
        201,
    )["id"]
    act(
        c,
        w,
        "officer_a1",
        restriction,
        verb="advise",
        outcome="restrict",
        grounds=[s("restriction_free_text_ground")],
        reason=s("restriction_advice_reason"),
    )
    act(c, w, "officer_a2", restriction, verb="countersign", reason=s("restriction_reasoning"))

    use = ok(
        c.post(
            f"{API}/cases/authorisations",
            headers=auth(w, "state_user"),
            json={
                "product_id": w.product_id,
                "purpose": s("use_purpose"),
                "legal_basis": s("use_legal_basis"),
                "necessity": s("use_necessity"),
                "proportionality": s("use_proportionality"),
                "approver": w.users["oversight"],
                "duration_days": 30,
            },
        ),
        201,
    )["id"]
    act(c, w, "state_user", use, verb="submit")
    act(c, w, "oversight", use, verb="sign_off", reason=s("sign_off_reasoning"))
    assert not s.find(node_text, "the refusal of a restricted product")


# -- the sweep --------------------------------------------------------------------------------


def settle(c: TestClient) -> int:
    """Wait until every public change is in the log and integrated; return the log size."""
    deadline = time.monotonic() + 30
    total = size = -1
    while time.monotonic() < deadline:
        total = c.get("/log/entries", params={"limit": 1}).json()["total"]
        size = int(c.get("/log/checkpoint").text.splitlines()[1])
        if total > 0 and size >= total:
            time.sleep(0.3)  # nothing more pending: a last look
            again = c.get("/log/entries", params={"limit": 1}).json()["total"]
            if again == total:
                return size
        time.sleep(0.1)
    raise AssertionError(f"the log did not settle: {total} logged, checkpoint {size}")


def public_texts(c: TestClient, size: int, node: Node) -> Iterator[tuple[str, str]]:
    """(where, text) of every public output, read as an anonymous caller."""
    yield "/log/checkpoint", c.get("/log/checkpoint").text
    for tile in tiles_for_size(size):
        path = tile.path()
        got = c.get(f"/log/{path}")
        assert got.status_code == 200, path
        yield path, got.content.decode("latin-1")
    offset = 0
    while True:
        page = c.get("/log/entries", params={"offset": offset, "limit": 500}).json()
        yield f"/log/entries?offset={offset}", str(page)
        if not page["has_more"]:
            break
        offset += 500
    for index in range(size):
        yield f"/log/receipt/{index}", c.get(f"/log/receipt/{index}").text
        yield f"/transparency-log/entries/{index}", c.get(f"/transparency-log/entries/{index}").text
    yield "export.stix", c.get(f"{API}/intel/export.stix").text
    yield "export.mvt", c.get(f"{API}/intel/export.mvt").text
    yield from taxii_texts(c, {}, "anonymous")
    pages = ["/", "/incidents", "/restrictions", "/reports", "/statistics", "/transparency-log"]
    pages += ["/transparency-log/verify", "/search?q=secret", "/search?q=vendor"]
    pages += [f"/records/{r}" for r in node.public_records]
    pages += [f"/incidents/{i}" for i in node.incidents]
    for report in node.reports:
        pages += [f"/reports/{report}", f"/reports/{report}.csv", f"/reports/{report}.json"]
    for path in pages:
        yield path, c.get(path).text
    reads = [
        f"{API}/registry/records?limit=500",
        f"{API}/intel/incidents?limit=500",
        f"{API}/reports",
    ]
    reads += [f"{API}/registry/records/{r}" for r in node.public_records]
    reads += [f"{API}/registry/records/{r}/relationships" for r in node.public_records]
    reads += [f"{API}/reports/{r}" for r in node.reports]
    for path in reads:
        yield path, c.get(path).text


def taxii_texts(c: TestClient, headers: dict[str, str], who: str) -> Iterator[tuple[str, str]]:
    accept = {"Accept": "application/taxii+json;version=2.1", **headers}
    yield f"taxii discovery ({who})", c.get("/taxii2/", headers=accept).text
    for spec in DEFAULT_COLLECTIONS:
        url = f"/taxii2/intel/collections/{spec.id}/objects/"
        got = c.get(url, headers=accept)
        if got.status_code == 200:
            yield f"taxii {spec.alias} ({who})", got.text


PEER_MAY_SEE = frozenset({"end_user_a", "consignee_a", "end_use_a"})
"""What a denial notice carries by design (the regimes' fields): the denied application's
end user, consignee and stated end use."""


def add_peer(db: Database) -> str:
    """Another state's node, member of an AMBER sharing group before the journey; the token
    it calls this node with."""
    origin = "fr.pallmall.example/log"
    with db.write() as tx:
        directory = peer_directory(tx)
        new = PeerIn("fr", "http://127.0.0.1:1", origin, generate_signer(origin).vkey, "FR")
        token = directory.add_peer(SYSTEM, new).token
        directory.add_group(SYSTEM, "partners", Tlp.AMBER)
        directory.join(SYSTEM, "partners", "fr")
    return token


def peer_texts(c: TestClient, token: str) -> Iterator[tuple[str, str]]:
    """Every object version of every collection the peer may read, page by page."""
    headers = {"Accept": "application/taxii+json;version=2.1", "Authorization": f"Bearer {token}"}
    listed = ok(c.get("/taxii2/intel/collections/", headers=headers))["collections"]
    for collection in listed:
        if not collection["can_read"]:
            continue
        url = f"/taxii2/intel/collections/{collection['id']}/objects/"
        params = {"match[version]": "all"}
        while True:
            page = ok(c.get(url, headers=headers, params=params))
            yield f"taxii {collection['alias']} (peer)", str(page)
            if not page.get("more"):
                break
            params = {**params, "next": page["next"]}


def vendor_texts(c: TestClient, w: World, node: Node) -> Iterator[tuple[str, str]]:
    headers = auth(w, "vendor")
    yield "vendor: case list", c.get(f"{API}/cases", headers=headers).text
    yield "vendor: cases page", c.get("/cases", headers=headers).text
    for cid in node.vendor_cases:
        yield f"vendor: {cid}", c.get(f"{API}/cases/{cid}", headers=headers).text
        yield f"vendor: page {cid}", c.get(f"/cases/{cid}", headers=headers).text
    yield "vendor: notifications", c.get(f"{API}/cases/notifications", headers=headers).text
    yield "vendor: registry search", c.get(f"{API}/registry/records?q=secret", headers=headers).text


def test_no_planted_secret_leaves_the_node(client: TestClient, world: World, db: Database) -> None:  # noqa: F811
    s, node = Canaries(), Node()
    peer = add_peer(db)
    ids = plant_registry(client, world, s, node)
    plant_incidents(client, world, s, node, ids)
    plant_cases(client, world, s, node, ids)
    app = client.app.state.node  # type: ignore[attr-defined]  # Starlette's app is untyped here
    share_node_measures(db, app.cases)  # what a sync tells the groups first
    settle(client)
    report = ok(
        client.post(
            f"{API}/reports",
            headers=auth(world, "officer_a1"),
            json={"state": "GB", "period": "2026"},
        ),
        201,
    )
    node.reports.append(report["id"])
    size = settle(client)

    leaks: list[str] = []
    for where, text in public_texts(client, size, node):
        leaks += s.find(text, where)
    community = auth(world, "officer_b")  # a regulator: reads the community collection
    for where, text in taxii_texts(client, community, "community"):
        leaks += s.find(text, where, s.community_may_see)
    # another state's regulator, not shared with: a GREEN incident's title, nothing more
    for path in [f"{API}/intel/incidents?limit=500"] + [
        f"{API}/intel/incidents/{i}" for i in node.incidents
    ]:
        text = client.get(path, headers=community).text
        leaks += s.find(text, f"{path} (officer_b)", {"title_green"})
    for where, text in vendor_texts(client, world, node):
        leaks += s.find(text, where, s.vendor_may_see)
    told = ""
    for where, text in peer_texts(client, peer):
        leaks += s.find(text, where, PEER_MAY_SEE)
        told += text
    # the sweep read what peers are told: the denial notice, with what it carries by design
    assert "x-pallmall-denial-notice" in told and s.planted["end_user_a"] in told.lower()
    # an analyst (no restricted registry read) gets no restricted owner from the 50 % rule
    analyst = client.get(
        f"{API}/screening/ownership/{ids['holding']}", headers=auth(world, "analyst")
    )
    regulator = client.get(
        f"{API}/screening/ownership/{ids['holding']}", headers=auth(world, "officer_a1")
    )
    assert ids["secret_org"] not in ok(analyst).__repr__()
    assert ids["secret_org"] in ok(regulator).__repr__()
    with db.read() as tx:
        records = tx.registry.search(
            RecordQuery(include_restricted=True), PageRequest(0, 500)
        ).items
        ftm = str(list(export_entities(records, tx.registry.all_relationships(), PUBLIC)))
    leaks += s.find(ftm, "the FtM export")
    assert not leaks, "\n".join(sorted(set(leaks)))

    # the sweep read what it planted: the public parts are there, and so is the log's proof
    # that the secrets exist (commitments), without their content
    entries = client.get("/log/entries", params={"limit": 500}).json()["items"]
    kinds = {e["kind"] for e in entries}
    assert {
        "cases.licence.decided",
        "cases.licence.appeal_dismissed",
        "cases.licence.amended",
    } <= kinds
    assert {
        "cases.licence.revoked",
        "cases.restriction.decided",
        "intel.incident.confirmed",
    } <= kinds
    assert {"report.published", "registry.relationship.saved"} <= kinds
    withheld = [e for e in entries if e["subject"].startswith("withheld-")]
    assert any(e["kind"] == "intel.incident.confirmed" for e in withheld)
    assert sum(1 for e in entries if e["kind"] == "intel.incident.confirmed") == len(TLPS)
    statements = {
        e["public"].get("public_statement") for e in entries if e["kind"].startswith("cases.")
    }
    assert "Refused under the restricted-party rule." in statements
    assert re.search(r"Clear incident 0", client.get("/incidents").text)
