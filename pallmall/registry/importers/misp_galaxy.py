"""MISP galaxy clusters (``surveillance-vendor``, ``threat-actor``) to registry records.

Format: https://www.misp-project.org/galaxy.html — ``{"type", "values": [{"uuid", "value",
"description", "meta": {"refs", "synonyms", "products", "country"}, "related": [...]}]}``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from pallmall.core.errors import InvalidInput
from pallmall.core.ids import stable_id
from pallmall.registry.importers.batch import ImportBatch
from pallmall.registry.model import (
    Confidence,
    Organisation,
    OrgKind,
    Product,
    Relationship,
    RelType,
    Source,
)

GALAXY_KINDS = {"surveillance-vendor": OrgKind.VENDOR, "threat-actor": OrgKind.HACKER_FOR_HIRE}
_FOUNDED = re.compile(
    r"\b(?:founded|established|incorporated|formed)\b[^.]{0,40}?\b(19\d\d|20\d\d)\b"
)
_RELATED = {
    "part-of": RelType.SUBSIDIARY_OF,
    "acquires": RelType.OWNS,
    "is-allied-with": RelType.ALLIED_WITH,
}
_MAX_SOURCES = 8


def read_galaxy(path: Path) -> ImportBatch:
    """Read a galaxy cluster file.

    Raises:
        InvalidInput: naming the file when it is not JSON or not a known galaxy type.
    """
    doc = _load(path)
    kind = GALAXY_KINDS[doc["type"]]
    batch = ImportBatch(source=f"misp-galaxy:{doc['type']}")
    ids = {v.get("uuid"): _org_id(doc["type"], v["uuid"]) for v in doc["values"] if _ok(v)}
    for n, value in enumerate(doc["values"]):
        where = f"{path.name}: values[{n}]"
        if not _ok(value):
            batch.skip(where, "no 'value' (name) or 'uuid'")
            continue
        _read_cluster(batch, where, doc["type"], kind, value, ids)
    return batch


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(str(path), f"not a readable JSON file: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise InvalidInput(str(path), "not a MISP galaxy cluster file (no 'values' list)")
    if doc.get("type") not in GALAXY_KINDS:
        known = ", ".join(GALAXY_KINDS)
        raise InvalidInput(f"{path}: type", f"{doc.get('type')!r} is not one of {known}")
    return doc


def _ok(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("value")) and bool(value.get("uuid"))


def _org_id(galaxy: str, uuid: str) -> str:
    return stable_id("org", "misp-galaxy", galaxy, uuid)


def _read_cluster(
    batch: ImportBatch,
    where: str,
    galaxy: str,
    kind: OrgKind,
    value: dict[str, Any],
    ids: dict[str, str],
) -> None:
    meta = value.get("meta") or {}
    org_id = ids[value["uuid"]]
    try:
        batch.records[org_id] = _organisation(value, meta, kind)
    except ValidationError as exc:
        batch.skip(where, _first_error(exc))
        return
    name = value["value"].strip()
    for product in meta.get("products", []):
        cited = _cited(galaxy, f"{name}: products lists {str(product).strip()}")
        _read_product(batch, where, org_id, str(product), cited)
    for m, rel in enumerate(value.get("related") or []):
        cited = _cited(galaxy, f"{name}: related {str(rel.get('type', '')).strip()}")
        _read_related(batch, f"{where}.related[{m}]", org_id, rel, ids, cited)


def _cited(galaxy: str, statement: str) -> Source:
    """The galaxy itself as the source of a relationship it states (every link cites one)."""
    return Source(
        title=f"MISP galaxy {galaxy}, {statement}"[:300],
        url=f"https://github.com/MISP/misp-galaxy/blob/main/clusters/{galaxy}.json",
    )


def _organisation(value: dict[str, Any], meta: dict[str, Any], kind: OrgKind) -> Organisation:
    name = value["value"].strip()
    aliases = tuple(s.strip() for s in meta.get("synonyms", []) if s.strip() and s.strip() != name)
    country = meta.get("country")
    description = value.get("description") or ""
    founded = _FOUNDED.search(description)
    return Organisation(
        name=name,
        kinds=(kind,),
        aliases=tuple(dict.fromkeys(aliases)),
        jurisdictions=(country,) if isinstance(country, str) and len(country) == 2 else (),
        description=description,
        sources=_sources(meta),
        confidence=Confidence.LIKELY,
        founded=int(founded.group(1)) if founded else None,
    )


def _sources(meta: dict[str, Any]) -> tuple[Source, ...]:
    urls = [*meta.get("official-refs", []), *meta.get("refs", [])]
    found = []
    for url in dict.fromkeys(u.strip() for u in urls if isinstance(u, str)):
        host = urlparse(url).netloc
        if url.startswith(("http://", "https://")) and host and " " not in url:
            found.append(Source(title=host, url=url))
    return tuple(found[:_MAX_SOURCES])


def _read_product(batch: ImportBatch, where: str, org_id: str, name: str, cited: Source) -> None:
    product_id = stable_id("prd", org_id, name.casefold())
    try:
        batch.records[product_id] = Product(name=name.strip(), confidence=Confidence.LIKELY)
    except ValidationError as exc:
        batch.skip(f"{where}.meta.products", _first_error(exc))
        return
    rel = Relationship(
        type=RelType.DEVELOPS,
        source_id=org_id,
        target_id=product_id,
        confidence=Confidence.LIKELY,
        sources=(cited,),
    )
    batch.relationships[stable_id("rel", org_id, "develops", product_id)] = rel


def _read_related(
    batch: ImportBatch,
    where: str,
    org_id: str,
    rel: dict[str, Any],
    ids: dict[str, str],
    cited: Source,
) -> None:
    rel_type = str(rel.get("type", "")).strip()
    target = ids.get(rel.get("dest-uuid", ""))
    if target is None:
        batch.skip(where, f"dest-uuid {rel.get('dest-uuid')!r} is not in this galaxy")
        return
    source = org_id
    if rel_type == "is-acquired-by":
        source, target, rel_type = target, org_id, "acquires"
    if rel_type not in _RELATED:
        batch.skip(where, f"relation type {rel_type!r} has no registry equivalent")
        return
    if source == target:
        batch.skip(where, "relation from a cluster to itself")
        return
    confidence = (
        Confidence.LIKELY if "likely" in json.dumps(rel.get("tags", [])) else Confidence.POSSIBLE
    )
    out = Relationship(
        type=_RELATED[rel_type],
        source_id=source,
        target_id=target,
        confidence=confidence,
        sources=(cited,),
    )
    batch.relationships[stable_id("rel", source, out.type.value, target)] = out


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
