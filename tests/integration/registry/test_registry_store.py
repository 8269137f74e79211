"""The registry on a real database (SQLite and PostgreSQL): versions, as-of, search, import."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from pallmall.core.auth import ANONYMOUS, SYSTEM, Principal, Role
from pallmall.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from pallmall.core.paging import PageRequest
from pallmall.registry.importers.curated import read_designations
from pallmall.registry.importers.misp_galaxy import read_galaxy
from pallmall.registry.importing import apply_batch
from pallmall.registry.model import (
    Capability,
    Organisation,
    OrgKind,
    Product,
    Relationship,
    RelType,
    Visibility,
)
from pallmall.registry.store import RecordQuery
from pallmall.storage.database import Database
from tests.helpers import load_demo, service

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def clocked(tx, *times: datetime):
    svc = service(tx)
    ticks = iter(times)
    svc.clock = lambda: next(ticks)
    return svc


def test_versions_are_kept_and_as_of_answers_the_past(db: Database) -> None:
    with db.write() as tx:
        svc = clocked(tx, T0, T0 + timedelta(days=10))
        first = svc.create(SYSTEM, Organisation(name="Acme Spy", kinds=(OrgKind.VENDOR,)))
        svc.update(SYSTEM, first.id, Organisation(name="Acme Intrusion", kinds=(OrgKind.VENDOR,)))
    with db.read() as tx:
        svc = service(tx)
        assert svc.get(ANONYMOUS, first.id).record.name == "Acme Intrusion"
        assert svc.get(ANONYMOUS, first.id).version == 2
        assert svc.get(ANONYMOUS, first.id, T0 + timedelta(days=5)).record.name == "Acme Spy"
        with pytest.raises(NotFound):
            svc.get(ANONYMOUS, first.id, T0 - timedelta(days=1))
        past = svc.search(
            ANONYMOUS, RecordQuery(q="acme spy", as_of=T0 + timedelta(days=1)), PageRequest()
        )
        assert [s.id for s in past.items] == [first.id]
        assert svc.search(ANONYMOUS, RecordQuery(q="acme spy"), PageRequest()).total == 0


def test_deleted_record_stays_in_history(db: Database) -> None:
    with db.write() as tx:
        svc = clocked(tx, T0, T0 + timedelta(days=1))
        rec = svc.create(SYSTEM, Organisation(name="Gone Ltd", kinds=(OrgKind.VENDOR,)))
        svc.delete(SYSTEM, rec.id)
    with db.read() as tx:
        with pytest.raises(NotFound):
            service(tx).get(ANONYMOUS, rec.id)
        assert service(tx).get(ANONYMOUS, rec.id, T0 + timedelta(hours=1)).record.name == "Gone Ltd"


def test_relationships_by_validity_date(db: Database) -> None:
    with db.write() as tx:
        svc = service(tx)
        owner = svc.create(SYSTEM, Organisation(name="Holding", kinds=(OrgKind.HOLDING,))).id
        owned = svc.create(SYSTEM, Organisation(name="Vendor", kinds=(OrgKind.VENDOR,))).id
        rel = Relationship(
            type=RelType.OWNS,
            source_id=owner,
            target_id=owned,
            share=60,
            start=date(2020, 1, 1),
            end=date(2022, 12, 31),
        )
        svc.relate(SYSTEM, rel)
    now = datetime.now(UTC)
    with db.read() as tx:
        assert [r.relationship.share for r in service(tx).relationships(ANONYMOUS, owned)] == [60]
        # as of today the ownership has ended; as of 2021 it held (recorded time is "now" here,
        # so ask with the validity date only through the store)
        assert tx.registry.relationships_of(owned, now) == []


def test_search_filters_by_facets_and_pages(db: Database) -> None:
    with db.write() as tx:
        svc = service(tx)
        for i in range(7):
            svc.create(
                SYSTEM,
                Organisation(
                    name=f"Vendor {i}",
                    kinds=(OrgKind.VENDOR,),
                    jurisdictions=("IL" if i % 2 else "GR",),
                ),
            )
        svc.create(SYSTEM, Product(name="Spyware X", capabilities=(Capability.ZERO_CLICK,)))
    with db.read() as tx:
        svc = service(tx)
        page = svc.search(
            ANONYMOUS, RecordQuery(kind=OrgKind.VENDOR, country="IL"), PageRequest(0, 2)
        )
        assert page.total == 3 and len(page.items) == 2 and page.has_more
        assert [s.record.name for s in page.items] == ["Vendor 1", "Vendor 3"]
        caps = svc.search(ANONYMOUS, RecordQuery(capability=Capability.ZERO_CLICK), PageRequest())
        assert [s.record.name for s in caps.items] == ["Spyware X"]


def test_restricted_records_are_hidden_from_the_public(db: Database) -> None:
    regulator = Principal(user_id="u1", role=Role.REGULATOR)
    with db.write() as tx:
        rec = service(tx).create(
            SYSTEM,
            Organisation(
                name="Secret Broker", kinds=(OrgKind.RESELLER,), visibility=Visibility.RESTRICTED
            ),
        )
    with db.read() as tx:
        svc = service(tx)
        with pytest.raises(NotFound):
            svc.get(ANONYMOUS, rec.id)
        assert svc.get(regulator, rec.id).record.name == "Secret Broker"
        assert svc.search(ANONYMOUS, RecordQuery(q="secret"), PageRequest()).total == 0
        assert svc.search(regulator, RecordQuery(q="secret"), PageRequest()).total == 1


def test_writes_need_the_right_role_and_leave_audit_and_public_change(db: Database) -> None:
    vendor = Principal(user_id="v1", role=Role.VENDOR)
    org = Organisation(name="Audited", kinds=(OrgKind.VENDOR,))
    with db.write() as tx:
        with pytest.raises(Unauthenticated):
            service(tx).create(ANONYMOUS, org)
        with pytest.raises(Forbidden):
            service(tx).create(vendor, org)
        rec = service(tx).create(Principal(user_id="reg1", role=Role.REGULATOR), org)
    with db.read() as tx:
        audit = tx.audit.list(PageRequest(), rec.id).items
        assert [(a.actor, a.verb) for a in audit] == [("reg1", "registry.organisation.created")]
        pending = tx.outbox.pending()
        assert [(c.kind, c.subject, c.public["name"]) for _, c in pending] == [
            ("registry.organisation.created", rec.id, "Audited")
        ]


def test_audit_records_cannot_be_edited(db: Database) -> None:
    with db.write() as tx:
        service(tx).create(SYSTEM, Organisation(name="X", kinds=(OrgKind.VENDOR,)))
    for sql in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), db.write() as tx:
            tx.conn.execute(text(sql))
    with db.read() as tx:
        assert tx.audit.list(PageRequest()).items[0].actor == "system"


def test_stale_version_and_duplicates_conflict(db: Database) -> None:
    with db.write() as tx:
        svc = service(tx)
        rec = svc.create(SYSTEM, Organisation(name="V", kinds=(OrgKind.VENDOR,)))
        with pytest.raises(Conflict):
            svc.create(SYSTEM, Organisation(name="V2", kinds=(OrgKind.VENDOR,)), rec.id)
        with pytest.raises(Conflict):
            svc.update(SYSTEM, rec.id, Organisation(name="V3", kinds=(OrgKind.VENDOR,)), 7)
        with pytest.raises(InvalidInput, match="target_id"):
            svc.relate(SYSTEM, Relationship(type=RelType.OWNS, source_id=rec.id, target_id="nope"))


def test_demo_import_is_idempotent_and_merges_sources(db: Database) -> None:
    first = load_demo(db)
    assert first[0].created > 600
    second = load_demo(db)
    assert all(r.created == r.updated == r.relationships_saved == 0 for r in second)
    with db.read() as tx:
        svc = service(tx)
        nso = svc.search(ANONYMOUS, RecordQuery(q="NSO Group"), PageRequest()).items
        assert len(nso) == 1, "galaxy 'NSO group' and the designation 'NSO Group' are one actor"
        designations = nso[0].record.designations
        assert [d.authority for d in designations] == ["US Commerce BIS Entity List"]
        assert nso[0].record.aliases == (
            "Q-Cyber",
            "Circles",
            "NSO Group Technologies Ltd",  # names.csv: the registered names (issue 12)
            "Q Cyber Technologies Ltd",
            "NSO Group Technologies Limited",  # organisations.csv: the name court filings use
        )
        hfh = svc.search(ANONYMOUS, RecordQuery(kind=OrgKind.HACKER_FOR_HIRE), PageRequest())
        assert {"Dark Basin", "Void Balaur"} <= {s.record.name for s in hfh.items}


def test_a_bad_file_changes_nothing(db: Database, tmp_path: Path) -> None:
    good = tmp_path / "d.csv"
    good.write_text(
        "name,type,jurisdiction,authority,programme,listed_on,citation,url\n"
        "Good Co,organisation,GR,Auth,,2024-01-01,cite,\n"
        "Bad Co,organisation,GR,Auth,,not-a-date,cite,\n"
    )
    with pytest.raises(InvalidInput, match="line 3: listed_on"):
        read_designations(good)
    bad_json = tmp_path / "g.json"
    bad_json.write_text('{"type": "surveillance-vendor", "values": [')
    with pytest.raises(InvalidInput, match="not a readable JSON"):
        read_galaxy(bad_json)
    # an error in the middle of an import rolls the whole unit of work back
    galaxy = tmp_path / "ok.json"
    galaxy.write_text(
        '{"type": "surveillance-vendor", "values": [{"uuid": "u1", "value": "First"}]}'
    )
    with pytest.raises(Forbidden), db.write() as tx:
        svc = service(tx)
        apply_batch(svc, SYSTEM, read_galaxy(galaxy))
        apply_batch(svc, Principal(user_id="v", role=Role.VENDOR), read_galaxy(_second(tmp_path)))
    with db.read() as tx:
        assert service(tx).search(ANONYMOUS, RecordQuery(), PageRequest()).total == 0


def _second(tmp_path: Path) -> Path:
    path = tmp_path / "second.json"
    path.write_text(
        '{"type": "surveillance-vendor", "values": [{"uuid": "u2", "value": "Second"}]}'
    )
    return path
