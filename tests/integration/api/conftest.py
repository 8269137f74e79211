"""An app on the test database, with one user and API token per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.settings import Settings
from pallmall.storage.database import Database

ROLES = [r for r in Role if r is not Role.ANONYMOUS]
PASSWORD = "correct horse battery"


@pytest.fixture
def tokens(db: Database) -> dict[Role, str]:
    """An API token per role (anonymous has none)."""
    out = {}
    with db.write() as tx:
        service = AccountService(tx.accounts, tx.audit)
        org = service.ensure_org(SYSTEM, "Test Authority", AccountKind.EXPORT_AUTHORITY, "GB")
        for role in ROLES:
            user = service.create_user(
                SYSTEM, f"{role.value}@example.org", role.value, role, org, PASSWORD
            )
            out[role] = service.issue_token(SYSTEM, user)
    return out


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    """A test client of the whole app on ``db``."""
    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def auth(token: str | None) -> dict[str, str]:
    """Headers carrying ``token``."""
    return {"Authorization": f"Bearer {token}"} if token else {}
