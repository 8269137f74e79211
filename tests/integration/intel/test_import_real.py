"""Import every real bundle, MISP export and CSV of ../shared/ti-data, and print the reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.storage.intel import SqlIntelStore

pytestmark = pytest.mark.shared
PUBLIC = DEFAULT_COLLECTIONS[0]
PEGASUS = "amnesty-investigations/2021-07-18_nso/pegasus.stix2"
PEGASUS_PREV = "amnesty-investigations/2021-07-18_nso/pegasus.prev-993479e-2022-07-14.stix2"


class Products:
    """A registry stand-in that knows two products by name and alias."""

    def find_product_by_name(self, name: str) -> str | None:
        return {
            "pegasus": "prod-pegasus",
            "predator": "prod-predator",
            "helios": "prod-helios",
        }.get(name.strip().lower())


def bundles(root: Path) -> list[Path]:
    found = [p for p in root.rglob("*") if p.suffix in (".stix2", ".stix")]
    return sorted(found, key=lambda p: ("prev" in p.name, str(p)))


def test_every_real_bundle_imports(shared_data: Path, sqlite_engine: Engine) -> None:
    store = SqlIntelStore(sqlite_engine)
    importer = Importer(store, Products())
    reports = [importer.import_file(path, PUBLIC) for path in bundles(shared_data)]
    for report in reports:
        print(report.summary())
        for note in report.skipped:
            print(f"    skipped {note.where}: {note.reason}")
    assert len(reports) == 23
    assert sum(r.received for r in reports) == 14_825
    assert all(r.added + r.duplicates + len(r.skipped) >= r.received for r in reports)
    by_name = {Path(r.source).name: r for r in reports}
    assert by_name["Spyware-Detection-MVT.stix2"].added > 0  # the bad bundle id did not stop it
    assert "prod-pegasus" in by_name["pegasus.stix2"].product_links.values()
    assert store.malware_for_product("prod-predator")


def test_second_pegasus_release_adds_no_duplicate_indicators(
    shared_data: Path, sqlite_engine: Engine
) -> None:
    store = SqlIntelStore(sqlite_engine)
    importer = Importer(store)
    first = importer.import_file(shared_data / PEGASUS, PUBLIC)
    again = importer.import_file(shared_data / PEGASUS_PREV, PUBLIC)
    print(first.summary(), again.summary(), sep="\n")
    assert first.added == 3099
    assert again.added == 0
    assert again.duplicates == 3095


def test_citizenlab_misp_json_and_csv_import(shared_data: Path, sqlite_engine: Engine) -> None:
    importer = Importer(SqlIntelStore(sqlite_engine))
    paths = sorted((shared_data / "citizenlab-malware-indicators").rglob("*.*"))
    paths += sorted((shared_data / "amnesty-investigations").rglob("*.csv"))
    reports = [importer.import_file(path, DEFAULT_COLLECTIONS[1]) for path in paths]
    for report in reports:
        print(report.summary())
    assert len(reports) == 41  # 25 CSV + 14 MISP JSON + 2 Amnesty CSV
    assert all(r.received > 0 for r in reports)
    formats = {r.format for r in reports}
    assert formats == {"misp-json", "csv"}
    headerless = next(r for r in reports if r.source.endswith("PackRAT/assorted.csv"))
    assert headerless.added > 50
    assert sum(r.added for r in reports) > 2000
