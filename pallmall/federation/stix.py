"""The STIX 2.1 objects federation exchanges: denial notices, consultations and restrictive
measures as custom SDOs of the "pallmall federation" extension (STIX 2.1 §7.3, ``new-sdo``),
mapped 1:1 to :class:`pallmall.cases.exchange.DenialNotice`,
:class:`~pallmall.cases.exchange.Consultation` and
:class:`~pallmall.cases.exchange.RestrictiveMeasure`.

Parsing is strict: a received object that is not exactly what docs/federation.md specifies
raises :class:`InvalidInput` naming the first bad property, so garbage from a peer never
becomes a record. Timestamps carry microseconds: an object's version is its ``modified`` in
µs since the epoch.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pallmall.cases.exchange import (
    Consultation,
    DenialNotice,
    MeasureKind,
    NoticeParty,
    RestrictiveMeasure,
)
from pallmall.core.errors import InvalidInput
from pallmall.disclosure.marking import Tlp
from pallmall.intel.record import format_us, stix_timestamp_us

EXTENSION_ID = "extension-definition--2f7e1c55-5f8e-4f7a-9d67-70616c6c6d61"
"""The fixed id of the "pallmall federation" extension definition."""
PROJECT_IDENTITY = "identity--8d5a0ad8-0f7c-5b54-9a4e-70616c6c6d61"
"""The identity that authored the extension definition (the pallmall project)."""
DENIAL_TYPE = "x-pallmall-denial-notice"
CONSULTATION_TYPE = "x-pallmall-consultation"
MEASURE_TYPE = "x-pallmall-restrictive-measure"
CUSTOM_TYPES = frozenset({DENIAL_TYPE, CONSULTATION_TYPE, MEASURE_TYPE})
LOG_PROPERTY = "x_pallmall_log"
"""Added at serving time: ``{"origin": ..., "index": N}``; never part of the commitment."""

# The OASIS TLP 2.0 marking definitions (exact for every label, AMBER+STRICT included).
TLP_MARKINGS: Mapping[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_TLP_OF_MARKING = {ref: tlp for tlp, ref in TLP_MARKINGS.items()}
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SUBJECT_TYPES = frozenset({"organization", "person"})
"""What a restrictive measure's subject may be (the screening schemas)."""


@dataclass(frozen=True)
class Envelope:
    """The STIX common properties of one object version: ``created`` and ``modified`` in µs
    since the epoch (``modified`` is the version), the TLP it is marked with, and the
    identity of the notifying state (``created_by_ref``, "" when none)."""

    id: str
    created: int
    modified: int
    tlp: Tlp
    created_by_ref: str = ""


def new_object_id(stix_type: str) -> str:
    """``<stix_type>--<uuid4>``: random, so the hash committed in the log is unguessable."""
    return f"{stix_type}--{uuid.uuid4()}"


def extension_definition() -> dict[str, Any]:
    """The extension definition every custom object names (STIX 2.1 §7.3)."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": PROJECT_IDENTITY,
        "created": "2026-11-30T00:00:00.000Z",
        "modified": "2026-11-30T00:00:00.000Z",
        "name": "pallmall federation",
        "description": (
            "Denial notices, consultations and restrictive measures exchanged between "
            "pallmall nodes."
        ),
        "schema": "docs/federation.md",
        "version": "1.0",
        "extension_types": ["new-sdo"],
    }


def denial_to_stix(notice: DenialNotice, envelope: Envelope) -> dict[str, Any]:
    """The ``x-pallmall-denial-notice`` object of ``notice`` (see docs/federation.md)."""
    return {
        **_common(DENIAL_TYPE, envelope),
        "revoked": notice.revoked,
        "reference": notice.reference,
        "notifying_node": notice.notifying_node,
        "notifying_state": notice.notifying_state,
        "notified_on": notice.notified_on.isoformat(),
        "item_description": notice.item_description,
        "control_entries": list(notice.control_entry),
        "product_category": notice.product_category,
        "destination": notice.destination,
        "end_use": notice.end_use,
        "end_user": _party_json(notice.end_user),
        "consignees": [_party_json(p) for p in notice.consignees],
        "reason_for_refusal": notice.reason,
        "regime_reference": notice.regime_reference,
        "comment": notice.comment,
    }


def denial_from_stix(obj: Any) -> tuple[DenialNotice, Envelope]:
    """The notice and envelope of an ``x-pallmall-denial-notice`` object.

    Raises:
        InvalidInput: naming the first property that is missing or malformed.
    """
    envelope = _envelope(obj, DENIAL_TYPE)
    notice = DenialNotice(
        reference=_text(obj, "reference", required=True),
        notifying_node=_text(obj, "notifying_node", required=True),
        notifying_state=_state(obj, "notifying_state"),
        notified_on=_date(obj, "notified_on"),
        item_description=_text(obj, "item_description"),
        control_entry=tuple(_texts(obj, "control_entries")),
        product_category=_text(obj, "product_category", required=True),
        destination=_text(obj, "destination"),
        end_use=_text(obj, "end_use"),
        end_user=_party(obj.get("end_user"), "end_user"),
        consignees=tuple(_parties(obj, "consignees")),
        reason=_text(obj, "reason_for_refusal"),
        regime_reference=_text(obj, "regime_reference"),
        revoked=_bool(obj, "revoked"),
        comment=_text(obj, "comment"),
    )
    return notice, envelope


def consultation_to_stix(consultation: Consultation, envelope: Envelope) -> dict[str, Any]:
    """The ``x-pallmall-consultation`` object of ``consultation``."""
    return {
        **_common(CONSULTATION_TYPE, envelope),
        "denial_node": consultation.denial_node,
        "denial_reference": consultation.denial_reference,
        "consulting_node": consultation.consulting_node,
        "consulting_state": consultation.consulting_state,
        "case_reference": consultation.case_reference,
        "decided_on": consultation.decided_on.isoformat(),
        "outcome": consultation.outcome,
        "justification": consultation.justification,
    }


def consultation_from_stix(obj: Any) -> tuple[Consultation, Envelope]:
    """The consultation and envelope of an ``x-pallmall-consultation`` object.

    Raises:
        InvalidInput: naming the first property that is missing or malformed.
    """
    envelope = _envelope(obj, CONSULTATION_TYPE)
    consultation = Consultation(
        denial_node=_text(obj, "denial_node", required=True),
        denial_reference=_text(obj, "denial_reference", required=True),
        consulting_node=_text(obj, "consulting_node", required=True),
        consulting_state=_state(obj, "consulting_state"),
        case_reference=_text(obj, "case_reference", required=True),
        decided_on=_date(obj, "decided_on"),
        outcome=_text(obj, "outcome", required=True),
        justification=_text(obj, "justification"),
    )
    return consultation, envelope


def measure_to_stix(measure: RestrictiveMeasure, envelope: Envelope) -> dict[str, Any]:
    """The ``x-pallmall-restrictive-measure`` object of ``measure`` (docs/federation.md)."""
    return {
        **_common(MEASURE_TYPE, envelope),
        "revoked": measure.revoked,
        "reference": measure.reference,
        "notifying_node": measure.notifying_node,
        "notifying_state": measure.notifying_state,
        "measure_type": measure.kind.value,
        "taken_on": measure.taken_on.isoformat(),
        "subject_names": list(measure.subject_names),
        "subject_type": measure.subject_type,
        "countries": list(measure.countries),
        "authority": measure.authority,
        "programme": measure.programme,
        "grounds": measure.grounds,
        "comment": measure.comment,
    }


def measure_from_stix(obj: Any) -> tuple[RestrictiveMeasure, Envelope]:
    """The measure and envelope of an ``x-pallmall-restrictive-measure`` object.

    Raises:
        InvalidInput: naming the first property that is missing or malformed.
    """
    envelope = _envelope(obj, MEASURE_TYPE)
    kind = obj.get("measure_type")
    if kind not in {k.value for k in MeasureKind}:
        kinds = [k.value for k in MeasureKind]
        raise InvalidInput("measure_type", f"{kind!r} is not one of {kinds}")
    names = _texts(obj, "subject_names")
    if not names or not all(n.strip() for n in names):
        raise InvalidInput("subject_names", "must name the subject (no blank name)")
    subject_type = obj.get("subject_type")
    if subject_type not in SUBJECT_TYPES:
        known = sorted(SUBJECT_TYPES)
        raise InvalidInput("subject_type", f"{subject_type!r} is not one of {known}")
    countries = _texts(obj, "countries")
    for country in countries:
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise InvalidInput("countries", f"{country!r} is not an ISO 3166-1 alpha-2 code")
    state = _text(obj, "notifying_state")
    if state and not re.fullmatch(r"[A-Z]{2}", state):
        raise InvalidInput("notifying_state", f"{state!r} is not an ISO 3166-1 alpha-2 code")
    measure = RestrictiveMeasure(
        reference=_text(obj, "reference", required=True),
        notifying_node=_text(obj, "notifying_node", required=True),
        notifying_state=state,
        kind=MeasureKind(kind),
        taken_on=_date(obj, "taken_on"),
        subject_names=tuple(names),
        subject_type=str(subject_type),
        countries=tuple(countries),
        authority=_text(obj, "authority"),
        programme=_text(obj, "programme"),
        grounds=_text(obj, "grounds"),
        revoked=_bool(obj, "revoked"),
        comment=_text(obj, "comment"),
    )
    return measure, envelope


def speaker(obj: Mapping[str, Any]) -> str | None:
    """The node a pallmall object speaks for (a notice's or measure's ``notifying_node``, a
    consultation's ``consulting_node``), parsing it strictly; None for any other type (the
    incidents' standard STIX objects).

    Raises:
        InvalidInput: a pallmall object that does not parse, naming the property.
    """
    kind = obj.get("type")
    if kind == DENIAL_TYPE:
        return denial_from_stix(obj)[0].notifying_node
    if kind == MEASURE_TYPE:
        return measure_from_stix(obj)[0].notifying_node
    if kind == CONSULTATION_TYPE:
        return consultation_from_stix(obj)[0].consulting_node
    return None


def tlp_marking(tlp: Tlp) -> str:
    """The TLP 2.0 marking-definition id for ``tlp``."""
    return TLP_MARKINGS[tlp]


def _common(stix_type: str, envelope: Envelope) -> dict[str, Any]:
    common: dict[str, Any] = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": envelope.id,
        "created": format_us(envelope.created),
        "modified": format_us(envelope.modified),
        "object_marking_refs": [tlp_marking(envelope.tlp)],
        "extensions": {EXTENSION_ID: {"extension_type": "new-sdo"}},
    }
    if envelope.created_by_ref:
        common["created_by_ref"] = envelope.created_by_ref
    return common


def _envelope(obj: Any, stix_type: str) -> Envelope:
    if not isinstance(obj, dict):
        raise InvalidInput("object", "is not a JSON object")
    if obj.get("type") != stix_type:
        raise InvalidInput("type", f"{obj.get('type')!r} is not {stix_type}")
    if obj.get("spec_version") != "2.1":
        raise InvalidInput("spec_version", f"{obj.get('spec_version')!r} is not 2.1")
    object_id = obj.get("id")
    if not isinstance(object_id, str) or not re.fullmatch(f"{stix_type}--{_UUID}", object_id):
        raise InvalidInput("id", f"{object_id!r} is not {stix_type}--UUID")
    extensions = obj.get("extensions")
    if not isinstance(extensions, dict) or extensions.get(EXTENSION_ID) != {
        "extension_type": "new-sdo"
    }:
        raise InvalidInput("extensions", f"must name {EXTENSION_ID} as a new-sdo")
    created, modified = _timestamp(obj, "created"), _timestamp(obj, "modified")
    if modified < created:
        raise InvalidInput("modified", "is earlier than created")
    creator = obj.get("created_by_ref", "")
    if not isinstance(creator, str) or (
        creator and not re.fullmatch(f"identity--{_UUID}", creator)
    ):
        raise InvalidInput("created_by_ref", f"{creator!r} is not identity--UUID")
    return Envelope(object_id, created, modified, _tlp(obj), creator)


def _tlp(obj: Mapping[str, Any]) -> Tlp:
    refs = obj.get("object_marking_refs")
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise InvalidInput("object_marking_refs", "must be a list of marking-definition ids")
    found = [_TLP_OF_MARKING[r] for r in refs if r in _TLP_OF_MARKING]
    if len(found) != 1:
        raise InvalidInput("object_marking_refs", "must hold exactly one TLP 2.0 marking")
    return found[0]


def _timestamp(obj: Mapping[str, Any], name: str) -> int:
    value = obj.get(name)
    try:
        return stix_timestamp_us(value) if isinstance(value, str) else _missing(name)
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a STIX timestamp") from None


def _missing(name: str) -> int:
    raise InvalidInput(name, "is required")


def _text(obj: Mapping[str, Any], name: str, required: bool = False) -> str:
    value = obj.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(name, "must be a string")
    if required and not value.strip():
        raise InvalidInput(name, "is required")
    return value


def _texts(obj: Mapping[str, Any], name: str) -> list[str]:
    value = obj.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(name, "must be a list of strings")
    return value


def _bool(obj: Mapping[str, Any], name: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise InvalidInput(name, "must be true or false")
    return value


def _state(obj: Mapping[str, Any], name: str) -> str:
    value = _text(obj, name, required=True)
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise InvalidInput(name, f"{value!r} is not an ISO 3166-1 alpha-2 code")
    return value


def _date(obj: Mapping[str, Any], name: str) -> date:
    value = obj.get(name)
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise InvalidInput(name, f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _party_json(party: NoticeParty) -> dict[str, str]:
    return {"name": party.name, "country": party.country, "address": party.address}


def _party(value: Any, where: str) -> NoticeParty:
    if not isinstance(value, dict):
        raise InvalidInput(where, "must be an object with name, country and address")
    name, country, address = (value.get(k, "") for k in ("name", "country", "address"))
    for key, text in (("name", name), ("country", country), ("address", address)):
        if not isinstance(text, str):
            raise InvalidInput(f"{where}.{key}", "must be a string")
    if not name.strip():
        raise InvalidInput(f"{where}.name", "is required")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput(f"{where}.country", f"{country!r} is not an ISO 3166-1 alpha-2 code")
    return NoticeParty(name, country, address)


def _parties(obj: Mapping[str, Any], name: str) -> list[NoticeParty]:
    value = obj.get(name, [])
    if not isinstance(value, list):
        raise InvalidInput(name, "must be a list of parties")
    return [_party(v, f"{name}[{i}]") for i, v in enumerate(value)]
