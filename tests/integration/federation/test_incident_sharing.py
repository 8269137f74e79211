"""A confirmed incident shared with a group, on SQLite and PostgreSQL: the exporter's
objects, redacted for the group, marked with its TLP, salted, each committed in the log."""

from __future__ import annotations

import json

import pytest

from pallmall.core.auth import SYSTEM, Principal, Role
from pallmall.core.clock import utcnow
from pallmall.core.errors import Forbidden, InvalidInput, NotFound
from pallmall.disclosure.kinds import FEDERATION_SHARED
from pallmall.disclosure.marking import Tlp
from pallmall.federation.incidents import NONCE_PROPERTY
from pallmall.federation.objects import body_sha256
from pallmall.federation.peer import SharingGroup
from pallmall.federation.stix import tlp_marking
from pallmall.intel.incident import Verb
from pallmall.storage.database import Database
from pallmall.storage.federation import SqlFederationStore
from pallmall.wiring import incident_desk, incident_sharing
from tests.integration.intel.test_publication import ANALYST, REGULATOR, reported

OUTSIDER = Principal(user_id="u-other", role=Role.REGULATOR, account_id="acct-other")


@pytest.fixture
def groups(db: Database) -> Database:
    with db.write() as tx:
        store = SqlFederationStore(tx.conn)
        store.add_group(SharingGroup("wa", Tlp.AMBER, "", utcnow()))
        store.add_group(SharingGroup("open", Tlp.GREEN, "", utcnow()))
    return db


def _confirmed(db: Database, tlp: Tlp) -> str:
    incident_id = reported(db, tlp)
    with db.write() as tx:
        incident_desk(tx, REGULATOR).decide(REGULATOR, incident_id, Verb.CONFIRM, "ok")
    return incident_id


def _bodies(db: Database, group: str) -> list[str]:
    with db.read() as tx:
        rows = SqlFederationStore(tx.conn).shared("report", "")
        rows = [*rows, *SqlFederationStore(tx.conn).shared("indicator", "")]
        everything = SqlFederationStore(tx.conn).shared("campaign", "")
    return [r.body for r in [*rows, *everything] if r.group_name == group]


def test_an_amber_incident_shared_with_an_amber_group(groups: Database) -> None:
    incident_id = _confirmed(groups, Tlp.AMBER)
    with groups.write() as tx:
        added = incident_sharing(tx).share(REGULATOR, incident_id, "wa")
    assert added > 3
    bodies = _bodies(groups, "wa")
    assert bodies and all("Named Lawyer" not in b for b in bodies)
    for body in bodies:
        obj = json.loads(body)
        assert obj["object_marking_refs"] == [tlp_marking(Tlp.AMBER)]
        assert len(obj[NONCE_PROPERTY]) == 32
    assert any("c2.example.net" in b for b in bodies)
    with groups.write() as tx:
        pending = [c for _, c in tx.outbox.pending() if c.kind == FEDERATION_SHARED]
    hashes = {c.public["object_sha256"] for c in pending}
    assert {body_sha256(b) for b in bodies} <= hashes and len(pending) == added
    with groups.write() as tx:
        assert incident_sharing(tx).share(SYSTEM, incident_id, "wa") == 0


def test_what_may_not_be_shared_is_refused(groups: Database) -> None:
    amber = _confirmed(groups, Tlp.AMBER)
    with groups.write() as tx:
        sharing = incident_sharing(tx)
        with pytest.raises(InvalidInput) as caught:
            sharing.share(REGULATOR, amber, "open")
        assert caught.value.field == "group"
        with pytest.raises(Forbidden):
            sharing.share(OUTSIDER, amber, "wa")
        with pytest.raises(Forbidden):
            sharing.share(ANALYST, amber, "wa")  # an analyst does not decide on incidents
        with pytest.raises(NotFound):
            sharing.share(REGULATOR, amber, "nope")
    pending = reported(groups, Tlp.GREEN)
    with groups.write() as tx, pytest.raises(InvalidInput) as caught:
        incident_sharing(tx).share(REGULATOR, pending, "wa")
    assert caught.value.field == "incident"
    assert _bodies(groups, "wa") == [] and _bodies(groups, "open") == []
