"""An attestation as a due-diligence finding, cited to the form's rule (data, like the
policy rules): always a finding, so a caseworker sees the attestation on the case."""

from __future__ import annotations

from typing import Any

from pallmall.attestation.form import Form
from pallmall.attestation.model import Standing
from pallmall.policy import Finding, Severity


def attestation_finding(vendor: str, standing: Standing | None, form: Form) -> Finding:
    """The finding for ``vendor``'s latest attestation as read against the registry:

    - none on file: advisory;
    - expired, contradicted by the registry, or an EO 14093 / undertaking answer other than
      the form expects: high;
    - otherwise: info (it is on file, with its date).
    """
    rule = form.finding
    if standing is None:
        return Finding(
            rule.id,
            rule.version,
            Severity.ADVISORY,
            rule.title,
            rule.citation,
            f"{vendor}: no self-attestation on file",
            ({"source": "attestation", "vendor": vendor},),
        )
    a = standing.attestation
    adverse = _adverse(standing, form)
    problems = ["expired on " + a.expires_on.isoformat()] if standing.expired else []
    problems += list(standing.differences) + adverse
    item: dict[str, Any] = {
        "source": "attestation",
        "attestation": a.id,
        "form": a.form,
        "attested_at": a.attested_at.isoformat(),
        "expires_on": a.expires_on.isoformat(),
        "differs_from_registry": list(standing.differences),
        "adverse_answers": adverse,
    }
    dated = f"attested {a.attested_at.date().isoformat()} ({a.form})"
    if problems:
        summary = f"{vendor}: self-attestation {dated}: " + "; ".join(problems)
        return Finding(
            rule.id, rule.version, Severity.HIGH, rule.title, rule.citation, summary, (item,)
        )
    summary = f"{vendor}: self-attestation on file, {dated}, valid until {a.expires_on.isoformat()}"
    return Finding(
        rule.id, rule.version, Severity.INFO, rule.title, rule.citation, summary, (item,)
    )


def _adverse(standing: Standing, form: Form) -> list[str]:
    answers = standing.attestation.answers
    return [
        f"answered {'yes' if answers.get(q.id) else 'no'}: {q.text}"
        for q in form.questions()
        if q.kind == "yes_no" and q.expect is not None and answers.get(q.id) is not q.expect
    ]
