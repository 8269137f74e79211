"""Apply an :class:`ImportBatch` to the registry: idempotent, merging the same actor across sources.

A record is matched, in order, by its id (a re-run of the same source), then by a name or alias
of the same record type (the same actor from another source). Matched records are merged by
union: names become aliases, lists gain the new items. A re-run therefore changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pallmall.core.auth import Principal
from pallmall.registry.importers.batch import ImportBatch, Skipped
from pallmall.registry.importers.curated import NAME_REF
from pallmall.registry.names import name_key
from pallmall.registry.service import RegistryService
from pallmall.registry.store import AnyRecord

_UNION_FIELDS = (
    "aliases",
    "former_names",
    "jurisdictions",
    "sources",
    "kinds",
    "designations",
    "nationalities",
    "capabilities",
    "control_codes",
)


@dataclass
class ImportReport:
    """What an import did, and what it left out and why."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relationships_saved: int = 0
    relationships_unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{self.source}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.relationships_saved} relationships saved, "
            f"{self.relationships_unchanged} unchanged, {len(self.skipped)} skipped"
        )


def apply_batch(service: RegistryService, principal: Principal, batch: ImportBatch) -> ImportReport:
    """Write ``batch`` through ``service`` (rights, audit and public changes apply).

    Raises whatever the service raises (e.g. Forbidden); the caller's transaction then rolls
    back, so a failed import leaves nothing half-written.
    """
    report = ImportReport(source=batch.source, skipped=list(batch.skipped))
    ids: dict[str, str] = {}
    for batch_id, record in batch.records.items():
        resolved = _apply_record(service, principal, batch_id, record, report)
        if resolved:
            ids[batch_id] = resolved
    for rel_id, rel in batch.relationships.items():
        ends = [ids.get(e) or _by_name(service, e) for e in (rel.source_id, rel.target_id)]
        if None in ends:
            report.skipped.append(
                Skipped(rel_id, "an end of the relationship is not in the registry")
            )
            continue
        stable = rel_id if not rel_id.startswith(NAME_REF) else None
        _apply_relationship(
            service,
            principal,
            rel.model_copy(update={"source_id": ends[0], "target_id": ends[1]}),
            stable,
            report,
        )
    return report


def _apply_record(
    service: RegistryService,
    principal: Principal,
    batch_id: str,
    record: AnyRecord,
    report: ImportReport,
) -> str | None:
    existing_id = _match(service, batch_id, record)
    if existing_id is None:
        if batch_id.startswith(NAME_REF) and record.type == "product":
            report.skipped.append(
                Skipped(batch_id, f"no product named {record.name!r} in the registry")
            )
            return None
        new_id = None if batch_id.startswith(NAME_REF) else batch_id
        report.created += 1
        return service.create(principal, record, new_id).id
    current = service.store.get(existing_id)
    assert current is not None
    merged = merge(current.record, record)
    if merged == current.record:
        report.unchanged += 1
    else:
        service.update(principal, existing_id, merged)
        report.updated += 1
    return existing_id


def _match(service: RegistryService, batch_id: str, record: AnyRecord) -> str | None:
    if not batch_id.startswith(NAME_REF) and service.store.get(batch_id) is not None:
        return batch_id
    for name in record.all_names():
        for candidate in sorted(service.store.ids_by_name_key(name_key(name))):
            stored = service.store.get(candidate)
            if stored is not None and stored.record.type == record.type:
                return candidate
    return None


def _by_name(service: RegistryService, ref: str) -> str | None:
    if not ref.startswith(NAME_REF):
        return ref if service.store.get(ref) else None
    found = sorted(service.store.ids_by_name_key(ref[len(NAME_REF) :]))
    return found[0] if found else None


def _apply_relationship(
    service: RegistryService,
    principal: Principal,
    rel: Any,
    rel_id: str | None,
    report: ImportReport,
) -> None:
    if rel_id is None:
        same = [
            r
            for r in service.store.relationships_of(rel.source_id)
            if (r.relationship.type, r.relationship.target_id) == (rel.type, rel.target_id)
        ]
        rel_id = same[0].id if same else None
    existing = service.store.get_relationship(rel_id) if rel_id else None
    if existing is not None and existing.relationship == rel:
        report.relationships_unchanged += 1
        return
    service.relate(principal, rel, rel_id)
    report.relationships_saved += 1


def merge(current: AnyRecord, incoming: AnyRecord) -> AnyRecord:
    """``current`` with what ``incoming`` adds: its names as aliases, and new list items.

    Scalars already set in ``current`` win; unset ones (description, founded) are filled.
    """
    update: dict[str, Any] = {}
    known = {name_key(x) for x in (*current.all_names(), *incoming.former_names)}
    names = [n for n in incoming.all_names() if name_key(n) not in known]
    for name in (*current.model_fields_set, *incoming.model_fields_set):
        if name in _UNION_FIELDS:
            update[name] = tuple(dict.fromkeys((*getattr(current, name), *getattr(incoming, name))))
    update["aliases"] = tuple(dict.fromkeys((*update.get("aliases", current.aliases), *names)))
    for name in ("description", "founded", "first_seen"):
        if not getattr(current, name, None) and getattr(incoming, name, None):
            update[name] = getattr(incoming, name)
    if getattr(incoming, "security_research", False):
        update["security_research"] = True
    merged = current.model_copy(update=update)
    return type(current).model_validate(merged.model_dump())
