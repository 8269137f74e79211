"""STIX export: valid for stix2-validator, deterministic ids; MVT export readable."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from stix2validator import ValidationOptions, validate_string

from pallmall.intel.exporter import export_bundle
from pallmall.intel.incident import (
    AbuseCategory,
    Attribution,
    Citation,
    IncidentDraft,
    LinkRole,
    VictimCategory,
    VictimDraft,
    incident_from_draft,
)
from pallmall.intel.mvt import mvt_bundle
from pallmall.intel.ports import RegistryOrg, RegistryProduct, RegistryRelation
from pallmall.intel.report import ImportReport
from pallmall.intel.tlp import Tlp

AS_OF = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


class Registry:
    def organisations(self) -> list[RegistryOrg]:
        return [
            RegistryOrg("org-nso", "NSO Group", "vendor", ("Q Cyber",), "IL"),
            RegistryOrg("org-bahamut", "Bahamut", "hacker_for_hire"),
            RegistryOrg("org-agency", "Example Agency", "state_agency", country="MX"),
            RegistryOrg("org-holding", "Example Holding", "holding"),
        ]

    def products(self) -> list[RegistryProduct]:
        return [RegistryProduct("prod-pegasus", "Pegasus", ("Trident",), "org-nso")]

    def relationships(self) -> list[RegistryRelation]:
        return [
            RegistryRelation(
                "org-agency",
                "prod-pegasus",
                "customer_of",
                date(2016, 1, 1),
                None,
                80,
                ("https://e.org/x",),
            ),
            RegistryRelation("org-holding", "org-nso", "owns"),
        ]


def incident() -> object:
    draft = IncidentDraft(
        title="Pegasus against a journalist",
        summary="s",
        categories=(AbuseCategory.RIGHTS_VIOLATION,),
        victims=(VictimDraft(VictimCategory.JOURNALIST, name="Secret Name"),),
        attributions=(
            Attribution(LinkRole.PRODUCT, "prod-pegasus", 90, (Citation("https://e.org/r"),)),
            Attribution(LinkRole.OPERATOR, "org-agency", 60),
            Attribution(LinkRole.VENDOR, "org-nso", 90),
        ),
        tlp=Tlp.GREEN,
        first_seen=date(2020, 1, 1),
        indicators=("[domain-name:value='bad.example.com']",),
    )
    return incident_from_draft(draft, "inc-1", "u-1", AS_OF)


def test_export_validates_without_errors_and_is_deterministic() -> None:
    first = export_bundle(Registry(), [incident()], AS_OF)
    again = export_bundle(Registry(), [incident()], AS_OF)
    assert first == again
    text = json.dumps(first)
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    types = {o["type"] for o in first["objects"]}
    assert types >= {
        "identity",
        "malware",
        "threat-actor",
        "intrusion-set",
        "campaign",
        "report",
        "relationship",
    }
    assert "Secret Name" not in text


def test_mvt_bundle_uses_single_lower_case_patterns() -> None:
    sha = "ab" * 32
    objects = [
        {
            "type": "malware",
            "id": "malware--6a0e4b24-84e6-4c8b-9f1c-111111111111",
            "name": "Pegasus",
        },
        {
            "type": "indicator",
            "id": "indicator--6a0e4b24-84e6-4c8b-9f1c-222222222222",
            "pattern": f"[file:hashes.'SHA-256' = '{sha}']",
        },
        {
            "type": "indicator",
            "id": "indicator--6a0e4b24-84e6-4c8b-9f1c-333333333333",
            "pattern": "[file:hashes.'MD5' = '" + "a" * 32 + "']",
        },
        {
            "type": "relationship",
            "id": "relationship--6a0e4b24-84e6-4c8b-9f1c-444444444444",
            "relationship_type": "indicates",
            "source_ref": "indicator--6a0e4b24-84e6-4c8b-9f1c-222222222222",
            "target_ref": "malware--6a0e4b24-84e6-4c8b-9f1c-111111111111",
        },
    ]
    report = ImportReport("collection", "mvt")
    bundle = mvt_bundle(objects, report)
    patterns = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
    assert patterns == [f"[file:hashes.sha256='{sha}']"]
    assert len(report.skipped) == 1
