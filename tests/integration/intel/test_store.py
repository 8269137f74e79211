"""The SQL store, one suite on SQLite and PostgreSQL: dedup, keyset pages, filters, versions."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from pallmall.intel.importer import Importer
from pallmall.intel.incident import (
    AbuseCategory,
    IncidentDraft,
    IncidentStatus,
    incident_from_draft,
)
from pallmall.intel.taxii import DEFAULT_COLLECTIONS, ObjectQuery
from pallmall.storage.intel import SqlIntelStore

PUBLIC = DEFAULT_COLLECTIONS[0]


def indicator(
    value: str, modified: str = "2024-01-01T00:00:00.000Z", oid: str | None = None
) -> dict[str, object]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": oid or f"indicator--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "pattern": f"[domain-name:value='{value}']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }


def bundle(*objects: dict[str, object]) -> str:
    return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)})


def test_dedup_by_content_and_keyset_pages(engine: Engine) -> None:
    store = SqlIntelStore(engine)
    importer = Importer(store)
    first = importer.import_stix(
        bundle(*(indicator(f"d{n}.example") for n in range(25))), "a", PUBLIC
    )
    again = importer.import_stix(
        bundle(*(indicator(f"D{n}.example") for n in range(25))), "b", PUBLIC
    )
    assert (first.added, again.added, again.duplicates) == (25, 0, 25)
    seen: list[str] = []
    after = None
    while True:
        page = store.page(PUBLIC.id, ObjectQuery(limit=10, after=after))
        seen += [row.id for row in page.rows]
        if not page.more:
            break
        assert page.next is not None
        stamp, seq = page.next.split(".")
        after = (int(stamp), int(seq))
    assert len(seen) == len(set(seen)) == 25


def test_versions_and_filters(engine: Engine) -> None:
    store = SqlIntelStore(engine)
    importer = Importer(store)
    oid = f"indicator--{uuid.uuid4()}"
    importer.import_stix(bundle(indicator("v.example", oid=oid)), "a", PUBLIC)
    importer.import_stix(
        bundle(indicator("v.example", "2024-02-01T00:00:00.000Z", oid)), "b", PUBLIC
    )
    last = store.page(PUBLIC.id, ObjectQuery(limit=10, ids=(oid,)))
    assert [json.loads(r.body)["modified"] for r in last.rows] == ["2024-02-01T00:00:00.000Z"]
    first = store.page(PUBLIC.id, ObjectQuery(limit=10, ids=(oid,), versions=("first",)))
    assert [r.version for r in first.rows] == ["2024-01-01T00:00:00.000Z"]
    versions = store.versions(PUBLIC.id, oid, ObjectQuery(limit=10))
    assert [r.version for r in versions.rows] == [
        "2024-01-01T00:00:00.000Z",
        "2024-02-01T00:00:00.000Z",
    ]
    assert store.page(PUBLIC.id, ObjectQuery(limit=10, types=("malware",))).rows == []


def test_status_links_and_incidents(engine: Engine) -> None:
    store = SqlIntelStore(engine)
    store.save_status("s-1", PUBLIC.id, {"status": "complete"})
    assert store.get_status("s-1") == (PUBLIC.id, {"status": "complete"})
    store.link_product("malware--x", "prod-1")
    store.link_product("malware--x", "prod-1")
    assert store.malware_for_product("prod-1") == ["malware--x"]
    draft = IncidentDraft("t", "s", (AbuseCategory.DISCRIMINATORY_TARGETING,))
    incident = incident_from_draft(draft, "inc-1", "u-1", datetime(2024, 1, 1, tzinfo=UTC))
    store.put_incident(incident)
    store.put_incident(incident)
    assert store.get_incident("inc-1") == incident
    assert store.list_incidents(IncidentStatus.REPORTED) == [incident]
    assert store.list_incidents(IncidentStatus.CONFIRMED) == []
