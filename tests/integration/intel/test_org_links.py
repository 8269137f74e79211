"""STIX threat actors, intrusion sets and identities link to registry organisations by name,
alias or former name, and malware to products (Chrysaor is Pegasus), on SQLite and
PostgreSQL with the shipped demo registry; the report says what linked and what did not."""

from __future__ import annotations

import json

from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.registry.lookup import OrganisationsByName, ProductsByName
from pallmall.storage.database import Database
from pallmall.storage.intel import SqlIntelStore
from tests.helpers import load_demo

PUBLIC = DEFAULT_COLLECTIONS[0]
T = "2024-01-01T00:00:00.000Z"


def sdo(kind: str, n: int, name: str, **extra: object) -> dict[str, object]:
    uid = f"{kind}--00000000-0000-4000-8000-{n:012d}"
    base = {"type": kind, "spec_version": "2.1", "id": uid, "created": T, "modified": T}
    return {**base, "name": name, **extra}


def bundle() -> str:
    objects = [
        sdo("malware", 1, "Chrysaor", is_family=True),
        sdo("threat-actor", 2, "BellTroX InfoTech Services", threat_actor_types=["criminal"]),
        sdo("identity", 3, "Intellexa Alliance", identity_class="organization"),
        sdo("intrusion-set", 4, "Some Name", aliases=["Dark Basin"]),
        sdo("threat-actor", 5, "Nobody We Know", threat_actor_types=["spy"]),
        sdo("identity", 6, "A. Person", identity_class="individual"),
        sdo("identity", 7, "NSO Group Technologies Ltd", identity_class="organization"),
    ]
    return json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects})


def test_actors_identities_and_aliases_link_to_the_registry(db: Database) -> None:
    load_demo(db)
    with db.read() as tx:

        def named(name: str) -> str:
            [found] = [i for i in tx.registry.ids_by_name_key(name.casefold())]
            return found

        pegasus, belltrox = named("pegasus"), named("belltrox")
        intellexa, dark_basin, nso = named("intellexa"), named("dark basin"), named("nso group")
    with db.write() as tx:
        store = SqlIntelStore(tx.conn)
        importer = Importer(store, ProductsByName(db.registry), OrganisationsByName(db.registry))
        report = importer.import_stix(bundle(), "actors.json", PUBLIC)
    kinds = ["malware", "threat-actor", "identity", "intrusion-set", "threat-actor"]
    kinds += ["identity", "identity"]
    ids = {n: f"{k}--00000000-0000-4000-8000-{n:012d}" for n, k in enumerate(kinds, start=1)}
    assert report.product_links == {ids[1]: pegasus}  # Chrysaor is Pegasus's alias
    assert report.organisation_links == {
        ids[2]: belltrox,  # "InfoTech Services" dropped: the registry knows "BellTroX"
        ids[3]: intellexa,  # "Alliance" dropped
        ids[4]: dark_basin,  # by its alias
        ids[7]: nso,  # "Technologies Ltd" dropped
    }
    assert report.unlinked == {ids[5]: "Nobody We Know"}  # the individual is not asked for
    summary = report.summary()
    assert "organisations: [" in summary and "not in the registry: ['Nobody We Know']" in summary
    with db.read() as tx:
        assert SqlIntelStore(tx.conn).stix_for_organisation(intellexa) == [ids[3]]
        assert SqlIntelStore(tx.conn).malware_for_product(pegasus) == [ids[1]]
