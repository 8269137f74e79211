"""Every (status, verb) pair not in a kind's transition table is refused with a clear
TransitionRefused, and nothing changes; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from pallmall.cases.diligence import Sources
from pallmall.cases.model import (
    APPLICATIONS,
    Action,
    AdviceOutcome,
    Case,
    CaseKind,
    CaseStatus,
    Verb,
)
from pallmall.cases.service import CaseService
from pallmall.cases.sources import RegistryStoreFacts, ScreenerFacts
from pallmall.cases.transitions import TABLES
from pallmall.core.auth import Principal, Role
from pallmall.core.errors import TransitionRefused
from pallmall.policy import IncidentEvidence
from pallmall.storage.cases import SqlCaseStore
from pallmall.storage.database import Database


class NoIncidents:
    """:class:`~pallmall.cases.ports.IncidentFacts` when no incident store is wired."""

    def linked(self, links: Mapping[str, str]) -> tuple[IncidentEvidence, ...]:
        """Nothing."""
        return ()

    def in_country(self, country: str) -> tuple[IncidentEvidence, ...]:
        """Nothing."""
        return ()


ACCOUNT = "acc-both"
ALL = Principal("usr-all", Role.ADMIN, account_id=ACCOUNT)  # every right, owner and authority
FILED = {
    CaseKind.LICENCE: {
        "authority_id": ACCOUNT,
        "product_id": "prd-x",
        "quantity": 1,
        "destination": "RU",
        "parties": [{"role": "end_user", "name": "Police"}],
        "end_use": "policing",
        "end_use_category": "law_enforcement",
    },
    CaseKind.RESTRICTION: {"vendor_record_id": "org-x", "grounds": "sold to abusers"},
    CaseKind.PROCUREMENT: {"vendor_record_id": "org-x", "product_id": "prd-x"},
    CaseKind.USE_AUTHORISATION: {
        "product_id": "prd-x",
        "purpose": "p",
        "legal_basis": "l",
        "necessity": "n",
        "proportionality": "p",
        "approver": "judge",
        "duration_days": 30,
    },
}


def _case(kind: CaseKind, status: CaseStatus) -> Case:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Case(
        f"case-{kind.value}-{status.value}",
        kind,
        status,
        ACCOUNT,
        ACCOUNT,
        "usr-x",
        "t",
        "RU",
        "device_intrusion",
        "prd-x",
        now,
        now,
        APPLICATIONS[kind].model_validate(FILED[kind]),
    )


def _refusals() -> list[tuple[CaseKind, CaseStatus, Verb]]:
    used = {
        kind: {s for pair, targets in table.items() for s in (pair[0], *targets)}
        for kind, table in TABLES.items()
    }
    return [
        (kind, status, verb)
        for kind, table in TABLES.items()
        for status in sorted(used[kind])
        for verb in Verb
        if (status, verb) not in table
    ]


REFUSALS = _refusals()


def test_every_pair_outside_the_tables_is_refused(db: Database) -> None:
    assert len(REFUSALS) > 200
    with db.write() as tx:
        store = SqlCaseStore(tx.conn)
        for kind, status, _ in {(k, s, None) for k, s, _ in REFUSALS}:
            store.add(_case(kind, status))
    for kind, status, verb in REFUSALS:
        with db.write() as tx:
            registry = RegistryStoreFacts(tx.registry)
            service = CaseService(
                SqlCaseStore(tx.conn),
                tx.audit,
                tx.outbox,
                lambda r=registry: Sources(ScreenerFacts(None), r, NoIncidents()),
            )
            action = Action(
                verb=verb, outcome=AdviceOutcome.DENY, grounds=("g",), conditions=("c",), reason="r"
            )
            with pytest.raises(TransitionRefused) as refused:
                service.act(ALL, _case(kind, status).id, action)
            assert str(refused.value) == (
                f"{kind.value} case in status {status.value!r} cannot {verb.value!r}"
            )
    with db.read() as tx:
        store = SqlCaseStore(tx.conn)
        for kind, status, _ in REFUSALS[:20]:
            stored = store.get(_case(kind, status).id)
            assert stored is not None and stored.status is status and stored.version == 1
