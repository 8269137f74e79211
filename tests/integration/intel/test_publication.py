"""A confirmation commits with its public change and its TAXII objects, or not at all."""

from __future__ import annotations

import json

import pytest

from pallmall.core.auth import SYSTEM, Principal, Role
from pallmall.core.changes import PublicChange
from pallmall.disclosure.kinds import INCIDENT_CONFIRMED as CONFIRMED_KIND
from pallmall.intel.incident import (
    AbuseCategory,
    Attribution,
    IncidentDraft,
    IncidentStatus,
    LinkRole,
    Verb,
    VictimCategory,
    VictimDraft,
)
from pallmall.intel.taxii import DEFAULT_COLLECTIONS, ObjectQuery
from pallmall.intel.tlp import Tlp
from pallmall.registry.model import Product
from pallmall.storage.database import Database
from pallmall.storage.intel import SqlIntelStore
from pallmall.wiring import incident_desk
from tests.helpers import service

ANALYST = Principal(user_id="u-analyst", role=Role.ANALYST, account_id="acct-state")
REGULATOR = Principal(user_id="u-regulator", role=Role.REGULATOR, account_id="acct-state")
PUBLIC = DEFAULT_COLLECTIONS[0]


def reported(db: Database, tlp: Tlp) -> str:
    with db.write() as tx:
        product = service(tx).create(SYSTEM, Product(name="Stinger")).id
        draft = IncidentDraft(
            title="Stinger against a lawyer",
            summary="s",
            categories=(AbuseCategory.UNLAWFUL_PRIVACY_INTERFERENCE,),
            victims=(VictimDraft(VictimCategory.LAWYER, name="Named Lawyer"),),
            attributions=(Attribution(LinkRole.PRODUCT, product, 85),),
            tlp=tlp,
            indicators=("[domain-name:value='c2.example.net']",),
        )
        return incident_desk(tx, ANALYST).report(ANALYST, draft).id


def intel_changes(db: Database) -> list[PublicChange]:
    with db.write() as tx:  # pending() locks the rows it reads: a write unit of work
        return [c for _, c in tx.outbox.pending() if c.kind.startswith("intel.")]


def public_objects(db: Database) -> list[dict[str, object]]:
    rows = SqlIntelStore(db.engine).page(PUBLIC.id, ObjectQuery(limit=100)).rows
    return [json.loads(r.body) for r in rows]


def test_a_failed_unit_of_work_leaves_nothing_behind(db: Database) -> None:
    incident_id = reported(db, Tlp.CLEAR)
    with pytest.raises(RuntimeError), db.write() as tx:
        incident_desk(tx, REGULATOR).decide(REGULATOR, incident_id, Verb.CONFIRM, "ok")
        raise RuntimeError("the process dies before commit")
    held = SqlIntelStore(db.engine).get_incident(incident_id)
    assert held is not None and held.status is IncidentStatus.REPORTED
    assert intel_changes(db) == []
    assert public_objects(db) == []


def test_confirmation_commits_change_and_public_objects_together(db: Database) -> None:
    incident_id = reported(db, Tlp.CLEAR)
    with db.write() as tx:
        incident_desk(tx, REGULATOR).decide(REGULATOR, incident_id, Verb.CONFIRM, "ok")
    (change,) = intel_changes(db)
    assert (change.kind, change.subject) == (CONFIRMED_KIND, incident_id)
    assert change.public["victims"] == {"lawyer": 1}
    objects = public_objects(db)
    types = sorted({str(o["type"]) for o in objects})
    assert types == [
        "campaign",
        "identity",
        "indicator",
        "malware",
        "marking-definition",
        "relationship",
        "report",
    ]
    assert "Named Lawyer" not in json.dumps(objects)


def test_other_labels_stay_out_of_the_public_collection(db: Database) -> None:
    incident_id = reported(db, Tlp.GREEN)
    with db.write() as tx:
        incident_desk(tx, REGULATOR).decide(REGULATOR, incident_id, Verb.CONFIRM, "ok")
    assert [c.kind for c in intel_changes(db)] == [CONFIRMED_KIND]
    assert public_objects(db) == []
