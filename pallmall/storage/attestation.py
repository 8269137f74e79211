"""Vendor self-attestations on SQLAlchemy Core (append-only: the migration installs triggers
refusing UPDATE/DELETE), and what the registry says of a vendor's owners and resellers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import JSON, Column, Date, String, Table, Text, insert, select
from sqlalchemy.engine import Connection

from pallmall.attestation import Attestation, Tie
from pallmall.disclosure import Visibility
from pallmall.registry.model import RelType
from pallmall.registry.store import RegistryStore, StoredRelationship
from pallmall.storage.base import metadata
from pallmall.storage.types import UTCDateTime

attestations = Table(
    "attestations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("vendor_id", String(64), nullable=False, index=True),
    Column("account_id", String(64), nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("form", String(120), nullable=False),
    Column("attested_at", UTCDateTime, nullable=False, index=True),
    Column("expires_on", Date, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("note", Text, nullable=False),
)


class SqlAttestationStore:
    """:class:`pallmall.attestation.AttestationStore` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, attestation: Attestation) -> None:
        a = attestation
        self.conn.execute(
            insert(attestations).values(
                id=a.id,
                vendor_id=a.vendor_id,
                account_id=a.account_id,
                submitted_by=a.submitted_by,
                form=a.form,
                attested_at=a.attested_at,
                expires_on=a.expires_on,
                answers=dict(a.answers),
                digest=a.digest,
                note=a.note,
            )
        )

    def latest(self, vendor_id: str) -> Attestation | None:
        found = self.history(vendor_id)
        return found[0] if found else None

    def history(self, vendor_id: str) -> Sequence[Attestation]:
        t = attestations
        rows = self.conn.execute(
            select(t).where(t.c.vendor_id == vendor_id).order_by(t.c.attested_at.desc(), t.c.id)
        ).all()
        return [_attestation(r) for r in rows]


def _attestation(row: Any) -> Attestation:
    return Attestation(
        id=row.id,
        vendor_id=row.vendor_id,
        account_id=row.account_id,
        submitted_by=row.submitted_by,
        form=row.form,
        attested_at=row.attested_at,
        expires_on=row.expires_on,
        answers=row.answers,
        digest=row.digest,
        note=row.note,
    )


_OWNERS = {RelType.OWNS: "owner", RelType.INVESTS_IN: "investor"}


class RegistryVendorFacts:
    """:class:`pallmall.attestation.VendorFacts` over the registry store: owners (``owns``,
    ``invests_in`` towards the vendor; the parent of a ``subsidiary_of``) and resellers
    (``resells`` the vendor or a product it ``develops``) in force today."""

    def __init__(self, store: RegistryStore, today: date | None = None) -> None:
        self.store = store
        self.today = today or date.today()

    def name(self, record_id: str) -> str | None:
        stored = self.store.get(record_id)
        if stored is None or stored.record.type.value != "organisation":
            return None
        return stored.record.name

    def visibility(self, record_id: str) -> Visibility:
        stored = self.store.get(record_id)
        return stored.record.visibility if stored else Visibility.RESTRICTED

    def ties(self, record_id: str) -> Sequence[Tie]:
        rels = [r for r in self.store.relationships_of(record_id) if self._current(r)]
        products = {
            r.relationship.target_id
            for r in rels
            if r.relationship.type is RelType.DEVELOPS and r.relationship.source_id == record_id
        }
        for product in sorted(products):
            rels += [
                r
                for r in self.store.relationships_of(product)
                if r.relationship.type is RelType.RESELLS and self._current(r)
            ]
        return [t for r in rels if (t := self._tie(record_id, products, r)) is not None]

    def _current(self, rel: StoredRelationship) -> bool:
        end = rel.relationship.end
        return end is None or end >= self.today

    def _tie(self, vendor: str, products: set[str], rel: StoredRelationship) -> Tie | None:
        r = rel.relationship
        if r.type in _OWNERS and r.target_id == vendor:
            return Tie(self._label(r.source_id), _OWNERS[r.type], r.share, r.source_id)
        if r.type is RelType.SUBSIDIARY_OF and r.source_id == vendor:
            return Tie(self._label(r.target_id), "owner", None, r.target_id)
        if r.type is RelType.RESELLS and (r.target_id == vendor or r.target_id in products):
            return Tie(self._label(r.source_id), "reseller", None, r.source_id)
        return None

    def _label(self, record_id: str) -> str:
        stored = self.store.get(record_id)
        return stored.record.name if stored else record_id
