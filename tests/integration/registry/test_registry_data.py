"""The shipped registry's statements: names from the lists, affiliates, umbrellas, customers,
brokers and investors, every one of them cited."""

from __future__ import annotations

import csv

import pytest

from pallmall.core.auth import ANONYMOUS
from pallmall.core.paging import PageRequest
from pallmall.registry.demo import DATA
from pallmall.registry.model import OrgKind, RelType
from pallmall.registry.service import RegistryService
from pallmall.registry.store import RecordQuery, Stored
from pallmall.storage.database import Database
from tests.helpers import load_demo, service


@pytest.fixture
def demo(db: Database) -> Database:
    load_demo(db)
    return db


def record(svc: RegistryService, name: str) -> Stored:
    found = svc.search(ANONYMOUS, RecordQuery(q=name), PageRequest(0, 1)).items
    assert found and found[0].record.name == name, (name, found)
    return found[0]


def links(svc: RegistryService, stored: Stored) -> set[tuple[str, str, str]]:
    out = set()
    for rel in svc.relationships(ANONYMOUS, stored.id):
        r = rel.relationship
        assert r.sources, f"{r.type} between {r.source_id} and {r.target_id} cites nothing"
        ends = (svc.store.get(r.source_id), svc.store.get(r.target_id))
        out.add((ends[0].record.name, r.type.value, ends[1].record.name))  # type: ignore[union-attr]  # an organisation here
    return out


def test_names_from_the_lists_are_aliases_and_former_names(demo: Database) -> None:
    with demo.read() as tx:
        svc = service(tx)
        candiru = record(svc, "Candiru").record
        assert "Saito Tech Ltd." in candiru.aliases
        assert {"Grindavik", "DF Associates", "Taveta", "Saito Tech"} <= set(candiru.former_names)
        assert not set(candiru.former_names) & set(candiru.aliases)
        assert any("86 FR 60759" in s.title for s in candiru.sources)
        pt = record(svc, "Positive Technologies").record
        assert "Aktsionernoe Obshchestvo Pozitiv Teknolodzhiz" in pt.aliases
        assert "US Treasury OFAC SDN" in {d.authority for d in pt.designations}  # type: ignore[union-attr]  # an organisation here


def test_affiliates_umbrellas_customers_brokers_and_investors_are_linked_and_cited(
    demo: Database,
) -> None:
    with demo.read() as tx:
        svc = service(tx)
        assert ("Q Cyber Technologies", "allied_with", "NSO group") in links(
            svc, record(svc, "NSO group")
        )
        umbrella = links(svc, record(svc, "Intellexa"))
        assert {("Intellexa S.A.", "subsidiary_of", "Intellexa")} <= umbrella
        assert ("Cytrox AD", "subsidiary_of", "Intellexa") in umbrella
        assert ("Cytrox", "sells_to", "Serbia") in links(svc, record(svc, "Cytrox"))
        assert ("Integrity Partners", "invests_in", "Candiru") in links(svc, record(svc, "Candiru"))
        paragon = links(svc, record(svc, "Paragon Solutions"))
        assert ("AE Industrial Partners", "owns", "Paragon Solutions") in paragon
        broker = record(svc, "Protect Electronic Systems")
        assert OrgKind.RESELLER in broker.record.kinds  # type: ignore[union-attr]  # an organisation here
        assert ("Protect Electronic Systems", "resells", "Variston Information Technology") in (
            links(svc, broker)
        )
        states = svc.search(ANONYMOUS, RecordQuery(kind=OrgKind.STATE), PageRequest(0, 50))
        assert {"Serbia", "Egypt", "Uzbekistan"} <= {s.record.name for s in states.items}
        assert all(s.record.sources for s in states.items), "every customer state is cited"


def test_every_curated_row_cites_a_source() -> None:
    for name in ("organisations.csv", "relationships.csv", "designations.csv", "products.csv"):
        with (DATA / name).open(encoding="utf-8") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                assert row["citation"].strip(), f"{name}:{line} cites nothing"
    with (DATA / "relationships.csv").open(encoding="utf-8") as f:
        types = {row["type"] for row in csv.DictReader(f)}
    assert {RelType.SELLS_TO, RelType.INVESTS_IN, RelType.RESELLS, RelType.ALLIED_WITH} <= types
