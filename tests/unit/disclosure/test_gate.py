"""The disclosure gate: the rules, the vocabulary, the gate and the publisher's check, and the
docs that state them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pallmall.cases.effects import EFFECTS
from pallmall.core.auth import ANONYMOUS, Principal, Role
from pallmall.core.changes import PublicChange
from pallmall.core.errors import InvalidInput
from pallmall.disclosure import (
    NODE,
    PUBLIC,
    WITHHELD_PREFIX,
    Part,
    Reader,
    Sensitivity,
    Tlp,
    Visibility,
    check_change,
    gate,
    may_read,
)
from pallmall.disclosure.kinds import (
    CASE_KINDS,
    CASE_VERBS,
    ENTRY_KINDS,
    RECORD_FIELDS,
    vocabulary_table,
)
from pallmall.registry.model import Organisation, Person, Product, Relationship

DOCS = Path(__file__).resolve().parents[3] / "docs" / "disclosure.md"
AT = datetime(2026, 5, 1, tzinfo=UTC)
R, P_ = Visibility.RESTRICTED, Visibility.PUBLIC


@pytest.mark.parametrize(
    ("reader", "sensitivity", "readable"),
    [
        (PUBLIC, Sensitivity(), True),
        (PUBLIC, Sensitivity(R), False),
        (PUBLIC, Sensitivity(refs=(P_, R)), False),  # as restricted as its most restricted end
        (PUBLIC, Sensitivity(tlp=Tlp.GREEN), False),
        (Reader(registry_restricted=True), Sensitivity(R), True),
        (Reader(registry_restricted=True), Sensitivity(tlp=Tlp.AMBER), False),
        (Reader(tlp_ceiling=Tlp.RED), Sensitivity(tlp=Tlp.RED), True),
        (Reader(tlp_ceiling=Tlp.RED), Sensitivity(R, Tlp.CLEAR), False),
        (NODE, Sensitivity(R, Tlp.RED, (R,)), True),
    ],
)
def test_who_reads_what(reader: Reader, sensitivity: Sensitivity, readable: bool) -> None:
    assert may_read(reader, sensitivity) is readable


def test_readers_from_roles() -> None:
    assert Reader.of(ANONYMOUS).is_public
    assert Reader.of(Principal("v", Role.VENDOR)).is_public
    analyst = Reader.of(Principal("a", Role.ANALYST))
    assert analyst.tlp_ceiling is Tlp.RED and not analyst.registry_restricted
    regulator = Reader.of(Principal("r", Role.REGULATOR, account_id="acct-a"))
    assert regulator.registry_restricted and regulator.tlp_ceiling is Tlp.RED
    assert regulator.holder_ids == {"r", "acct-a"} and not regulator.overseer
    assert Reader.of(Principal("o", Role.OVERSIGHT)).overseer and NODE.overseer


def test_held_material_only_for_holders_and_overseers() -> None:
    held = Sensitivity(tlp=Tlp.RED, holders=frozenset({"acct-lab", "acct-b"}))
    cleared = Reader(registry_restricted=True, tlp_ceiling=Tlp.RED)
    assert not may_read(cleared, held)  # cleared for everything, but holds nothing
    assert may_read(replace(cleared, holder_ids=frozenset({"acct-b"})), held)
    assert may_read(replace(cleared, overseer=True), held)
    # holding is not a clearance: a holder still needs the TLP ceiling
    assert not may_read(Reader(holder_ids=frozenset({"acct-lab"})), held)
    assert not held.is_public and not Sensitivity(holders=frozenset()).is_public
    assert may_read(cleared, Sensitivity(tlp=Tlp.RED))  # not held: the ceiling decides


def relationship_fields(**extra: object) -> dict[str, object]:
    base = {"visibility": "public", "type": "owns", "source_id": "org-a", "target_id": "org-b"}
    return {**base, "share": 51.0, "start": None, "end": None, "confidence": "likely", **extra}


def test_a_public_subject_publishes_public_fields_and_splits_items() -> None:
    sources = [Part({"title": "open"}), Part({"title": "tip"}, Sensitivity(R))]
    change = gate(
        "registry.relationship.saved",
        "rel-1",
        AT,
        relationship_fields(sources=sources),
        Sensitivity(),
    )
    assert change.subject == "rel-1" and change.public["share"] == 51.0
    assert change.public["sources"] == [{"title": "open"}]
    assert change.confidential == {"sources_restricted": [{"title": "tip"}]}
    check_change(change)


def test_a_restricted_subject_is_committed_and_not_named() -> None:
    fields = relationship_fields(visibility="restricted", sources=[Part({"title": "open"})])
    change = gate("registry.relationship.saved", "rel-1", AT, fields, Sensitivity(refs=(R,)))
    assert change.public == {"visibility": "restricted"}
    assert change.subject.startswith(WITHHELD_PREFIX) and "rel-1" not in change.subject
    assert change.confidential["subject"] == "rel-1"
    assert change.confidential["sources_restricted"] == [{"title": "open"}]
    again = gate("registry.relationship.saved", "rel-1", AT, fields, Sensitivity(refs=(R,)))
    assert again.subject != change.subject  # pseudonyms do not link entries
    check_change(change)


def test_withheld_fields_never_leave() -> None:
    fields = {"tlp": "clear", "title": "t", "victim_identities": [["p", "Name", "MX"]]}
    change = gate("intel.incident.confirmed", "inc-1", AT, fields, Sensitivity())
    assert (
        "victim_identities" not in change.public and "victim_identities" not in change.confidential
    )


def test_the_gate_refuses_what_the_vocabulary_does_not_declare() -> None:
    with pytest.raises(InvalidInput, match="not a log entry kind"):
        gate("licence.decision.denied", "c", AT, {}, Sensitivity())
    with pytest.raises(InvalidInput, match="not declared"):
        gate("report.published", "r", AT, {"state": "GB", "secret": 1}, Sensitivity())
    with pytest.raises(InvalidInput, match="parts"):
        gate(
            "registry.relationship.saved",
            "r",
            AT,
            relationship_fields(sources=["x"]),
            Sensitivity(),
        )
    with pytest.raises(InvalidInput, match="items field"):
        gate("report.published", "r", AT, {"state": [Part("GB")]}, Sensitivity())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (PublicChange("cases.licence.decided", "c", AT, {"details": {}}), "not public"),
        (PublicChange("cases.licence.decided", "c", AT, {}, {"nope": 1}), "not committed"),
        (PublicChange("cases.licence.decided", "c", AT, {}, {"subject": "c"}), "withheld subject"),
        (PublicChange("licence.decision.denied", "c", AT), "not a log entry kind"),
    ],
)
def test_the_publisher_check_refuses_a_change_that_bypassed_the_gate(
    change: PublicChange, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        check_change(change)


def test_every_record_and_relationship_field_has_a_rule() -> None:
    for model, kind in ((Organisation, "organisation"), (Person, "person"), (Product, "product")):
        assert set(model.model_fields) == set(RECORD_FIELDS[kind]), kind
    declared = set(ENTRY_KINDS["registry.relationship.saved"].fields) - {"visibility"}
    assert set(Relationship.model_fields) == declared


def test_every_published_case_verb_is_in_the_vocabulary() -> None:
    published = {
        (k.value, e.publish) for k, table in EFFECTS.items() for e in table.values() if e.publish
    }
    assert published <= {(k, v) for k in CASE_KINDS for v in CASE_VERBS}


def test_the_docs_state_the_vocabulary_as_it_is() -> None:
    text = DOCS.read_text()
    found = re.search(r"<!-- vocabulary:.*?-->\n(.*?)<!-- end of vocabulary -->", text, re.S)
    assert found is not None, "docs/disclosure.md lost its vocabulary table"
    assert found.group(1) == vocabulary_table()
