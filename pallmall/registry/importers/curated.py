"""The curated CSV files shipped with pallmall (``pallmall/data/registry/*.csv``).

Each row cites its source. Records are matched to the registry by name when imported, so
these files refer to organisations, persons and products by name, never by id.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pallmall.core.errors import InvalidInput
from pallmall.registry.importers.batch import ImportBatch
from pallmall.registry.model import (
    Confidence,
    Designation,
    Organisation,
    OrgKind,
    Person,
    Product,
    Relationship,
    Source,
)
from pallmall.registry.names import name_key

NAME_REF = "name:"


def name_ref(name: str) -> str:
    """A placeholder id that the import resolves to the record of that name."""
    return NAME_REF + name_key(name)


def read_designations(path: Path) -> ImportBatch:
    """Designations: ``name,type,jurisdiction,authority,programme,listed_on,citation,url``.

    Rows naming the same party add to one record. Raises :class:`InvalidInput` naming the
    file and line for a bad row (a curated file is all good or not imported).
    """
    batch = ImportBatch(source=f"designations:{path.name}")
    for where, row in _rows(path, {"name", "type", "authority", "listed_on", "citation"}):
        designation = _valid(
            where,
            Designation,
            authority=row["authority"],
            programme=row.get("programme") or "",
            listed_on=row["listed_on"],
            citation=row["citation"],
            url=row.get("url") or None,
        )
        key = name_ref(row["name"])
        current: Any = batch.records.get(key)
        if current is None:
            current = _valid(where, _party, row=row)
        batch.records[key] = current.model_copy(
            update={"designations": (*current.designations, designation)}
        )
    return batch


NAME_KINDS = ("alias", "former_name")


def read_names(path: Path) -> ImportBatch:
    """Other names of a party: ``name,type,alias,kind,citation,url``; ``kind`` is ``alias``
    (a name it trades or is listed under) or ``former_name``. Rows naming the same party add
    to one record, which the import merges into the record of that name (so a party typed
    under any of its names is found). Raises :class:`InvalidInput` naming file and line."""
    batch = ImportBatch(source=f"names:{path.name}")
    for where, row in _rows(path, {"name", "type", "alias", "kind", "citation"}):
        if row["kind"] not in NAME_KINDS:
            raise InvalidInput(f"{where}: kind", f"{row['kind']!r} is not one of {NAME_KINDS}")
        key = name_ref(row["name"])
        current: Any = batch.records.get(key) or _valid(where, _party, row=row)
        field = "aliases" if row["kind"] == "alias" else "former_names"
        update = {
            field: (*getattr(current, field), row["alias"]),
            "sources": (*current.sources, _source(row)),
        }
        batch.records[key] = _valid(where, type(current), **{**_fields(current), **update})
    return batch


def _fields(record: Any) -> dict[str, Any]:
    return {k: getattr(record, k) for k in record.model_fields_set}


def read_organisations(path: Path) -> ImportBatch:
    """Parties and their names: ``name,type,kinds,jurisdiction,aliases,former_names,citation,url``
    (``type`` organisation or person; lists separated by ``;``). A row adds to the record of
    that name (its aliases and former names are matched too) or creates it; the citation
    becomes one of the record's sources, the statement being the row's names and kinds."""
    batch = ImportBatch(source=f"organisations:{path.name}")
    for where, row in _rows(path, {"name", "type", "citation"}):
        common: dict[str, Any] = {
            "name": row["name"],
            "aliases": _split(row.get("aliases") or ""),
            "former_names": _split(row.get("former_names") or ""),
            "sources": (_source(row),),
            "confidence": Confidence.CONFIRMED,
        }
        jurisdictions = (row["jurisdiction"],) if row.get("jurisdiction") else ()
        party: Any
        if row["type"] == "person":
            party = _valid(where, Person, nationalities=jurisdictions, **common)
        elif row["type"] == "organisation":
            kinds = _split(row.get("kinds") or "") or (OrgKind.VENDOR,)
            party = _valid(where, Organisation, kinds=kinds, jurisdictions=jurisdictions, **common)
        else:
            raise InvalidInput(f"{where}: type", f"{row['type']!r} is not organisation or person")
        key = name_ref(row["name"])
        current: Any = batch.records.get(key)
        batch.records[key] = party if current is None else _union(current, party)
    return batch


def _union(first: Any, second: Any) -> Any:
    """Two rows about the same party: lists joined, the first row's scalars kept."""
    update = {
        field: tuple(dict.fromkeys((*getattr(first, field), *getattr(second, field))))
        for field in ("aliases", "former_names", "sources", "kinds", "jurisdictions")
        if hasattr(first, field)
    }
    return first.model_copy(update=update)


def read_products(path: Path) -> ImportBatch:
    """Product taxonomy: ``product,capabilities,control_codes,security_research,citation,url``
    and an optional ``aliases`` column (lists separated by ``;``). Products are matched by
    name to those already imported; rows naming the same product add to one record (a row
    may cite the source of an alias alone)."""
    batch = ImportBatch(source=f"products:{path.name}")
    for where, row in _rows(path, {"product", "capabilities", "citation"}):
        key = name_ref(row["product"])
        current: Any = batch.records.get(key)
        made = _valid(
            where,
            Product,
            name=row["product"],
            aliases=_split(row.get("aliases") or ""),
            capabilities=_split(row["capabilities"]),
            control_codes=_split(row.get("control_codes") or ""),
            security_research=(row.get("security_research") or "").lower() == "true",
            sources=(_source(row),),
        )
        if current is not None:
            made = current.model_copy(
                update={
                    name: tuple(dict.fromkeys((*getattr(current, name), *getattr(made, name))))
                    for name in ("aliases", "capabilities", "control_codes", "sources")
                }
            )
        batch.records[key] = made
    return batch


def read_relationships(path: Path) -> ImportBatch:
    """Relationships by name: ``source,type,target,share,start,end,confidence,citation,url``."""
    batch = ImportBatch(source=f"relationships:{path.name}")
    for where, row in _rows(path, {"source", "type", "target", "citation"}):
        rel = _valid(
            where,
            Relationship,
            type=row["type"],
            source_id=name_ref(row["source"]),
            target_id=name_ref(row["target"]),
            share=row.get("share") or None,
            start=row.get("start") or None,
            end=row.get("end") or None,
            confidence=row.get("confidence") or Confidence.UNKNOWN,
            sources=(_source(row),),
        )
        batch.relationships[f"{rel.source_id}|{rel.type.value}|{rel.target_id}"] = rel
    return batch


def _rows(path: Path, required: set[str]) -> Iterator[tuple[str, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(str(path), f"cannot read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = required - set(reader.fieldnames or ())
    if missing:
        raise InvalidInput(
            f"{path.name}: header", f"missing column(s) {', '.join(sorted(missing))}"
        )
    for line, row in enumerate(reader, start=2):
        yield f"{path.name}: line {line}", {k: (v or "").strip() for k, v in row.items() if k}


def _valid(where: str, build: Callable[..., Any], **fields: Any) -> Any:
    """``build(**fields)``, with any validation error re-raised naming ``where`` and the field."""
    try:
        return build(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(f"{where}: {field}", err["msg"]) from None
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.field}", exc.reason) from None


def _party(row: dict[str, str]) -> Organisation | Person:
    jurisdictions = (row["jurisdiction"],) if row.get("jurisdiction") else ()
    if row["type"] == "person":
        return Person(
            name=row["name"], nationalities=jurisdictions, confidence=Confidence.CONFIRMED
        )
    if row["type"] != "organisation":
        raise InvalidInput("type", f"{row['type']!r} is not 'organisation' or 'person'")
    return Organisation(
        name=row["name"],
        kinds=(OrgKind.VENDOR,),
        jurisdictions=jurisdictions,
        confidence=Confidence.CONFIRMED,
    )


def _source(row: dict[str, str]) -> Source:
    return Source(title=row["citation"], url=row.get("url") or None)


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())
