"""Denial notices, consultations and restrictive measures to STIX 2.1 and back; garbage
names its property."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_string

from pallmall.cases.exchange import (
    Consultation,
    DenialNotice,
    MeasureKind,
    NoticeParty,
    RestrictiveMeasure,
)
from pallmall.core.errors import InvalidInput
from pallmall.disclosure.marking import Tlp
from pallmall.federation.stix import (
    CONSULTATION_TYPE,
    DENIAL_TYPE,
    EXTENSION_ID,
    MEASURE_TYPE,
    Envelope,
    consultation_from_stix,
    consultation_to_stix,
    denial_from_stix,
    denial_to_stix,
    extension_definition,
    measure_from_stix,
    measure_to_stix,
    new_object_id,
    tlp_marking,
)
from pallmall.intel.record import stix_timestamp_us

NOTICE = DenialNotice(
    reference="case-0001",
    notifying_node="gb.pallmall.example/log",
    notifying_state="GB",
    notified_on=date(2026, 11, 30),
    item_description="Zero-click iOS exploit chain with implant",
    control_entry=("4.D.4", "4.E.1.c"),
    product_category="device_intrusion",
    destination="XX",
    end_use="law enforcement interception",
    end_user=NoticeParty("Ministry of Interior", "XX", "1 Main St"),
    consignees=(NoticeParty("Broker Ltd", "YY"), NoticeParty("Other")),
    reason="EO 14093 risk factor: misuse against journalists",
    regime_reference="Wassenaar Arrangement",
)
CONSULTATION = Consultation(
    denial_node="gb.pallmall.example/log",
    denial_reference="case-0001",
    consulting_node="fr.pallmall.example/log",
    consulting_state="FR",
    case_reference="case-fr-9",
    decided_on=date(2026, 12, 1),
    outcome="granted",
    justification="Different end user after due diligence.",
)
MEASURE = RestrictiveMeasure(
    reference="case-0007",
    notifying_node="gb.pallmall.example/log",
    notifying_state="GB",
    kind=MeasureKind.RESTRICTION,
    taken_on=date(2026, 11, 2),
    subject_names=("Hexa Intrusion Ltd", "Hexa Labs"),
    subject_type="organization",
    countries=("CY", "MT"),
    authority="UK Export Control Joint Unit",
    grounds="rules cited: code-of-practice.irresponsible-use",
)
T0 = stix_timestamp_us("2026-11-30T12:00:00.123456Z")


def envelope(stix_type: str, tlp: Tlp = Tlp.AMBER) -> Envelope:
    return Envelope(new_object_id(stix_type), T0, T0 + 1, tlp)


def test_a_denial_notice_round_trips_through_json() -> None:
    env = envelope(DENIAL_TYPE)
    obj = json.loads(json.dumps(denial_to_stix(NOTICE, env)))
    assert obj["modified"] == "2026-11-30T12:00:00.123457Z"
    assert obj["extensions"] == {EXTENSION_ID: {"extension_type": "new-sdo"}}
    assert obj["object_marking_refs"] == [tlp_marking(Tlp.AMBER)]
    assert obj["control_entries"] == ["4.D.4", "4.E.1.c"]
    assert obj["reason_for_refusal"] == NOTICE.reason
    assert denial_from_stix(obj) == (NOTICE, env)


def test_a_withdrawal_is_a_revoked_version_of_the_same_object() -> None:
    env = envelope(DENIAL_TYPE, Tlp.AMBER_STRICT)
    withdrawn = DenialNotice(**{**NOTICE.__dict__, "revoked": True, "comment": "allowed on appeal"})
    later = Envelope(
        env.id,
        env.created,
        env.modified + 10,
        env.tlp,
        "identity--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
    )
    obj = denial_to_stix(withdrawn, later)
    assert obj["revoked"] is True and obj["id"] == env.id
    assert denial_from_stix(obj) == (withdrawn, later)


def test_a_consultation_round_trips() -> None:
    env = envelope(CONSULTATION_TYPE, Tlp.RED)
    obj = json.loads(json.dumps(consultation_to_stix(CONSULTATION, env)))
    assert obj["type"] == CONSULTATION_TYPE and obj["decided_on"] == "2026-12-01"
    assert consultation_from_stix(obj) == (CONSULTATION, env)


def test_the_extension_definition_is_the_fixed_one() -> None:
    definition = extension_definition()
    assert definition["id"] == EXTENSION_ID
    assert definition["extension_types"] == ["new-sdo"]
    assert definition["name"] == "pallmall federation" and definition["version"] == "1.0"


def _set(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(obj)
    *parents, last = path.split(".")
    target: Any = broken
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is _DROP:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return broken


_DROP = object()
GARBAGE = [
    ("type", "x-pallmall-other", "type"),
    ("spec_version", "2.0", "spec_version"),
    ("id", "x-pallmall-denial-notice--not-a-uuid", "id"),
    ("id", "indicator--6f1c9d2e-2f0c-4b1e-9a7e-1d2c3b4a5f60", "id"),
    ("extensions", {}, "extensions"),
    ("created", "yesterday", "created"),
    ("modified", _DROP, "modified"),
    ("modified", "2020-01-01T00:00:00Z", "modified"),
    ("object_marking_refs", "amber", "object_marking_refs"),
    ("object_marking_refs", [], "object_marking_refs"),
    ("created_by_ref", "someone", "created_by_ref"),
    ("reference", _DROP, "reference"),
    ("reference", 7, "reference"),
    ("notifying_node", "", "notifying_node"),
    ("notifying_state", "United Kingdom", "notifying_state"),
    ("notified_on", "30/11/2026", "notified_on"),
    ("notified_on", "2026-02-30", "notified_on"),
    ("control_entries", "4.D.4", "control_entries"),
    ("control_entries", [4], "control_entries"),
    ("product_category", _DROP, "product_category"),
    ("end_user", "Ministry", "end_user"),
    ("end_user.name", "", "end_user.name"),
    ("end_user.country", "Narnia", "end_user.country"),
    ("consignees", {"name": "x"}, "consignees"),
    ("consignees.1.address", ["x"], "consignees[1].address"),
    ("revoked", "no", "revoked"),
    ("comment", None, "comment"),
]


@pytest.mark.parametrize(("path", "value", "field"), GARBAGE)
def test_garbage_names_the_property(path: str, value: Any, field: str) -> None:
    good = denial_to_stix(NOTICE, envelope(DENIAL_TYPE))
    with pytest.raises(InvalidInput) as caught:
        denial_from_stix(_set(good, path, value))
    assert caught.value.field == field


@pytest.mark.parametrize("value", [None, [], "text", 3])
def test_what_is_not_an_object_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInput):
        denial_from_stix(value)
    with pytest.raises(InvalidInput):
        consultation_from_stix(value)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("denial_reference", ""),
        ("consulting_state", "fr"),
        ("decided_on", 20261201),
        ("outcome", _DROP),
    ],
)
def test_consultation_garbage_names_the_property(path: str, value: Any) -> None:
    good = consultation_to_stix(CONSULTATION, envelope(CONSULTATION_TYPE))
    with pytest.raises(InvalidInput) as caught:
        consultation_from_stix(_set(good, path, value))
    assert caught.value.field == path


def test_the_objects_pass_the_oasis_stix_validator() -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--1b7c8f0e-8c1d-4b7e-9a2f-70616c6c6d61",
        "objects": [
            extension_definition(),
            denial_to_stix(NOTICE, envelope(DENIAL_TYPE)),
            consultation_to_stix(CONSULTATION, envelope(CONSULTATION_TYPE, Tlp.AMBER_STRICT)),
            measure_to_stix(MEASURE, envelope(MEASURE_TYPE)),
        ],
    }
    result = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]


def test_a_measure_round_trips_and_its_withdrawal_is_a_revoked_version() -> None:
    env = envelope(MEASURE_TYPE)
    obj = measure_to_stix(MEASURE, env)
    assert obj["type"] == MEASURE_TYPE and obj["measure_type"] == "restriction"
    assert measure_from_stix(json.loads(json.dumps(obj))) == (MEASURE, env)
    designation = RestrictiveMeasure(
        "org-1/designation/x", "gb.pallmall.example/log", "", MeasureKind.DESIGNATION,
        date(2021, 11, 3), ("NSO Group",), "organization", (), "US Commerce BIS Entity List",
        "EL", "86 FR 60759", revoked=True, comment="delisted",
    )  # fmt: skip
    assert measure_from_stix(measure_to_stix(designation, env)) == (designation, env)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("measure_type", "sanction", "measure_type"),
        ("measure_type", _DROP, "measure_type"),
        ("subject_names", [], "subject_names"),
        ("subject_names", ["Hexa", " "], "subject_names"),
        ("subject_names", "Hexa", "subject_names"),
        ("subject_type", "vessel", "subject_type"),
        ("countries", ["cy"], "countries"),
        ("notifying_state", "France", "notifying_state"),
        ("reference", "", "reference"),
        ("taken_on", "2 Nov 2026", "taken_on"),
        ("revoked", 1, "revoked"),
        ("grounds", ["x"], "grounds"),
        ("type", DENIAL_TYPE, "type"),
    ],
)
def test_measure_garbage_names_the_property(path: str, value: Any, field: str) -> None:
    good = measure_to_stix(MEASURE, envelope(MEASURE_TYPE))
    with pytest.raises(InvalidInput) as caught:
        measure_from_stix(_set(good, path, value))
    assert caught.value.field == field
