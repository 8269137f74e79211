"""``/api/v1/attestations``: the self-attestation form, a vendor's attestation (vendor
accounts), and the attestation in force for a registry record with where it differs from
the registry (as public as the record)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from pallmall.api import problems
from pallmall.api.deps import Caller, Reading, Writing, settings
from pallmall.attestation import Attestation, Standing, shipped_form
from pallmall.core.auth import Principal
from pallmall.core.errors import NotFound
from pallmall.log.note import NoteSigner
from pallmall.registry.service import RegistryService
from pallmall.storage.database import Tx
from pallmall.wiring import attestation_service, node_signer

router = APIRouter(
    prefix="/api/v1/attestations", tags=["attestations"], responses=problems.RESPONSES
)


build_service = attestation_service


def request_signer(request: Request) -> NoteSigner:
    """The node's log signing key, which signs attestations on the vendors' behalf."""
    return node_signer(settings(request))


def visible_standing(tx: Tx, caller: Principal, vendor_id: str) -> Standing | None:
    """The standing of ``vendor_id``'s attestation, if ``caller`` may see the record.

    Raises:
        NotFound: no such record, or one the caller may not see.
    """
    RegistryService(tx.registry, tx.audit, tx.outbox).get(caller, vendor_id)
    return build_service(tx).standing(vendor_id)


class AttestationIn(BaseModel):
    """A vendor's answers to the form in force, for its registry record."""

    model_config = ConfigDict(extra="forbid")
    vendor_id: str = Field(min_length=1, max_length=64, description="the registry record")
    answers: dict[str, Any] = Field(description="by question id (GET .../form)")


class AttestationOut(BaseModel):
    """An attestation: the answers, when, to which form, and the node's signed note."""

    id: str
    vendor_id: str
    form: str
    attested_at: datetime
    expires_on: date
    answers: dict[str, Any]
    digest: str
    note: str


class StandingOut(BaseModel):
    """The attestation in force, whether it expired, and where it differs from the registry."""

    attestation: AttestationOut
    expired: bool
    differs_from_registry: list[str]


def attestation_out(a: Attestation) -> AttestationOut:
    """The API shape of an attestation."""
    return AttestationOut(
        id=a.id,
        vendor_id=a.vendor_id,
        form=a.form,
        attested_at=a.attested_at,
        expires_on=a.expires_on,
        answers=dict(a.answers),
        digest=a.digest,
        note=a.note,
    )


@router.get("/form")
def form() -> dict[str, Any]:
    """The form in force: version, validity, sections and questions (kinds, options,
    expected answers)."""
    f = shipped_form()
    return {
        "form": f.name,
        "version": f.version,
        "published": f.published.isoformat(),
        "valid_days": f.valid_days,
        "citation": f.citation,
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "questions": [q.__dict__ | {"options": list(q.options)} for q in s.questions],
            }
            for s in f.sections
        ],
    }


@router.post("", response_model=AttestationOut, status_code=status.HTTP_201_CREATED)
def attest(
    request: Request,
    caller: Caller,
    tx: Writing,
    body: AttestationIn,
) -> AttestationOut:
    """Attest for a registry record (vendor accounts; the first account to attest for a
    record keeps it): dated, signed by the node on the vendor's behalf, logged."""
    found = build_service(tx, request_signer(request)).attest(caller, body.vendor_id, body.answers)
    return attestation_out(found)


@router.get("/{vendor_id}", response_model=StandingOut)
def standing(vendor_id: str, caller: Caller, tx: Reading) -> StandingOut:
    """The attestation in force for a registry record (as public as the record)."""
    found = visible_standing(tx, caller, vendor_id)
    if found is None:
        raise NotFound(f"no attestation for {vendor_id!r}")
    return StandingOut(
        attestation=attestation_out(found.attestation),
        expired=found.expired,
        differs_from_registry=list(found.differences),
    )
