"""No undercut across nodes through the API, on SQLite and PostgreSQL (issue 17).

The node (log origin ``gb.pallmall.example/log``) talks to other states' nodes through an
in-memory :class:`~tests.peers.PeerNodes`: a denial by Authority A (GB) is sent as a
denial notice carrying only what may leave (never the advice, reasoning or free-text
grounds); an appeal allowed withdraws it; a notice received from Germany's node makes a
similar application here (the consignee spelled with its legal form written out and typos)
carry ``no-undercut.prior-denial`` naming Germany and the notice, unless the notice was
withdrawn; approving such an application needs a justification, which goes to Germany's
node as a consultation and never to the log or the filer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.cases.exchange import Consultation, DenialNotice, NoticeParty
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.core.settings import Settings
from pallmall.log import Receipt
from pallmall.storage.database import Database
from pallmall.wiring import case_service
from tests.integration.cases.conftest import World, act, auth, file
from tests.integration.cases.test_licence_flow import logged, tree_size
from tests.peers import PeerNodes
from tests.security.conftest import PASSWORD, form_token, sign_in
from tests.security.test_four_eyes import add_user

ORIGIN = "gb.pallmall.example/log"
GERMANY = "de.pallmall.example/log"
RULE = "no-undercut.prior-denial"
SECRET = "CANARY-undercut"


@pytest.fixture
def peers() -> PeerNodes:
    return PeerNodes()


@pytest.fixture
def client(db: Database, tmp_path: Path, peers: PeerNodes) -> Iterator[TestClient]:
    """The whole app on ``db``, its denial exchange the in-memory peers."""
    settings = Settings(data_dir=tmp_path, session_secret="test-secret", log_origin=ORIGIN)
    with TestClient(create_app(settings, db, exchange=lambda tx: peers)) as test_client:
        yield test_client


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def deny(client: TestClient, world: World) -> str:
    """File to Authority A (a consignee with its address), classify, deny with a public
    statement and confidential reasoning; the case id."""
    parties = [
        {"role": "end_user", "name": "Pozitiv Teknolodzhiz AO", "country": "RU"},
        {
            "role": "consignee",
            "name": "Northern Freight LLC",
            "country": "AM",
            "address": "12 Tigran Mets Ave, Yerevan",
        },
    ]
    cid: str = file(client, world, parties=parties)["id"]
    ok(act(client, world, "vendor", cid, verb="submit"))
    ok(act(client, world, "officer_a1", cid, verb="start_review"))
    classified = client.post(
        f"/api/v1/cases/{cid}/classification",
        json={"basis": "listed", "control_codes": ["4.D.4"], "note": f"{SECRET}-note"},
        headers=auth(world, "officer_a1"),
    )
    assert classified.status_code == 200, classified.text
    ok(
        act(
            client,
            world,
            "officer_a1",
            cid,
            verb="advise",
            outcome="deny",
            grounds=["sanctions.blocked-party@1", f"{SECRET}-free-text-ground"],
            reason=f"{SECRET}-advice-reason",
        )
    )
    denied = ok(
        act(
            client,
            world,
            "officer_a2",
            cid,
            verb="countersign",
            reason=f"{SECRET}-decision-reasoning",
            public_statement="Refused: the end user is on a restricted-party list.",
        )
    )
    assert denied["status"] == "denied"
    return cid


def test_a_denial_sends_a_notice_with_only_what_may_leave(
    client: TestClient, world: World, peers: PeerNodes
) -> None:
    cid = deny(client, world)

    (notice,) = peers.sent
    assert notice.reference == cid
    assert notice.notifying_node == ORIGIN and notice.notifying_state == "GB"
    assert notice.notified_on == datetime.now(UTC).date()
    assert notice.item_description == "Hermit-X (device_intrusion)"
    assert notice.control_entry == ("4.D.4",)
    assert notice.product_category == "device_intrusion" and notice.destination == "RU"
    assert notice.end_use == "law_enforcement: lawful interception for the national police"
    assert notice.end_user == NoticeParty("Pozitiv Teknolodzhiz AO", "RU")
    assert notice.consignees == (
        NoticeParty("Northern Freight LLC", "AM", "12 Tigran Mets Ave, Yerevan"),
    )
    assert notice.reason == (
        "rules cited: sanctions.blocked-party@1; "
        "Refused: the end user is on a restricted-party list."
    )
    assert "Wassenaar" in notice.regime_reference
    assert not notice.revoked and notice.comment == ""
    assert SECRET not in repr(notice)
    assert peers.consulted == []


def appeal(client: TestClient, world: World, db: Database, cid: str) -> None:
    """The vendor appeals; officer_a3 advises approval, officer_a4 countersigns (officers
    who took no part in the denial)."""
    for name in ("officer_a3", "officer_a4"):
        add_user(db, world, name, Role.REGULATOR, "Authority A", AccountKind.EXPORT_AUTHORITY)
    ok(act(client, world, "vendor", cid, verb="appeal", reason="the end user is the police"))


def test_an_appeal_allowed_withdraws_the_notice(
    client: TestClient, world: World, db: Database, peers: PeerNodes
) -> None:
    cid = deny(client, world)
    appeal(client, world, db, cid)
    advice = {"outcome": "approve_with_conditions", "grounds": ["appeal"], "conditions": ["c"]}
    ok(act(client, world, "officer_a3", cid, verb="advise", **advice))
    allowed = ok(
        act(
            client,
            world,
            "officer_a4",
            cid,
            verb="countersign",
            public_statement="Allowed on appeal: the end user is a police force.",
        )
    )
    assert allowed["status"] == "approved_with_conditions"

    first, withdrawn = peers.sent
    assert withdrawn.revoked and not first.revoked
    assert withdrawn.reference == first.reference == cid
    # the same notice, every field kept, the date of the denial included
    assert withdrawn.reason == first.reason and withdrawn.notified_on == first.notified_on
    assert withdrawn.consignees == first.consignees
    assert withdrawn.comment == (
        "withdrawn: the denial was set aside on appeal and a licence approved "
        "(Allowed on appeal: the end user is a police force.)"
    )


def test_a_dismissed_appeal_sends_the_notice_again_in_force(
    client: TestClient, world: World, db: Database, peers: PeerNodes
) -> None:
    cid = deny(client, world)
    appeal(client, world, db, cid)
    dismissed = act(client, world, "officer_a3", cid, verb="dismiss_appeal", reason="stands")
    assert ok(dismissed)["status"] == "denied"

    first, upheld = peers.sent
    assert upheld.reference == first.reference and not upheld.revoked
    assert upheld.notified_on == first.notified_on


def german_notice(**changes: Any) -> DenialNotice:
    """Germany's notice: a consignee in Armenia, a device-intrusion product."""
    fields: dict[str, Any] = {
        "reference": "DE-2026-0042",
        "notifying_node": GERMANY,
        "notifying_state": "DE",
        "notified_on": date(2026, 3, 2),
        "item_description": "an intrusion suite",
        "control_entry": ("4.A.5",),
        "product_category": "device_intrusion",
        "destination": "AM",
        "end_use": "law_enforcement: interception",
        "end_user": NoticeParty("Yerevan Trade House CJSC", "AM"),
        "consignees": (NoticeParty("Northern Freight LLC", "AM", "Yerevan"),),
        "reason": "rules cited: sanctions.blocked-party@1",
    }
    fields.update(changes)
    return DenialNotice(**fields)


def similar(client: TestClient, world: World, **changes: Any) -> str:
    """File and submit to Authority B an application whose consignee is Germany's, spelled
    with its legal form written out and two typos; the case id."""
    case = file(
        client,
        world,
        "vendor2",
        authority_id=world.accounts["Authority B"],
        destination="AM",
        parties=[
            {"role": "end_user", "name": "Armenian Police Academy", "country": "AM"},
            {
                "role": "consignee",
                "name": "Nothern Frieght Limited Liability Company",
                "country": "AM",
            },
        ],
        **changes,
    )
    ok(act(client, world, "vendor2", case["id"], verb="submit"))
    return str(case["id"])


def undercut_findings(
    client: TestClient, world: World, cid: str, user: str = "officer_b"
) -> list[dict[str, Any]]:
    detail = ok(client.get(f"/api/v1/cases/{cid}", headers=auth(world, user)))
    return [f for f in detail["diligence"][-1]["findings"] if f["rule_id"] == RULE]


def test_a_similar_application_carries_the_foreign_denial(
    client: TestClient, world: World, peers: PeerNodes
) -> None:
    peers.receive(german_notice())

    (finding,) = undercut_findings(client, world, similar(client, world))

    assert finding["severity"] == "high"
    assert "DE" in finding["summary"] and "DE-2026-0042" in finding["summary"]
    evidence = finding["evidence"][0]
    assert evidence["notifying_state"] == "DE" and evidence["notifying_node"] == GERMANY
    assert evidence["reference"] == "DE-2026-0042" and evidence["case_id"] == ""
    assert evidence["decided_at"] == "2026-03-02"
    (line,) = evidence["matched_on"][1:]
    assert line.startswith(
        "consignee: 'Nothern Frieght Limited Liability Company' ~ 'Northern Freight LLC' (0."
    )


def test_a_withdrawn_notice_does_not_match(
    client: TestClient, world: World, peers: PeerNodes
) -> None:
    peers.receive(german_notice())
    cid = similar(client, world)
    assert len(undercut_findings(client, world, cid)) == 1

    peers.receive(german_notice(revoked=True, comment="withdrawn on appeal"))
    rerun = client.post(f"/api/v1/cases/{cid}/diligence", headers=auth(world, "officer_b"))
    assert rerun.status_code == 200, rerun.text

    assert undercut_findings(client, world, cid) == []
    assert undercut_findings(client, world, similar(client, world)) == []


def test_another_category_or_party_does_not_match(
    client: TestClient, world: World, peers: PeerNodes
) -> None:
    peers.receive(german_notice(product_category="exploit_chain"))
    peers.receive(
        german_notice(
            reference="DE-2026-0043",
            end_user=NoticeParty("Southern Freight LLC", "AM"),
            consignees=(),
        )
    )
    assert undercut_findings(client, world, similar(client, world)) == []


def review_and_advise_approval(client: TestClient, world: World, cid: str, **extra: Any) -> Any:
    ok(act(client, world, "officer_b", cid, verb="start_review"))
    return act(
        client,
        world,
        "officer_b",
        cid,
        verb="advise",
        outcome="approve_with_conditions",
        grounds=["no-undercut.prior-denial@1"],
        conditions=["end-use check after delivery"],
        **extra,
    )


def test_granting_over_a_foreign_denial_needs_a_justification_sent_as_a_consultation(
    client: TestClient, world: World, db: Database, peers: PeerNodes
) -> None:
    add_user(db, world, "officer_b2", Role.REGULATOR, "Authority B", AccountKind.EXPORT_AUTHORITY)
    peers.receive(german_notice())
    cid = similar(client, world)

    missing = review_and_advise_approval(client, world, cid)
    assert missing.status_code == 422, missing.text
    assert "undercut_justification" in missing.text and "DE" in missing.text

    why = f"{SECRET}: the consignee was acquired by a vetted carrier in 2026"
    ok(
        act(
            client,
            world,
            "officer_b",
            cid,
            verb="advise",
            outcome="approve_with_conditions",
            grounds=["no-undercut.prior-denial@1"],
            conditions=["c"],
            undercut_justification=why,
        )
    )
    granted = ok(
        act(
            client,
            world,
            "officer_b2",
            cid,
            verb="countersign",
            public_statement="Licence granted with conditions.",
        )
    )
    assert granted["status"] == "approved_with_conditions"
    assert granted["state"]["decision"]["undercut_justification"] == why

    (consultation,) = peers.consulted
    assert consultation.denial_node == GERMANY
    assert consultation.denial_reference == "DE-2026-0042"
    assert consultation.consulting_node == ORIGIN and consultation.consulting_state == "FR"
    assert (
        consultation.case_reference == cid and consultation.decided_on == datetime.now(UTC).date()
    )
    assert consultation.outcome == "approve_with_conditions"
    assert consultation.justification == why
    assert peers.sent == []  # an approval is no denial

    # never in the public log entry (committed to), never in the filer's view
    entry = logged(client, cid)
    assert SECRET not in str(entry)
    tree_size(client, entry["index"] + 1)
    receipt = Receipt.from_json(client.get(f"/log/receipt/{entry['index']}").json())
    assert SECRET not in receipt.entry.decode()
    filer = client.get(f"/api/v1/cases/{cid}", headers=auth(world, "vendor2"))
    assert filer.status_code == 200 and SECRET not in filer.text


def test_a_justification_too_short_is_refused_at_the_countersignature(
    client: TestClient, world: World, db: Database, peers: PeerNodes
) -> None:
    """Advice given before the notice arrived carries no justification; the finding a
    re-run brings makes the countersignature ask for one."""
    add_user(db, world, "officer_b2", Role.REGULATOR, "Authority B", AccountKind.EXPORT_AUTHORITY)
    cid = similar(client, world)
    ok(review_and_advise_approval(client, world, cid))
    peers.receive(german_notice())
    rerun = client.post(f"/api/v1/cases/{cid}/diligence", headers=auth(world, "officer_b"))
    assert rerun.status_code == 200, rerun.text

    short = act(client, world, "officer_b2", cid, verb="countersign", undercut_justification="ok")
    assert short.status_code == 422 and "undercut_justification" in short.text
    assert peers.consulted == []
    why = "The German case concerned another end user."
    done = act(client, world, "officer_b2", cid, verb="countersign", undercut_justification=why)
    assert ok(done)["status"] == "approved_with_conditions"
    assert [c.justification for c in peers.consulted] == [why]


def test_granting_over_a_denial_on_this_node_notifies_that_authority(
    client: TestClient, world: World, db: Database, peers: PeerNodes
) -> None:
    add_user(db, world, "officer_b2", Role.REGULATOR, "Authority B", AccountKind.EXPORT_AUTHORITY)
    denied = deny(client, world)
    case = file(
        client,
        world,
        "vendor2",
        authority_id=world.accounts["Authority B"],
        destination="AM",
        parties=[
            {"role": "end_user", "name": "Armenian Police Academy", "country": "AM"},
            {"role": "consignee", "name": "northern freight, llc", "country": "AM"},
        ],
    )
    cid = case["id"]
    ok(act(client, world, "vendor2", cid, verb="submit"))
    why = "The consignee now ships only to vetted police forces."
    ok(review_and_advise_approval(client, world, cid, undercut_justification=why))
    ok(act(client, world, "officer_b2", cid, verb="countersign"))

    assert peers.consulted == []  # a denial on this node is not another node's
    notices = ok(client.get("/api/v1/cases/notifications", headers=auth(world, "officer_a1")))[
        "items"
    ]
    (consulted,) = [n for n in notices if n["summary"].get("consultation")]
    assert (
        consulted["case_id"] == cid and consulted["to_authority"] == world.accounts["Authority A"]
    )
    assert consulted["summary"]["denial_case"] == denied
    assert consulted["summary"]["justification"] == why


def test_the_decision_page_takes_the_justification(
    client: TestClient, world: World, db: Database, peers: PeerNodes
) -> None:
    add_user(
        db, world, "page_b", Role.REGULATOR, "Authority B", AccountKind.EXPORT_AUTHORITY, PASSWORD
    )
    add_user(db, world, "officer_b2", Role.REGULATOR, "Authority B", AccountKind.EXPORT_AUTHORITY)
    peers.receive(german_notice())
    cid = similar(client, world)
    ok(act(client, world, "page_b", cid, verb="start_review"))
    sign_in(client, "page_b@example.org")
    page = client.get(f"/cases/{cid}")
    assert 'name="undercut_justification"' in page.text

    def advise_on_the_page(**extra: str) -> Any:
        body = {
            "verb": "advise",
            "outcome": "approve_with_conditions",
            "grounds": "no-undercut.prior-denial@1",
            "conditions": "end-use check",
            "csrf_token": form_token(client.get(f"/cases/{cid}").text),
            **extra,
        }
        return client.post(
            f"/cases/{cid}/act", data=body, headers={"Accept": "text/html"}, follow_redirects=False
        )

    refused = advise_on_the_page()
    assert refused.status_code == 422 and "undercut_justification" in refused.text
    why = "The consignee was re-vetted by our embassy in 2026."
    assert advise_on_the_page(undercut_justification=why).status_code == 303
    client.cookies.clear()
    ok(act(client, world, "officer_b2", cid, verb="countersign"))
    assert [c.justification for c in peers.consulted] == [why]


def test_a_consultation_received_reaches_the_authority_that_denied(
    client: TestClient, world: World, db: Database
) -> None:
    cid = deny(client, world)
    why = "The consignee was re-vetted by our customs in 2026."
    consultation = Consultation(
        denial_node=ORIGIN,
        denial_reference=cid,
        consulting_node=GERMANY,
        consulting_state="DE",
        case_reference="case-de-7",
        decided_on=date(2026, 4, 1),
        outcome="approve_with_conditions",
        justification=why,
    )
    with db.write() as tx:
        cases = case_service(tx, None, node=ORIGIN)
        cases.receive_consultation(SYSTEM, consultation)
        with pytest.raises(NotFound):
            cases.receive_consultation(SYSTEM, replace(consultation, denial_reference="case-x"))
        with pytest.raises(InvalidInput) as elsewhere:
            cases.receive_consultation(SYSTEM, replace(consultation, denial_node=GERMANY))
        assert elsewhere.value.field == "denial_node"

    items = ok(client.get("/api/v1/cases/notifications", headers=auth(world, "officer_a1")))
    (received,) = [n for n in items["items"] if n["summary"].get("consultation")]
    assert received["case_id"] == cid and received["from_authority"] == "DE"
    assert received["to_authority"] == world.accounts["Authority A"]
    assert received["summary"]["justification"] == why
    assert received["summary"]["consulting_node"] == GERMANY
    assert received["summary"]["case_reference"] == "case-de-7"
    # Authority B, which did not deny it, is not told
    others = ok(client.get("/api/v1/cases/notifications", headers=auth(world, "officer_b")))
    assert not [n for n in others["items"] if n["summary"].get("consultation")]
