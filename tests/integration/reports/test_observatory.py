"""The market-growth observatory read from the registry (reports/growth.py), the same
figures through the API, the CLI's reader and the public statistics page."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.settings import Settings
from pallmall.registry.model import OrgKind, RecordType
from pallmall.registry.store import RecordQuery
from pallmall.reports.growth import CLAIM_YEARS, every_record, observe, registry_vendors
from pallmall.storage.database import Database
from tests.helpers import load_demo


def test_observatory_reads_every_vendor_and_the_api_shows_the_same_figures(
    db: Database, tmp_path: Path
) -> None:
    load_demo(db)
    with db.read() as tx:
        vendors = registry_vendors(tx.registry)
        query = RecordQuery(type=RecordType.ORGANISATION, kind=OrgKind.VENDOR)
        every = list(every_record(tx.registry, query))
    assert len(vendors) == len(every) > 20
    assert {v.id for v in vendors} == {s.id for s in every}
    growth = observe(vendors, claim_years=CLAIM_YEARS)
    assert growth.dated == sum(v.year is not None for v in vendors)

    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as client:
        body = client.get("/api/v1/observatory").json()
        page = client.get("/statistics")
    assert body["vendors"] == growth.total == len(vendors)
    assert body["dated"] == growth.dated
    assert body["claim_years"] == CLAIM_YEARS
    assert page.status_code == 200
    dated = [v for v in vendors if v.year is not None]
    assert dated and dated[0].name.split()[0] in page.text
