"""Restrictive measures over federation, on SQLite and PostgreSQL: shared with the groups
whose TLP admits TLP:AMBER, only what changed each time, a withdrawal as a later version of
the same object, a new group told everything in force, and the verified measures in force
that peers sent us (believed only from the node they name)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from pallmall.cases.exchange import MeasureKind, RestrictiveMeasure
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput
from pallmall.core.settings import Settings
from pallmall.disclosure.marking import Tlp
from pallmall.federation.objects import ReceivedObject, canonical_body
from pallmall.federation.peer import Peer, SharingGroup
from pallmall.federation.stix import (
    MEASURE_TYPE,
    Envelope,
    measure_from_stix,
    measure_to_stix,
    new_object_id,
    tlp_marking,
)
from pallmall.intel.record import datetime_us
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.wiring import denial_exchange

ORIGIN = "gb.pallmall.example/log"
FR = "fr.pallmall.example/log"
SETTINGS = Settings(log_origin=ORIGIN, node_state="GB")
RESTRICTION = RestrictiveMeasure(
    reference="case-0007",
    notifying_node=ORIGIN,
    notifying_state="GB",
    kind=MeasureKind.RESTRICTION,
    taken_on=date(2026, 11, 2),
    subject_names=("Hexa Intrusion Ltd", "Hexa Labs"),
    subject_type="organization",
    countries=("CY",),
    authority="UK Export Control Joint Unit",
    grounds="rules cited: code-of-practice.irresponsible-use; sold to abusers",
)
DESIGNATION = RestrictiveMeasure(
    reference="org-1/designation/0123456789abcdef",
    notifying_node=ORIGIN,
    notifying_state="GB",
    kind=MeasureKind.DESIGNATION,
    taken_on=date(2023, 7, 18),
    subject_names=("Intellexa S.A.",),
    subject_type="organization",
    countries=("GR",),
    authority="US Commerce BIS Entity List",
    programme="EL",
    grounds="88 FR 44710",
)


def _peer(name: str, origin: str) -> Peer:
    return Peer(name, "http://127.0.0.1:1", origin, "k", "FR", f"acc-{name}", utcnow())


@pytest.fixture
def node(db: Database) -> Database:
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_peer(_peer("fr", FR))
        store.add_peer(_peer("de", "de.pallmall.example/log"))
        for name, tlp in (("wa", Tlp.AMBER), ("open", Tlp.GREEN)):
            store.add_group(SharingGroup(name, tlp, "", utcnow()))
        store.join("wa", "fr")
        store.join("open", "de")
    return db


def _share(db: Database, *measures: RestrictiveMeasure) -> int:
    with db.write() as tx:
        return denial_exchange(tx, SETTINGS).share_measures(measures)


def _told(db: Database) -> list[tuple[str, RestrictiveMeasure, Envelope]]:
    with db.read() as tx:
        rows = SqlFederationStore(tx.conn).shared(MEASURE_TYPE, "")
    return [(r.group_name, *measure_from_stix(json.loads(r.body))) for r in rows]


def test_measures_are_told_once_and_withdrawn_as_later_versions(node: Database) -> None:
    assert _share(node, RESTRICTION, DESIGNATION) == 2
    told = _told(node)
    # TLP:GREEN's group is never told what is TLP:AMBER
    assert {(g, m) for g, m, _ in told} == {("wa", RESTRICTION), ("wa", DESIGNATION)}
    assert all(e.tlp is Tlp.AMBER for _, _, e in told)
    assert _share(node, RESTRICTION, DESIGNATION) == 0  # nothing changed, nothing sent
    changed = replace(DESIGNATION, subject_names=("Intellexa S.A.", "Intellexa Alliance"))
    assert _share(node, RESTRICTION, changed) == 1
    assert _share(node, changed) == 1  # the restriction lifted: its withdrawal
    versions = [(m, e) for g, m, e in _told(node) if m.reference == RESTRICTION.reference]
    assert [m.revoked for m, _ in versions] == [False, True]
    (first, e1), (last, e2) = versions
    assert e1.id == e2.id and e1.created == e2.created and e1.modified < e2.modified
    assert last.comment.startswith("withdrawn") and last.subject_names == first.subject_names
    assert _share(node, changed) == 0  # a withdrawal is told once


def test_a_group_formed_later_is_told_what_is_in_force(node: Database) -> None:
    _share(node, RESTRICTION)
    with node.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_group(SharingGroup("core", Tlp.RED, "", utcnow()))
        store.join("core", "de")
    assert _share(node, RESTRICTION) == 1
    told = _told(node)
    assert sorted(g for g, _, _ in told) == ["core", "wa"]
    assert len({e.id for _, _, e in told}) == 1  # one object, whatever the group
    core = next(e for g, _, e in told if g == "core")
    assert core.tlp is Tlp.RED


def test_only_this_nodes_measures_are_told(node: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        _share(node, replace(RESTRICTION, notifying_node=FR))
    assert caught.value.field == "notifying_node"
    assert _told(node) == []


def _received(peer: str, measure: RestrictiveMeasure, object_id: str, modified: int,
              verified: bool = True) -> ReceivedObject:  # fmt: skip
    obj = measure_to_stix(measure, Envelope(object_id, 1, modified, Tlp.AMBER))
    assert obj["object_marking_refs"] == [tlp_marking(Tlp.AMBER)]
    return ReceivedObject(
        peer, object_id, modified, MEASURE_TYPE, canonical_body(obj), 3,
        9 if verified else None, utcnow(),
    )  # fmt: skip


def test_foreign_measures_are_the_verified_ones_in_force(node: Database) -> None:
    fr = replace(RESTRICTION, notifying_node=FR, notifying_state="FR", reference="fr-1")
    fr_designation = replace(DESIGNATION, notifying_node=FR, notifying_state="FR")
    ids = {m.reference: new_object_id(MEASURE_TYPE) for m in (fr, fr_designation)}
    t = datetime_us(utcnow())
    with node.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_received(_received("fr", fr, ids["fr-1"], t))
        store.add_received(_received("fr", fr_designation, ids[DESIGNATION.reference], t))
        unverified = replace(fr, reference="fr-2")
        store.add_received(_received("fr", unverified, new_object_id(MEASURE_TYPE), t, False))
        # de speaks for fr: not believed
        spoofed = replace(fr, reference="fr-3")
        store.add_received(_received("de", spoofed, new_object_id(MEASURE_TYPE), t))
    with node.read() as tx:
        found = denial_exchange(tx, SETTINGS).foreign_measures()
    assert found == [fr_designation, fr]  # oldest first
    with node.write() as tx:
        withdrawn = replace(fr, revoked=True, comment="lifted")
        SqlFederationStore(tx.conn).add_received(_received("fr", withdrawn, ids["fr-1"], t + 5))
    with node.read() as tx:
        assert denial_exchange(tx, SETTINGS).foreign_measures() == [fr_designation]
    with node.write() as tx:
        SqlFederationStore(tx.conn).remove_peer("fr")
    with node.read() as tx:
        assert denial_exchange(tx, SETTINGS).foreign_measures() == []
