"""A node with two export authorities, a vendor, a state agency, an oversight body, a small
restricted-party list, a registry product, and one user and token per part."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.settings import Settings
from pallmall.registry.model import (
    Capability,
    ControlCode,
    Organisation,
    OrgKind,
    Product,
    Relationship,
    RelType,
)
from pallmall.screening import EntryName, EntrySchema, ListEntry, LoadReport, SnapshotInfo
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore
from tests.helpers import service

SNAPSHOT = SnapshotInfo("test_list", "2024-03-05", date(2024, 3, 5), "hand-made test list")
ENTRIES = (
    ListEntry(
        "test_list",
        "31455",
        EntrySchema.ORGANIZATION,
        (EntryName("AKTSIONERNOE OBSHCHESTVO POZITIV TEKNOLODZHIZ"),),
        countries=("ru",),
        programmes=("CYBER2",),
        listed_on=date(2021, 4, 15),
    ),
)
STATES = {"Authority A": "GB", "Authority B": "FR", "Oversight Body": "GB", "Agency": "GB"}
"""The state each state body acts for."""
USERS = {
    "vendor": (Role.VENDOR, "Acme Vendor Account", AccountKind.VENDOR),
    "vendor2": (Role.VENDOR, "Other Vendor Account", AccountKind.VENDOR),
    "officer_a1": (Role.REGULATOR, "Authority A", AccountKind.EXPORT_AUTHORITY),
    "officer_a2": (Role.REGULATOR, "Authority A", AccountKind.EXPORT_AUTHORITY),
    "officer_b": (Role.REGULATOR, "Authority B", AccountKind.EXPORT_AUTHORITY),
    "oversight": (Role.OVERSIGHT, "Oversight Body", AccountKind.OVERSIGHT_BODY),
    "state_user": (Role.STATE_USER, "Agency", AccountKind.STATE_AGENCY),
    "analyst": (Role.ANALYST, "Lab", AccountKind.INTEL_TEAM),
    "public": (Role.PUBLIC, "", AccountKind.PUBLIC),
    "admin": (Role.ADMIN, "", AccountKind.OPERATOR),
}


@dataclass
class World:
    """Tokens by user name, account ids by name, registry ids, user ids by user name."""

    tokens: dict[str, str]
    accounts: dict[str, str]
    product_id: str
    vendor_id: str
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def world(db: Database) -> World:
    """Accounts, users and tokens, the registry product and vendor, the list."""
    SqlListStore(db.engine).record(LoadReport(SNAPSHOT, ENTRIES))
    tokens, accounts, users = {}, {}, {}
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        for name, (role, org_name, kind) in USERS.items():
            state = STATES.get(org_name)
            org = people.ensure_org(SYSTEM, org_name, kind, state) if org_name else None
            if org:
                accounts[org_name] = org.id
            user = people.create_user(SYSTEM, f"{name}@example.org", name, role, org)
            tokens[name] = people.issue_token(SYSTEM, user)
            users[name] = user.id
        reg = service(tx)
        vendor = reg.create(
            SYSTEM,
            Organisation(name="Acme Intrusion", kinds=(OrgKind.VENDOR,), jurisdictions=("GR",)),
        )
        product = reg.create(
            SYSTEM,
            Product(
                name="Hermit-X",
                capabilities=(Capability.DEVICE_INTRUSION, Capability.ZERO_CLICK),
                control_codes=(ControlCode.WASSENAAR_4D4,),
            ),
        )
        reg.relate(
            SYSTEM, Relationship(type=RelType.DEVELOPS, source_id=vendor.id, target_id=product.id)
        )
    return World(tokens, accounts, product.id, vendor.id, users)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    """The whole app on ``db``."""
    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def auth(world: World, user: str | None) -> dict[str, str]:
    """Headers for ``user`` (None: anonymous)."""
    return {"Authorization": f"Bearer {world.tokens[user]}"} if user else {}


def application(world: World, authority: str = "Authority A", **changes: Any) -> dict[str, Any]:
    """A licence application body to ``authority``."""
    body: dict[str, Any] = {
        "authority_id": world.accounts[authority],
        "product_id": world.product_id,
        "quantity": 1,
        "destination": "RU",
        "parties": [
            {"role": "end_user", "name": "Pozitiv Teknolodzhiz AO", "country": "RU"},
            {"role": "consignee", "name": "Northern Freight LLC", "country": "AM"},
        ],
        "end_use": "lawful interception for the national police",
        "end_use_category": "law_enforcement",
        "end_user_undertaking": "signed undertaking of 2026-01-10",
    }
    body.update(changes)
    return body


def file(client: TestClient, world: World, user: str = "vendor", **changes: Any) -> dict[str, Any]:
    """File a draft and return it."""
    response = client.post(
        "/api/v1/cases/licences", json=application(world, **changes), headers=auth(world, user)
    )
    assert response.status_code == 201, response.text
    return response.json()


def act(client: TestClient, world: World, user: str | None, case_id: str, **body: Any) -> Any:
    """POST a transition; returns the response."""
    return client.post(f"/api/v1/cases/{case_id}/transitions", json=body, headers=auth(world, user))
