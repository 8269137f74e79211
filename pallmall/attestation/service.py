"""Vendor self-attestation use cases over one unit of work: a vendor account answers the
form for its registry record; the node dates the answers, signs them on the vendor's behalf
(a C2SP signed note by the node's log key) and logs them through the disclosure gate."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pallmall.attestation.form import Form, check_answers, shipped_form
from pallmall.attestation.model import Attestation, Standing, Tie, differences
from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import AccountKind, Permission, Principal
from pallmall.core.changes import ChangeOutbox, PublicChange
from pallmall.core.clock import utcnow
from pallmall.core.errors import Forbidden, NotFound
from pallmall.core.ids import new_id
from pallmall.core.links import LinkStatus, LinkStore
from pallmall.disclosure import Sensitivity, Visibility, gate
from pallmall.disclosure.kinds import ATTESTATION_FILED
from pallmall.log.entry import canonical_json
from pallmall.log.note import NoteSigner, sign_note

STATEMENT = "pallmall/attestation/v1"
"""First line of the signed statement: no checkpoint's origin, so no note of one kind can
pass for the other."""


class AttestationStore(Protocol):
    """Attestations, append-only; the newest per vendor is the one in force."""

    def add(self, attestation: Attestation) -> None:
        """Insert a new attestation."""

    def latest(self, vendor_id: str) -> Attestation | None:
        """The newest attestation for the vendor record, or None."""

    def history(self, vendor_id: str) -> Sequence[Attestation]:
        """Every attestation for the vendor record, newest first."""


class VendorFacts(Protocol):
    """What the registry says of a vendor record."""

    def name(self, record_id: str) -> str | None:
        """The organisation's name, or None when the registry holds no such organisation."""

    def visibility(self, record_id: str) -> Visibility:
        """The record's visibility."""

    def ties(self, record_id: str) -> Sequence[Tie]:
        """Owners, investors and resellers the registry records for it, today."""


def statement(vendor_id: str, form: str, attested_at: datetime, digest: str) -> str:
    """The text the node signs: ``pallmall/attestation/v1``, the vendor record, the form,
    the time (RFC 3339 UTC) and the SHA-256 (hex) of the answers' RFC 8785 form, one a line."""
    at = attested_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{STATEMENT}\n{vendor_id}\n{form}\n{at}\n{digest}\n"


def answers_digest(answers: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of ``answers``."""
    return hashlib.sha256(canonical_json(dict(answers))).hexdigest()


@dataclass
class AttestationService:
    """Attestations over one unit of work; ``signer`` signs on the vendors' behalf."""

    store: AttestationStore
    vendors: VendorFacts
    audit: AuditSink
    outbox: ChangeOutbox
    signer: NoteSigner | None
    links: LinkStore
    """Whose organisation an account is: only a confirmed link lets it attest for a record."""
    form: Form = field(default_factory=shipped_form)
    clock: Callable[[], datetime] = utcnow

    def attest(
        self, principal: Principal, vendor_id: str, answers: Mapping[str, Any]
    ) -> Attestation:
        """File ``answers`` for the vendor record ``vendor_id``, dated now, signed and logged.

        Raises:
            Forbidden: not a vendor account's user, or the account is not confirmed as the
                record's organisation (:class:`~pallmall.core.links.RegistryLink`).
            NotFound: the registry holds no such organisation.
            InvalidInput: an answer does not fit the form (names ``answers.<question>``).
        """
        principal.require(Permission.CASES_FILE)
        if principal.account_kind is not AccountKind.VENDOR or not principal.account_id:
            raise Forbidden("only a vendor account attests for a vendor")
        if self.vendors.name(vendor_id) is None:
            raise NotFound(f"no organisation {vendor_id!r} in the registry")
        # Only the organisation's own account speaks for it on its public page: a link set by
        # a regulator, or claimed and confirmed (pallmall.core.links), never first come.
        link = self.links.link_of(principal.account_id)
        if link is None or link.status is not LinkStatus.CONFIRMED or link.registry_id != vendor_id:
            raise Forbidden(
                f"this account is not confirmed as {vendor_id}: a regulator links it "
                "(pallmall user link, /accounts/registry-links) before it attests"
            )
        if self.signer is None:
            raise Forbidden("this node has no signing key to attest with")
        checked = check_answers(self.form, answers)
        now = self.clock()  # microseconds kept: two attestations in one second stay ordered
        digest = answers_digest(checked)
        note = sign_note(statement(vendor_id, self.form.ref, now, digest), [self.signer])
        found = Attestation(
            id=new_id("att"),
            vendor_id=vendor_id,
            account_id=principal.account_id,
            submitted_by=principal.user_id or "",
            form=self.form.ref,
            attested_at=now,
            expires_on=(now + timedelta(days=self.form.valid_days)).date(),
            answers=checked,
            digest=digest,
            note=note.decode(),
        )
        self.store.add(found)
        self.outbox.add(self._change(found))
        self.audit.append(
            AuditRecord(found.submitted_by, "attestation.filed", vendor_id, now, {"id": found.id})
        )
        return found

    def standing(self, vendor_id: str) -> Standing | None:
        """The latest attestation of ``vendor_id`` read against the registry today (None:
        none on file). Attestations are public declarations: no rights needed beyond the
        record's own visibility, which the caller checks."""
        found = self.store.latest(vendor_id)
        if found is None:
            return None
        today = self.clock().date()
        return Standing(
            found, found.expired(today), differences(found.answers, self.vendors.ties(vendor_id))
        )

    def _change(self, a: Attestation) -> PublicChange:
        fields = {
            "form": a.form,
            "attested_at": a.attested_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "expires_on": a.expires_on.isoformat(),
            "digest": a.digest,
            "answers": dict(a.answers),
            "note": a.note,
        }
        sensitivity = Sensitivity(refs=(self.vendors.visibility(a.vendor_id),))
        return gate(ATTESTATION_FILED, a.vendor_id, a.attested_at, fields, sensitivity)
