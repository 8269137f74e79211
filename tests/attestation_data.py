"""Answers to the shipped self-attestation form that raise nothing, for tests to vary."""

from __future__ import annotations

from typing import Any


def sound_answers(**changes: Any) -> dict[str, Any]:
    """Complete answers a vendor with no registered owners or resellers would give."""
    answers: dict[str, Any] = {
        "legal_name": "Exploit Vendor Ltd",
        "registered_country": "GB",
        "registration_number": "01234567",
        "owners": [{"name": "Founders Trust", "share": 100, "role": "owner"}],
        "resellers": [],
        "capability_categories": ["exploit_chain"],
        "licences_held": [{"state": "GB", "reference": "GBSIEL/2026/0001"}],
        "licences_refused": [],
        "customer_vetting": "Government end users only, checked against sanctions lists.",
        "end_use_undertakings": True,
        "human_rights_dd": "A country assessment before every sale.",
        "sales_refused": "Two in 2025, on human-rights grounds.",
        "no_vendor_data_access": True,
        "no_foreign_intelligence_control": True,
        "no_sales_to_abusers": True,
        "no_known_misuse": True,
        "vulnerability_sourcing": "Internal research only.",
        "vulnerability_disclosure": "Disclosed to the vendor when a product is retired.",
        "misuse_response": "Suspension, investigation and notification of the licensing state.",
    }
    answers.update(changes)
    return answers
