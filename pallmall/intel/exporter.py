"""STIX 2.1 export of the registry and of abuse incidents.

Mapping: vendor and other organisations -> ``identity`` (§4.5); hacker-for-hire ->
``threat-actor`` (§4.17); product -> ``malware`` (§4.11, ``is_family``); customer deployment
(an organisation ``customer_of`` a product) -> ``intrusion-set`` (§4.8) that ``uses`` the
malware and is ``attributed-to`` the customer; incident -> ``campaign`` (§4.2) + ``report``
(§4.14) with ``uses`` / ``attributed-to`` / ``targets`` relationships and ``indicates``
from its indicators. Ids come from :mod:`stixid`, so a re-export gives the same ids.
Victims appear only as pseudonymous ``identity`` objects; names never leave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pallmall.intel.incident import Citation, Incident, LinkRole
from pallmall.intel.ports import RegistryOrg, RegistryProduct, RegistryRelation, RegistrySource
from pallmall.intel.stixid import named_id, relationship_id, stix_id
from pallmall.intel.tlp import Tlp, marking_definition, marking_ref

HACKER_FOR_HIRE = "hacker_for_hire"
CUSTOMER_KINDS = frozenset({"customer_of", "deploys", "operates"})
AUTHOR_KINDS = frozenset({"develops"})
_GOVERNMENT = frozenset({"state", "state_agency"})


@dataclass
class _Bundle:
    stamp: str
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    ref_of: dict[str, str] = field(default_factory=dict)  # registry id -> STIX id

    def add(self, obj: dict[str, Any], tlp: Tlp = Tlp.CLEAR) -> str:
        base = {"type": obj["type"], "spec_version": "2.1", "id": obj["id"]}
        self.objects[obj["id"]] = {
            **base,
            "created": self.stamp,
            "modified": self.stamp,
            **{k: v for k, v in obj.items() if k not in base},
            "object_marking_refs": [marking_ref(tlp)],
        }
        return str(obj["id"])

    def relate(
        self, kind: str, source: str, target: str, tlp: Tlp = Tlp.CLEAR, **extra: Any
    ) -> str:
        rid = relationship_id(kind, source, target)
        body: dict[str, Any] = {"id": rid, "type": "relationship", "relationship_type": kind}
        return self.add({**body, "source_ref": source, "target_ref": target, **extra}, tlp)


def export_bundle(
    registry: RegistrySource, incidents: Iterable[Incident], as_of: datetime
) -> dict[str, Any]:
    """A STIX 2.1 bundle (§8) of the registry and ``incidents``; ``as_of`` dates every object.

    The bundle id is derived from ``as_of`` and the object ids, so equal input gives equal
    output. Pass only what the reader may see: a registry source loaded for the reader and
    incidents redacted for it (:func:`pallmall.intel.redaction.redact`); the exporter
    writes every field it is given.
    """
    bundle = _Bundle(stamp=as_of.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z")
    orgs = {org.id: org for org in registry.organisations()}
    for org in orgs.values():
        bundle.ref_of[org.id] = bundle.add(_org(org))
    for product in registry.products():
        _product(bundle, product, orgs)
    for relation in registry.relationships():
        _relation(bundle, relation, orgs)
    for incident in incidents:
        _incident(bundle, incident)
    return _wrap(bundle)


def _wrap(bundle: _Bundle) -> dict[str, Any]:
    used = {ref for obj in bundle.objects.values() for ref in obj.get("object_marking_refs", [])}
    markings = [
        marking_definition(t) for t in Tlp if marking_ref(t) in used and t is not Tlp.AMBER_STRICT
    ]
    objects = [*markings, *sorted(bundle.objects.values(), key=lambda o: str(o["id"]))]
    bundle_id = stix_id("bundle", stamp=bundle.stamp, ids=[o["id"] for o in objects])
    return {"type": "bundle", "id": bundle_id, "objects": objects}


def _org(org: RegistryOrg) -> dict[str, Any]:
    if org.kind == HACKER_FOR_HIRE:
        obj: dict[str, Any] = {"type": "threat-actor", "id": named_id("threat-actor", org.name)}
        obj.update(
            {"name": org.name, "threat_actor_types": ["spy"], "resource_level": "organization"}
        )
        obj["primary_motivation"] = "personal-gain"
    else:
        obj = {
            "type": "identity",
            "id": named_id("identity", org.name, identity_class="organization"),
        }
        obj.update({"name": org.name, "identity_class": "organization"})
        if org.kind in _GOVERNMENT:
            obj["sectors"] = ["government"]
    if org.aliases:
        obj["aliases" if obj["type"] == "threat-actor" else "x_pallmall_aliases"] = list(
            org.aliases
        )
    obj["x_pallmall_kind"] = org.kind
    if org.kinds:
        obj["x_pallmall_kinds"] = list(org.kinds)
    if org.country:
        obj["x_pallmall_country"] = org.country
    return obj


def _product(bundle: _Bundle, product: RegistryProduct, orgs: dict[str, RegistryOrg]) -> None:
    obj: dict[str, Any] = {
        "type": "malware",
        "id": named_id("malware", product.name),
        "name": product.name,
    }
    obj["is_family"] = True
    if product.aliases:
        obj["aliases"] = list(product.aliases)
    if product.description:
        obj["description"] = product.description
    bundle.ref_of[product.id] = bundle.add(obj)
    vendor = bundle.ref_of.get(product.vendor_id or "")
    if vendor is not None:
        bundle.relate("authored-by", bundle.ref_of[product.id], vendor)


def _relation(bundle: _Bundle, relation: RegistryRelation, orgs: dict[str, RegistryOrg]) -> None:
    source, target = bundle.ref_of.get(relation.source_id), bundle.ref_of.get(relation.target_id)
    if source is None or target is None:
        return
    extra = _relation_extra(relation)
    to_product = target.startswith("malware--")
    if relation.kind in CUSTOMER_KINDS and to_product and relation.source_id in orgs:
        _deployment(bundle, orgs[relation.source_id], source, target, extra)
        return
    if relation.kind in AUTHOR_KINDS and to_product:
        bundle.relate("authored-by", target, source, **extra)  # STIX 2.1 §4.11.2
        return
    # No STIX 2.1 relationship type says "owns" or "supplies": related-to, naming the kind,
    # is what OpenCTI and MISP accept between any two objects (§5.1.2 common types).
    kind = relation.kind.replace("_", " ")
    rid = stix_id(
        "relationship",
        relationship_type="related-to",
        source_ref=source,
        target_ref=target,
        x_pallmall_relationship_type=relation.kind,
    )
    body = {"id": rid, "type": "relationship", "relationship_type": "related-to"}
    bundle.add(
        {
            **body,
            "source_ref": source,
            "target_ref": target,
            "description": f"{bundle.objects[source]['name']} {kind} "
            f"{bundle.objects[target]['name']}",
            "x_pallmall_relationship_type": relation.kind,
            **extra,
        }
    )


def _relation_extra(relation: RegistryRelation) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if relation.start:
        extra["start_time"] = f"{relation.start.isoformat()}T00:00:00Z"
    if relation.end:
        extra["stop_time"] = f"{relation.end.isoformat()}T00:00:00Z"
    if relation.confidence is not None:
        extra["confidence"] = relation.confidence
    if relation.sources:
        extra["external_references"] = [_source(s) for s in relation.sources]
    return extra


def _source(text: str) -> dict[str, str]:
    if text.startswith(("http://", "https://")):
        return {"source_name": "source", "url": text}
    return {"source_name": "source", "description": text}


def _deployment(
    bundle: _Bundle,
    customer: RegistryOrg,
    customer_ref: str,
    malware_ref: str,
    extra: dict[str, Any],
) -> None:
    name = f"{customer.name} / {bundle.objects[malware_ref]['name']}"
    iset = bundle.add(
        {"type": "intrusion-set", "id": named_id("intrusion-set", name), "name": name}
    )
    bundle.relate("uses", iset, malware_ref, **extra)
    bundle.relate("attributed-to", iset, customer_ref, **extra)


def _incident(bundle: _Bundle, incident: Incident) -> None:
    tlp = incident.tlp
    name = f"{incident.title} ({incident.id})"
    campaign = _campaign(incident, name)
    cid = bundle.add(campaign, tlp)
    refs = [cid]
    for link in incident.attributions:
        refs += _attribution(
            bundle, cid, link.role, link.target_id, link.confidence, link.sources, tlp
        )
    for victim in incident.victims:
        vid = bundle.add(_victim(victim.pseudonym, victim.category.value), tlp)
        refs += [vid, bundle.relate("targets", cid, vid, tlp)]
    tools = [
        bundle.ref_of[link.target_id]
        for link in incident.attributions
        if link.role is LinkRole.PRODUCT and link.target_id in bundle.ref_of
    ]
    for pattern in incident.indicators:
        iid = bundle.add(_indicator(pattern, bundle.stamp), tlp)
        refs += [iid, bundle.relate("indicates", iid, cid, tlp)]
        # indicator indicates malware too: how MVT names the spyware a device shows
        refs += [bundle.relate("indicates", iid, tool, tlp) for tool in tools]
    published = (incident.decided_at or incident.reported_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    report: dict[str, Any] = {
        "type": "report",
        "id": named_id("report", name, published=published),
        "name": name,
    }
    report.update({"published": published, "report_types": ["campaign"], "object_refs": refs})
    if incident.public_summary:
        report["description"] = incident.public_summary
    if incident.sources:
        report["external_references"] = [_source(s.ref) for s in incident.sources]
    report["x_pallmall_status"] = incident.status.value
    bundle.add(report, tlp)


def _campaign(incident: Incident, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": "campaign", "id": named_id("campaign", name), "name": name}
    if incident.public_summary:
        obj["description"] = incident.public_summary
    if incident.first_seen:
        obj["first_seen"] = f"{incident.first_seen.isoformat()}T00:00:00Z"
    if incident.last_seen:
        obj["last_seen"] = f"{incident.last_seen.isoformat()}T00:00:00Z"
    lists = {
        "x_pallmall_categories": incident.categories,
        "x_pallmall_device_types": incident.device_types,
        "x_pallmall_attack_vectors": incident.attack_vectors,
    }
    obj.update({key: sorted(v.value for v in values) for key, values in lists.items() if values})
    if incident.sources:
        obj["external_references"] = [_source(s.ref) for s in incident.sources]
    return obj


def _attribution(
    bundle: _Bundle,
    cid: str,
    role: LinkRole,
    target: str,
    confidence: int,
    sources: tuple[Citation, ...],
    tlp: Tlp,
) -> list[str]:
    ref = bundle.ref_of.get(target)
    if ref is None:
        return []
    kind = "uses" if role is LinkRole.PRODUCT else "attributed-to"
    if role is LinkRole.VENDOR:
        kind = "related-to"
    extra: dict[str, Any] = {
        "confidence": confidence,
        "description": f"{role.value} of the incident",
    }
    if sources:
        extra["external_references"] = [_source(s.ref) for s in sources]
    return [bundle.relate(kind, cid, ref, tlp, **extra)]


def _victim(pseudonym: str, category: str) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "identity",
        "id": named_id("identity", pseudonym, identity_class="individual"),
    }
    obj.update({"name": pseudonym, "identity_class": "individual", "roles": [category]})
    return obj


def _indicator(pattern: str, stamp: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": "indicator", "id": stix_id("indicator", pattern=pattern)}
    obj["pattern"] = pattern
    obj.update(
        {"pattern_type": "stix", "valid_from": stamp, "indicator_types": ["malicious-activity"]}
    )
    return obj
