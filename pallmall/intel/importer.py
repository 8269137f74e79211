"""Importing threat intel into a collection: STIX 2.1 bundles, MISP JSON and MISP-style CSV.

Every source goes the same way: read and repair (``bundle``), then :meth:`Importer.ingest`
deduplicates by content against the batch and the collection, rewrites references to the
ids already held, drops dangling relationships, links malware to registry products and
stores the rest in one all-or-nothing write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.intel import misp
from pallmall.intel.bundle import Candidate, Reading, load_bundle, read_objects
from pallmall.intel.ports import ObjectStore, OrganisationResolver, ProductResolver
from pallmall.intel.record import StixRecord, content_key, make_record
from pallmall.intel.report import ImportReport
from pallmall.intel.taxii import CollectionSpec

STIX_SUFFIXES = frozenset({".stix2", ".stix", ".json"})


@dataclass(frozen=True)
class Accepted:
    """What one ingest stored or already held: (id, version) pairs, in input order."""

    versions: list[tuple[str, str]]


ORGANISATION_TYPES = frozenset({"threat-actor", "intrusion-set", "identity"})
"""STIX types linked to registry organisations (identities only of organisations)."""
_NOT_ORGANISATIONS = frozenset({"individual", "class", "system"})


class Importer:
    """Imports sources into one collection of an :class:`ObjectStore`.

    ``products`` links malware to registry products by name, then by each alias (STIX 2.1
    §4.11 ``aliases``); ``organisations`` links threat actors, intrusion sets and identities
    of organisations (not ``individual``, ``class`` or ``system``) to registry organisations
    by name, then each alias (§4.16, §4.14). Without them no links are made. What was not
    found is named in the report's ``unlinked``.
    """

    def __init__(
        self,
        store: ObjectStore,
        products: ProductResolver | None = None,
        organisations: OrganisationResolver | None = None,
    ) -> None:
        self._store = store
        self._products = products
        self._organisations = organisations

    def import_path(self, path: Path, collection: CollectionSpec) -> list[ImportReport]:
        """Import a file, or every importable file under a directory (sorted by path).

        STIX bundles (``.stix2``, ``.stix``, ``.json`` holding a bundle), MISP event JSON
        (``.json`` holding ``response`` or ``Event``) and CSV files are recognised.

        Raises:
            InvalidInput: a file cannot be read at all (not JSON, not a bundle, not CSV).
        """
        return [self.import_file(file, collection) for file in _files(path)]

    def import_file(self, path: Path, collection: CollectionSpec) -> ImportReport:
        """Import one file, choosing the reader by suffix and content (see :meth:`import_path`)."""
        data = path.read_bytes()
        if path.suffix.lower() == ".csv":
            return self.import_csv(data.decode("utf-8-sig"), str(path), collection)
        if path.suffix.lower() == ".json" and misp.is_misp_event(data):
            return self.import_misp(data, str(path), collection)
        return self.import_stix(data, str(path), collection)

    def import_stix(
        self, data: bytes | str, source: str, collection: CollectionSpec
    ) -> ImportReport:
        """Import a STIX 2.1 bundle (§8). Returns the report; raises only for a non-bundle."""
        report = ImportReport(source=source, format="stix2.1")
        reading = read_objects(load_bundle(data, report), report)
        self.ingest(reading, report, collection)
        return report

    def import_misp(
        self, data: bytes | str, source: str, collection: CollectionSpec
    ) -> ImportReport:
        """Import a MISP event export (REST ``response`` list or a single ``Event``)."""
        report = ImportReport(source=source, format="misp-json")
        objects = misp.events_to_stix(data, report)
        self.ingest(read_objects(objects, report, count=False), report, collection)
        return report

    def import_csv(self, text: str, source: str, collection: CollectionSpec) -> ImportReport:
        """Import a MISP CSV export or a hand-made indicator CSV (header row optional)."""
        report = ImportReport(source=source, format="csv")
        objects = misp.csv_to_stix(text, source, report)
        self.ingest(read_objects(objects, report, count=False), report, collection)
        return report

    def ingest(
        self, reading: Reading, report: ImportReport, collection: CollectionSpec
    ) -> Accepted:
        """Deduplicate, link and store checked objects; counts go into ``report``.

        Indicators are the same when their canonical patterns are; malware when their names
        are (case-folded); relationships when type and both ends are, after references are
        rewritten to the ids already held. Objects marked above the collection's TLP are
        skipped. Returns the (id, version) of every input object now held.
        """
        remap: dict[str, list[str]] = {k: list(v) for k, v in reading.splits.items()}
        plain, relationships = _partition(reading.candidates)
        kept = self._dedup(plain, remap, report, collection)
        kept += self._relationships(relationships, remap, kept, report, collection)
        records = self._records(kept, report, collection)
        added = self._store.add(collection.id, records)
        report.added += added
        report.duplicates += len(records) - added
        self._link_products(kept, report)
        return Accepted([(r.id, r.version) for r in records])

    def _dedup(
        self,
        candidates: list[Candidate],
        remap: dict[str, list[str]],
        report: ImportReport,
        collection: CollectionSpec,
    ) -> list[Candidate]:
        keys = {c.key for c in candidates if c.key is not None}
        held = self._store.ids_for_keys(collection.id, keys) if keys else {}
        known = self._store.known_ids(collection.id, [c.obj["id"] for c in candidates])
        seen: dict[str, str] = dict(held)
        kept: list[Candidate] = []
        for candidate in candidates:
            if candidate.obj["id"] in known:
                kept.append(Candidate(candidate.obj))  # a version of an object held: no key
                continue
            first = seen.setdefault(candidate.key, candidate.obj["id"]) if candidate.key else None
            if first is not None and first != candidate.obj["id"]:
                _alias(remap, candidate.obj["id"], first)
                report.duplicates += 1
                continue
            kept.append(candidate)
        return kept

    def _relationships(
        self,
        candidates: list[Candidate],
        remap: dict[str, list[str]],
        kept: list[Candidate],
        report: ImportReport,
        collection: CollectionSpec,
    ) -> list[Candidate]:
        present = {c.obj["id"] for c in kept}
        refs = {ref for c in candidates for ref in _ends(c.obj, remap)} - present
        present |= self._store.known_ids(collection.id, refs) if refs else set()
        rewritten: list[Candidate] = []
        for candidate in candidates:
            rewritten += _rewrite(candidate.obj, remap, present, report)
        return self._dedup(rewritten, remap, report, collection)

    def _records(
        self, kept: list[Candidate], report: ImportReport, collection: CollectionSpec
    ) -> list[StixRecord]:
        records: list[StixRecord] = []
        for candidate in kept:
            record = make_record(candidate.obj, collection.tlp, candidate.key)
            if not collection.tlp.allows(record.tlp):
                report.skip(record.id, f"marked TLP:{record.tlp.upper()}, above this collection")
                continue
            records.append(record)
        return records

    def _link_products(self, kept: list[Candidate], report: ImportReport) -> None:
        for candidate in kept:
            obj = candidate.obj
            if obj["type"] == "malware" and self._products is not None:
                self._link_one(obj, report)
            elif _is_organisation(obj) and self._organisations is not None:
                self._link_organisation(obj, report)

    def _link_one(self, malware: dict[str, Any], report: ImportReport) -> None:
        assert self._products is not None
        for name in _names(malware):
            product_id = self._products.find_product_by_name(name)
            if product_id is not None:
                self._store.link_product(malware["id"], product_id)
                report.product_links[malware["id"]] = product_id
                return
        report.unlinked[malware["id"]] = str(malware.get("name", ""))

    def _link_organisation(self, obj: dict[str, Any], report: ImportReport) -> None:
        assert self._organisations is not None
        for name in _names(obj):
            org_id = self._organisations.find_organisation(name)
            if org_id is not None:
                self._store.link_organisation(obj["id"], org_id)
                report.organisation_links[obj["id"]] = org_id
                return
        report.unlinked[obj["id"]] = str(obj.get("name", ""))


def _names(obj: dict[str, Any]) -> list[str]:
    """The object's name, then each alias (STIX ``aliases``; an identity has none)."""
    names = [obj.get("name"), *obj.get("aliases", ()), *obj.get("x_mitre_aliases", ())]
    return [str(n) for n in dict.fromkeys(names) if isinstance(n, str) and n.strip()]


def _is_organisation(obj: dict[str, Any]) -> bool:
    if obj["type"] not in ORGANISATION_TYPES:
        return False
    return obj["type"] != "identity" or obj.get("identity_class") not in _NOT_ORGANISATIONS


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for file in sorted(path.rglob("*")):
        if file.is_file() and (
            file.suffix.lower() in STIX_SUFFIXES or file.suffix.lower() == ".csv"
        ):
            yield file


def _partition(candidates: Iterable[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    plain = [c for c in candidates if c.obj["type"] != "relationship"]
    return plain, [c for c in candidates if c.obj["type"] == "relationship"]


def _alias(remap: dict[str, list[str]], old: str, new: str) -> None:
    remap[old] = [new]


def _resolve(ref: str, remap: dict[str, list[str]]) -> list[str]:
    return remap.get(ref, [ref])


def _ends(obj: dict[str, Any], remap: dict[str, list[str]]) -> list[str]:
    return _resolve(obj["source_ref"], remap) + _resolve(obj["target_ref"], remap)


def _rewrite(
    obj: dict[str, Any], remap: dict[str, list[str]], present: set[str], report: ImportReport
) -> list[Candidate]:
    sources, targets = _resolve(obj["source_ref"], remap), _resolve(obj["target_ref"], remap)
    missing = [ref for ref in (*sources, *targets) if ref not in present]
    if missing:
        report.skip(
            obj["id"], f"dangling reference: {missing[0]} is not in the bundle or collection"
        )
        return []
    out: list[Candidate] = []
    for index, (source, target) in enumerate((s, t) for s in sources for t in targets):
        copy = {**obj, "source_ref": source, "target_ref": target}
        if index:
            copy["id"] = _derived_id(obj["id"], source, target)
        key = content_key("relationship", obj["relationship_type"], source, target)
        out.append(Candidate(copy, key))
    return out


def _derived_id(original: str, source: str, target: str) -> str:
    return f"relationship--{uuid.uuid5(uuid.UUID(original[14:]), source + target)}"


def require_bundle_objects(objects: Any) -> list[Any]:
    """The ``objects`` of a TAXII envelope (§3.7) as a list.

    Raises:
        InvalidInput: ``objects`` is missing or not a list.
    """
    if not isinstance(objects, list):
        raise InvalidInput("objects", "an envelope needs an objects list")
    return objects
