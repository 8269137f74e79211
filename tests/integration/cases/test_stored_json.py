"""Rows written before cases were typed still read, on SQLite and PostgreSQL: the JSON that
``details``, ``state``, history and due-diligence runs held (dicts with string keys) parses
into the typed records, and (where every field was written) back into the same JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from pallmall.cases.model import (
    AdviceOutcome,
    CaseKind,
    CaseStatus,
    ClassificationBasis,
    DecisionOutcome,
    LicenceApplication,
    PartyRole,
    ProcurementRequest,
    Verb,
)
from pallmall.policy import Severity, Verdict
from pallmall.storage.cases import SqlCaseStore, case_diligence, case_events, cases
from pallmall.storage.database import Database

AT = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
LICENCE = {
    "authority_id": "org-a",
    "product_id": "prd-x",
    "vendor_record_id": None,
    "quantity": 1,
    "service_scope": "",
    "destination": "RU",
    "parties": [
        {"role": "end_user", "name": "Pozitiv", "country": "RU", "registry_id": None},
        {"role": "consignee", "name": "Northern Freight LLC", "country": "AM", "registry_id": None},
    ],
    "end_use": "lawful interception",
    "end_use_category": "law_enforcement",
    "end_user_undertaking": "signed",
}
ADVICE = {
    "by": "usr-a1",
    "at": "2026-01-05T10:00:00+00:00",
    "outcome": "deny",
    "grounds": ["sanctions.blocked-party@1"],
    "conditions": [],
    "reason": "listed end user",
}
DENIED_STATE = {
    "classification": {
        "basis": "listed",
        "control_codes": ["4.D.4"],
        "note": "",
        "by": "usr-a1",
    },
    "advice": ADVICE,
    "decision": {
        "outcome": "deny",
        "grounds": ["sanctions.blocked-party@1"],
        "conditions": [],
        "advised_by": "usr-a1",
        "countersigned_by": "usr-a2",
        "reason": "listed end user",
    },
}
PARTY = {
    "role": "vendor",
    "name": "Acme",
    "country": "GR",
    "registry_id": "org-x",
    "matches": [
        {
            "list_id": "l",
            "list_version": "v",
            "entry_id": "1",
            "entry_name": "ACME",
            "programmes": ["CYBER2"],
            "score": 0.91,
            "alert": True,
            "explanation": "paired words",
        }
    ],
    "designations": [],
    "ownership": None,
}
EVIDENCE = {
    "destination": "",
    "end_use_category": "other",
    "end_user_undertaking": True,
    "parties": [PARTY],
    "product": {
        "record_id": "prd-x",
        "name": "Hermit-X",
        "capabilities": ["device_intrusion"],
        "control_codes": ["4.D.4"],
        "security_research": False,
    },
    "incidents": [],
    "restrictions": [],
    "prior_denials": [],
    "list_versions": ["l@v"],
}
ASSESSED_STATE = {
    "assessment": {
        "verdict": "no_go",
        "vetted": False,
        "reasons": ["vendor vetting: no self-attestation"],
        "factors": [
            {"factor_id": "eo14093.a", "title": "A", "present": None, "basis": "not answered"},
            {"factor_id": "eo14093.b", "title": "B", "present": False, "basis": "no evidence"},
        ],
        "citation": "EO 14093 Sec. 2",
        "evidence": EVIDENCE,
    }
}
FINDING = {
    "rule_id": "sanctions.blocked-party",
    "rule_version": 1,
    "severity": "blocking",
    "title": "Blocked party",
    "citation": "31 CFR 501",
    "summary": "end user is listed",
    "evidence": [{"party": "Pozitiv"}],
}


def _row(case_id: str, kind: str, status: str, details: Any, state: Any) -> dict[str, Any]:
    return {
        "id": case_id,
        "kind": kind,
        "status": status,
        "authority_id": "org-a",
        "account_id": "org-v",
        "filed_by": "usr-v",
        "title": "t",
        "destination": "RU",
        "product_category": "device_intrusion",
        "subject_id": "prd-x",
        "top_severity": "blocking",
        "version": 3,
        "created_at": AT,
        "updated_at": AT,
        "details": details,
        "state": state,
    }


def _write_old_rows(db: Database) -> None:
    procurement = {
        "vendor_record_id": "org-x",
        "product_id": "prd-x",
        "declarations": {"eo14093.a": False},
        "vendor_attested": False,
    }
    refused = {"decision": {"reason": "no legal basis", "by": "usr-o"}}
    authorisation = {
        "product_id": "prd-x",
        "purpose": "p",
        "legal_basis": "l",
        "necessity": "n",
        "proportionality": "q",
        "approver": "Judge Commissioner",
        "duration_days": 30,
    }
    restriction = {"evidence": {"vendor": PARTY, "incidents": []}}
    rows = [
        _row("case-l", "licence", "denied", LICENCE, DENIED_STATE),
        _row("case-p", "procurement", "assessed", procurement, ASSESSED_STATE),
        _row("case-u", "use_authorisation", "refused", authorisation, refused),
        _row(
            "case-r",
            "restriction",
            "open",
            {"vendor_record_id": "org-x", "vendor_account_id": None, "grounds": "g"},
            restriction,
        ),
    ]
    with db.write() as tx:
        tx.conn.execute(insert(cases), rows)
        tx.conn.execute(
            insert(case_events),
            [
                {
                    "case_id": "case-l",
                    "at": AT,
                    "actor": "usr-a2",
                    "verb": "countersign",
                    "from_status": "advice",
                    "to_status": "denied",
                    "payload": DENIED_STATE["decision"],
                }
            ],
        )
        tx.conn.execute(
            insert(case_diligence),
            [
                {
                    "case_id": "case-l",
                    "at": AT,
                    "trigger": "submitted",
                    "stamp": "s",
                    "rules_version": "pallmall@1",
                    "evidence": {**EVIDENCE, "destination": "RU"},
                    "findings": [FINDING],
                    "notes": [],
                }
            ],
        )


def test_rows_written_as_plain_json_read_as_typed_records(db: Database) -> None:
    _write_old_rows(db)
    with db.read() as tx:
        store = SqlCaseStore(tx.conn)
        licence, procurement = store.get("case-l"), store.get("case-p")
        refused, restriction = store.get("case-u"), store.get("case-r")
        events, runs = store.events("case-l"), store.runs("case-l")
    assert licence is not None and procurement is not None
    assert refused is not None and restriction is not None

    app = licence.filed(LicenceApplication)
    assert [p.role for p in app.parties] == [PartyRole.END_USER, PartyRole.CONSIGNEE]
    assert licence.top_severity is Severity.BLOCKING
    state = licence.state
    assert state.advice is not None and state.advice.outcome is AdviceOutcome.DENY
    assert state.advice.at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert state.decision is not None and state.decision.outcome is DecisionOutcome.DENY
    assert state.decision.countersigned_by == "usr-a2"
    assert state.classification is not None
    assert state.classification.basis is ClassificationBasis.LISTED
    assert state.as_json() == DENIED_STATE  # written back unchanged

    assessment = procurement.state.assessment
    assert assessment is not None and assessment.verdict is Verdict.NO_GO
    assert [f.present for f in assessment.factors] == [None, False]
    assert assessment.evidence.parties[0].matches[0].score == 0.91
    # written back with the evidence fields added since (issue 12) at their defaults
    party = {**PARTY, "record_matches": []}
    evidence = {**EVIDENCE, "parties": [party], "applicant": None, "lists": []}
    assert procurement.state.as_json() == {
        "assessment": {**ASSESSED_STATE["assessment"], "evidence": evidence}
    }
    assert procurement.filed(ProcurementRequest).declarations == {"eo14093.a": False}

    assert refused.state.decision is not None and refused.state.decision.outcome is None
    assert refused.state.decision.reason == "no legal basis"
    assert restriction.state.evidence is not None
    assert restriction.state.evidence.vendor.registry_id == "org-x"
    assert restriction.state.as_json() == {"evidence": {"vendor": party, "incidents": []}}

    assert events[0].verb is Verb.COUNTERSIGN and events[0].to_status is CaseStatus.DENIED
    run = runs[0]
    assert run.findings[0].severity is Severity.BLOCKING and run.top_severity is Severity.BLOCKING
    assert run.evidence.destination == "RU" and run.evidence.list_versions == ("l@v",)
    assert run.findings[0].as_dict() == FINDING
    assert licence.kind is CaseKind.LICENCE
