"""Three state bodies of GB, one of FR, a vendor and an admin, each with an API token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.settings import Settings
from pallmall.storage.database import Database

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class People:
    """API tokens and user ids by short name."""

    tokens: dict[str, str]
    ids: dict[str, str]
    accounts: dict[str, str]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


USERS = {
    "gb_officer": ("GB Export Control", AccountKind.EXPORT_AUTHORITY, Role.REGULATOR, "GB"),
    "gb_overseer": ("GB Oversight", AccountKind.OVERSIGHT_BODY, Role.OVERSIGHT, "GB"),
    "gb_agency": ("GB Agency", AccountKind.STATE_AGENCY, Role.STATE_USER, "GB"),
    "fr_officer": ("FR Export Control", AccountKind.EXPORT_AUTHORITY, Role.REGULATOR, "FR"),
    "vendor": ("Exploit Vendor Ltd", AccountKind.VENDOR, Role.VENDOR, None),
    "admin": ("Node Operator", AccountKind.OPERATOR, Role.ADMIN, None),
}


@pytest.fixture
def people(db: Database) -> People:
    tokens, ids, accounts = {}, {}, {}
    with db.write() as tx:
        service = AccountService(tx.accounts, tx.audit)
        for name, (org_name, kind, role, state) in USERS.items():
            org = service.ensure_org(SYSTEM, org_name, kind, state)
            user = service.create_user(SYSTEM, f"{name}@example.org", name, role, org, PASSWORD)
            tokens[name] = service.issue_token(SYSTEM, user)
            ids[name] = user.id
            accounts[name] = org.id
    return People(tokens, ids, accounts)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client
