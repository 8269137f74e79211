"""Indicator export that MVT (the Mobile Verification Toolkit) can read.

MVT reads a STIX 2.1 bundle of ``malware``, ``indicator`` and ``indicates`` relationships
and splits each pattern on ``=``: so every pattern here is one comparison, written
``[type:path='value']``, with hash keys in MVT's lower-case spelling (``file:hashes.sha256``).
Indicators MVT cannot match are left out with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.intel.pattern import Observable, read_pattern
from pallmall.intel.ports import ObjectStore
from pallmall.intel.report import ImportReport
from pallmall.intel.stixid import stix_id
from pallmall.intel.taxii import ObjectQuery

MVT_TYPES = ("malware", "indicator", "relationship")
"""The object types an MVT bundle is made of."""

# object type and path as MVT spells them, for each canonical (type, path) it understands
MVT_KEYS = {
    ("domain-name", "value"): "domain-name:value",
    ("ipv4-addr", "value"): "ipv4-addr:value",
    ("url", "value"): "url:value",
    ("email-addr", "value"): "email-addr:value",
    ("process", "name"): "process:name",
    ("file", "name"): "file:name",
    ("file", "path"): "file:path",
    ("file", "hashes.'SHA-256'"): "file:hashes.sha256",
    ("app", "id"): "app:id",
    ("app", "cert.sha256"): "app:cert.sha256",
    ("configuration-profile", "id"): "configuration-profile:id",
    ("android-property", "name"): "android-property:name",
}


def mvt_pattern(observable: Observable) -> str:
    """The pattern MVT reads for ``observable``.

    Raises:
        InvalidInput: MVT has no matcher for the observable, or its value holds ``=``
            (MVT splits patterns on ``=``).
    """
    key = MVT_KEYS.get((observable.object_type, observable.path))
    if key is None:
        raise InvalidInput(
            "pattern", f"MVT cannot match {observable.object_type}:{observable.path}"
        )
    if "=" in observable.value or "'" in observable.value:
        raise InvalidInput("pattern", "MVT splits patterns on '=' and cannot read this value")
    return f"[{key}='{observable.value}']"


def mvt_bundle(objects: Iterable[dict[str, Any]], report: ImportReport) -> dict[str, Any]:
    """An MVT-readable bundle from STIX objects (e.g. a collection's malware and indicators).

    Indicators reach their malware through ``indicates`` relationships; those left out are
    noted in ``report`` (reused here as an export report).
    """
    items = list(objects)
    kept: dict[str, dict[str, Any]] = {}
    for obj in items:
        if obj.get("type") == "malware":
            kept[obj["id"]] = obj
        elif obj.get("type") == "indicator":
            _indicator(obj, kept, report)
    links = [
        o
        for o in items
        if o.get("type") == "relationship"
        and o.get("relationship_type") == "indicates"
        and o.get("source_ref") in kept
        and o.get("target_ref") in kept
    ]
    out = [*kept.values(), *links]
    return {"type": "bundle", "id": stix_id("bundle", ids=[o["id"] for o in out]), "objects": out}


def _indicator(obj: dict[str, Any], kept: dict[str, dict[str, Any]], report: ImportReport) -> None:
    report.received += 1
    try:
        observables = read_pattern(str(obj.get("pattern", ""))).observables
        pattern = mvt_pattern(observables[0])
        if len(observables) > 1:
            raise InvalidInput("pattern", "more than one comparison")
    except InvalidInput as exc:
        report.skip(str(obj.get("id")), exc.reason)
        return
    kept[obj["id"]] = {**obj, "pattern": pattern}
    report.added += 1


def collection_objects(
    store: ObjectStore, collection_id: str, types: tuple[str, ...] = MVT_TYPES
) -> Iterator[dict[str, Any]]:
    """The latest version of each object of ``types`` in a collection, oldest added first,
    read page by page (keyset, TAXII 2.1 §3.6) so memory holds one page of text at a time."""
    after: tuple[int, int] | None = None
    while True:
        page = store.page(collection_id, ObjectQuery(limit=1000, types=types, after=after))
        for row in page.rows:
            yield json.loads(row.body)
        if not page.more or not page.rows:
            return
        after = (page.rows[-1].date_added_us, page.rows[-1].seq)
