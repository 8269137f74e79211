"""Report figures from what the platform logs, on SQLite and PostgreSQL: registry changes,
an incident confirmed through the desk, licence decisions from the outbox; then publishing
and the portal pages."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.auth import SYSTEM, Principal, Role
from pallmall.core.errors import Conflict, Forbidden
from pallmall.core.settings import Settings
from pallmall.disclosure import PUBLIC_SUBJECT, gate
from pallmall.intel.incident import (
    AbuseCategory,
    Attribution,
    IncidentDraft,
    LinkRole,
    Verb,
    VictimCategory,
    VictimDraft,
)
from pallmall.intel.tlp import Tlp
from pallmall.log import TransparencyLog
from pallmall.publisher import Publisher
from pallmall.registry.model import Designation, Organisation, OrgKind
from pallmall.reports import build_report, make_spec, read_log, verify_report
from pallmall.reports.ports import publish_report
from pallmall.storage.database import Database
from pallmall.storage.reports import SqlReportStore
from pallmall.wiring import incident_desk, open_log
from tests.helpers import service

ANALYST = Principal(user_id="analyst", role=Role.ANALYST, display="analyst")
SPEC = make_spec("GB", date(2000, 1, 1), date(2100, 12, 31), "all")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, session_secret="test-secret", log_origin="gb.test/log")


@pytest.fixture
def logged(db: Database, settings: Settings) -> Iterator[TransparencyLog]:
    """The platform's changes in the outbox, published to the log."""
    with db.write() as tx:
        vendor = Organisation(
            name="Spyware Ltd",
            kinds=(OrgKind.VENDOR,),
            jurisdictions=("IL",),
            founded=2015,
            designations=(
                Designation(
                    authority="US Commerce BIS Entity List",
                    listed_on=date(2021, 11, 3),
                    citation="86 FR 60759",
                ),
            ),
        )
        service(tx).create(SYSTEM, vendor, "org-spyware")
        now = datetime(2026, 3, 1, tzinfo=UTC)
        fields = {
            "case_kind": "licence",
            "authority": "GB export authority",
            "state": "GB",
            "outcome": "deny",
            "destination": "AE",
            "product_category": "device_intrusion",
            "grounds": ["C3"],
        }
        tx.outbox.add(gate("cases.licence.decided", "case-1", now, fields, PUBLIC_SUBJECT))
    draft = IncidentDraft(
        title="Journalists targeted with Spyware Ltd's implant",
        summary="",
        categories=(AbuseCategory.RIGHTS_VIOLATION,),
        victims=(VictimDraft(VictimCategory.JOURNALIST, "A. Person"),),
        attributions=(Attribution(LinkRole.VENDOR, "org-spyware", 80),),
        tlp=Tlp.CLEAR,
    )
    with db.write() as tx:
        incident = incident_desk(tx, ANALYST).report(ANALYST, draft)
    with db.write() as tx:
        incident_desk(tx, SYSTEM).decide(SYSTEM, incident.id, Verb.CONFIRM, "forensic evidence")
    tlog = open_log(settings, db)
    integrate_all(tlog, Publisher(db, tlog).drain())
    yield tlog


def integrate_all(tlog: TransparencyLog, size: int) -> None:
    """Integrate until the checkpoint holds ``size`` entries. On PostgreSQL one integrator
    holds a database-wide advisory lock, which another test session may hold a moment."""
    for _ in range(200):
        if tlog.integrate().checkpoint.size >= size:
            return
        time.sleep(0.05)
    raise AssertionError(f"the log did not reach {size} entries")


def test_figures_from_the_platforms_log(db: Database, logged: TransparencyLog) -> None:
    snapshot = read_log(logged.store.root, logged.vkey)
    figures = build_report(snapshot, SPEC, "rpt-db", "2026-06-01T00:00:00Z").figures
    assert figures["licences"]["denied"] == 1
    assert figures["licences"]["by_destination"]["AE"]["denied"] == 1
    assert figures["sources"]["licences.denied"] == [1]
    assert figures["incidents"]["confirmed"] == 1
    assert figures["incidents"]["by_category"] == {"rights_violation": 1}
    assert figures["incidents"]["victims_by_category"] == {"journalist": 1}
    assert figures["registry"]["designated_parties_at_end"] == 1
    assert figures["registry"]["by_kind"] == {"registry.organisation.created": 1}
    assert "A. Person" not in json.dumps(figures)


def test_publishing_stores_the_report_and_logs_its_digest(
    db: Database, logged: TransparencyLog
) -> None:
    report = build_report(
        read_log(logged.store.root, logged.vkey), SPEC, "rpt-db", "2026-06-01T00:00:00Z"
    )
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with db.write() as tx:
        publish_report(SYSTEM, report, SqlReportStore(tx.conn), tx.outbox, tx.audit, now)
    with db.write() as tx, pytest.raises(Conflict):
        publish_report(SYSTEM, report, SqlReportStore(tx.conn), tx.outbox, tx.audit, now)
    with db.write() as tx, pytest.raises(Forbidden):
        publish_report(ANALYST, report, SqlReportStore(tx.conn), tx.outbox, tx.audit, now)
    integrate_all(logged, report.checkpoint.size + Publisher(db, logged).drain())
    with db.read() as tx:
        stored = SqlReportStore(tx.conn).list()
        entry = tx.outbox.logged(tx_page(), subject="rpt-db").items
    assert [s.report.id for s in stored] == ["rpt-db"]
    assert stored[0].report.to_json() == report.to_json()
    assert entry[0].change.kind == "report.published"
    assert entry[0].change.public["digest"] == report.digest
    checked = verify_report(report.to_json(), logged.store.root, logged.vkey)
    assert checked.log_size == report.checkpoint.size + 1


def tx_page():
    from pallmall.core.paging import PageRequest

    return PageRequest(0, 10)


def test_the_portal_serves_the_report_and_its_downloads(
    db: Database, logged: TransparencyLog, settings: Settings
) -> None:
    with TestClient(create_app(settings, db)) as client:
        token_free = client.post("/api/v1/reports", json={"state": "GB", "period": "2026"})
        assert token_free.status_code == 401
        report = build_report(
            read_log(logged.store.root, logged.vkey), SPEC, "rpt-web", "2026-06-01T00:00:00Z"
        )
        with db.write() as tx:
            publish_report(
                SYSTEM, report, SqlReportStore(tx.conn), tx.outbox, tx.audit, datetime.now(UTC)
            )
        listing = client.get("/reports")
        assert listing.status_code == 200 and "/reports/rpt-web" in listing.text
        page = client.get("/reports/rpt-web")
        assert "Transparency report: GB, all" in page.text
        assert "<figure" in page.text and "Licence decisions by destination" in page.text
        csv = client.get("/reports/rpt-web.csv")
        assert csv.headers["content-type"].startswith("text/csv")
        assert "licences,denied,1,rpt-web" in csv.text
        assert client.get("/reports/rpt-web.json").json()["digest"] == report.digest
        assert client.get("/api/v1/reports").json()["items"][0]["id"] == "rpt-web"
        incidents = client.get("/incidents?record=org-spyware")
        assert "Journalists targeted" in incidents.text and "A. Person" not in incidents.text
        assert client.get("/reports/nope").status_code == 404
