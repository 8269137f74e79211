"""Vendor self-attestation: a versioned form kept as data (``pallmall/data/attestation``),
a vendor's dated answers signed by the node on its behalf and logged, read against the
registry (differences in declared owners and resellers) and by due diligence.

Domain code: imports ``pallmall.core``, ``pallmall.disclosure``, ``pallmall.log`` and
``pallmall.policy`` only. See docs/attestation.md.
"""

from pallmall.attestation.finding import attestation_finding
from pallmall.attestation.form import Form, Question, Section, check_answers, shipped_form
from pallmall.attestation.model import Attestation, Standing, Tie, differences, name_key
from pallmall.attestation.service import (
    AttestationService,
    AttestationStore,
    VendorFacts,
    answers_digest,
    statement,
)

__all__ = [
    "Attestation",
    "AttestationService",
    "AttestationStore",
    "Form",
    "Question",
    "Section",
    "Standing",
    "Tie",
    "VendorFacts",
    "answers_digest",
    "attestation_finding",
    "check_answers",
    "differences",
    "name_key",
    "shipped_form",
    "statement",
]
