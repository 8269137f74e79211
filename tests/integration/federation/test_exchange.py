"""The denial exchange over federation, on SQLite and PostgreSQL: notices shared with the
groups whose TLP admits them and committed in the outbox, withdrawals as new versions of the
same object, consultations to one peer's inbox, and the verified notices peers sent us."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from pallmall.cases.exchange import Consultation, DenialNotice, NoticeParty
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.core.settings import Settings
from pallmall.disclosure.kinds import FEDERATION_SHARED
from pallmall.disclosure.marking import Tlp
from pallmall.federation.objects import ReceivedObject, body_sha256, canonical_body
from pallmall.federation.peer import Peer, SharingGroup
from pallmall.federation.stix import (
    DENIAL_TYPE,
    Envelope,
    denial_from_stix,
    denial_to_stix,
    new_object_id,
    tlp_marking,
)
from pallmall.intel.record import datetime_us
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.wiring import denial_exchange

ORIGIN = "gb.pallmall.example/log"
SETTINGS = Settings(log_origin=ORIGIN, node_state="GB")
NOTICE = DenialNotice(
    reference="case-0001",
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


def _peer(name: str, origin: str) -> Peer:
    return Peer(name, "http://127.0.0.1:1", origin, "k", "FR", f"acc-{name}", utcnow())


@pytest.fixture
def node(db: Database) -> Database:
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_peer(_peer("fr", "fr.pallmall.example/log"))
        store.add_peer(_peer("de", "de.pallmall.example/log"))
        for name, tlp in (("wa", Tlp.AMBER), ("core", Tlp.RED), ("open", Tlp.GREEN)):
            store.add_group(SharingGroup(name, tlp, "", utcnow()))
        store.join("wa", "fr")
        store.join("open", "de")
    return db


def _changes(db: Database) -> dict[str, dict[str, object]]:
    with db.read() as tx:
        pending = tx.outbox.pending()
    return {c.id: dict(c.public) for _, c in pending if c.kind == FEDERATION_SHARED}


def test_a_notice_goes_to_groups_admitting_amber_each_committed_by_hash(node: Database) -> None:
    with node.write() as tx:
        denial_exchange(tx, SETTINGS).notify_denial(NOTICE)
    with node.read() as tx:
        rows = SqlFederationStore(tx.conn).shared(DENIAL_TYPE, '"reference":"case-0001"')
    assert sorted(r.group_name for r in rows) == ["core", "wa"]
    changes = _changes(node)
    for row in rows:
        obj = json.loads(row.body)
        assert row.body == canonical_body(obj) and row.object_sha256 == body_sha256(row.body)
        assert changes[row.change_id] == {"object_sha256": row.object_sha256}
        group_tlp = Tlp.AMBER if row.group_name == "wa" else Tlp.RED
        assert obj["object_marking_refs"] == [tlp_marking(group_tlp)]
        assert denial_from_stix(obj)[0] == NOTICE
        assert row.log_index is None
    assert rows[0].object_id == rows[1].object_id
    with node.read() as tx:
        pending = [c for _, c in tx.outbox.pending() if c.kind == FEDERATION_SHARED]
    assert all("case-0001" not in json.dumps([c.subject, dict(c.public)]) for c in pending)


def test_a_withdrawal_is_a_later_version_of_the_same_object(node: Database) -> None:
    with node.write() as tx:
        denial_exchange(tx, SETTINGS).notify_denial(NOTICE)
    withdrawn = replace(NOTICE, revoked=True, comment="allowed on appeal")
    with node.write() as tx:
        denial_exchange(tx, SETTINGS).notify_denial(withdrawn)
    with node.read() as tx:
        rows = SqlFederationStore(tx.conn).shared(DENIAL_TYPE, '"reference":"case-0001"')
    wa = [r for r in rows if r.group_name == "wa"]
    assert len(wa) == 2 and wa[0].object_id == wa[1].object_id
    assert wa[0].version < wa[1].version and wa[0].date_added_us < wa[1].date_added_us
    first, second = (denial_from_stix(json.loads(r.body)) for r in wa)
    assert second[0].revoked and not first[0].revoked
    assert first[1].created == second[1].created


def test_the_log_index_is_read_from_the_outbox_once_logged(node: Database) -> None:
    with node.write() as tx:
        denial_exchange(tx, SETTINGS).notify_denial(NOTICE)
    with node.write() as tx:
        pending = tx.outbox.pending()
        for n, (outbox_id, _) in enumerate(pending):
            tx.outbox.mark_logged(outbox_id, 40 + n, "00" * 32, {})
        logged = {c.id: 40 + n for n, (_, c) in enumerate(pending)}
    with node.read() as tx:
        rows = SqlFederationStore(tx.conn).shared(DENIAL_TYPE, '"reference"')
    assert {r.log_index for r in rows} == {logged[r.change_id] for r in rows}


def test_only_this_nodes_notices_are_sent(node: Database) -> None:
    with node.write() as tx, pytest.raises(InvalidInput) as caught:
        denial_exchange(tx, SETTINGS).notify_denial(replace(NOTICE, notifying_node="x/log"))
    assert caught.value.field == "notifying_node"


def test_a_consultation_goes_to_the_denying_peers_inbox(node: Database) -> None:
    consultation = Consultation(
        "fr.pallmall.example/log", "fr-9", ORIGIN, "GB", "case-7", date(2026, 12, 1), "granted", "x"
    )
    with node.write() as tx:
        denial_exchange(tx, SETTINGS).consult(consultation)
    with node.read() as tx:
        rows = SqlFederationStore(tx.conn).shared("x-pallmall-consultation", '"case_reference"')
    assert [r.group_name for r in rows] == ["inbox:fr"]
    assert set(_changes(node)) == {rows[0].change_id}
    with pytest.raises(NotFound), node.write() as tx:
        denial_exchange(tx, SETTINGS).consult(replace(consultation, denial_node="nobody/log"))


def _received(peer: str, notice: DenialNotice, modified: int, verified: bool) -> ReceivedObject:
    env = Envelope(new_object_id(DENIAL_TYPE), 1, modified, Tlp.AMBER)
    obj = denial_to_stix(notice, env)
    return ReceivedObject(
        peer,
        obj["id"],
        modified,
        DENIAL_TYPE,
        canonical_body(obj),
        3,
        9 if verified else None,
        utcnow(),
    )


def test_foreign_denials_are_the_verified_notices_in_force(node: Database) -> None:
    fr = replace(NOTICE, notifying_node="fr.pallmall.example/log", notifying_state="FR")
    t = datetime_us(utcnow())
    fr2 = replace(fr, reference="fr-2", notified_on=date(2026, 1, 2))
    with node.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_received(_received("fr", fr, t, True))
        store.add_received(_received("fr", fr2, t, True))
        withdrawn = replace(fr2, revoked=True)
        store.add_received(_received("fr", replace(fr, reference="fr-3"), t, False))
        store.add_received(_received("fr", replace(fr, product_category="exploit"), t, True))
        # de speaks for fr: not believed
        store.add_received(_received("de", replace(fr, reference="fr-4"), t, True))
    with node.read() as tx:
        found = denial_exchange(tx, SETTINGS).foreign_denials("device_intrusion")
    assert [n.reference for n in found] == ["fr-2", "case-0001"]
    with node.write() as tx:
        row = _received("fr", withdrawn, t + 5, True)
        # the withdrawal is a later version of the same object
        first = SqlFederationStore(tx.conn).received(DENIAL_TYPE, '"reference":"fr-2"')[0]
        SqlFederationStore(tx.conn).add_received(replace(row, object_id=first.object_id))
    with node.read() as tx:
        found = denial_exchange(tx, SETTINGS).foreign_denials("device_intrusion")
    assert [n.reference for n in found] == ["case-0001"]
    with node.write() as tx:
        SqlFederationStore(tx.conn).remove_peer("fr")
    with node.read() as tx:
        assert denial_exchange(tx, SETTINGS).foreign_denials("device_intrusion") == []
