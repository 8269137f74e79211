"""The security suite's fixtures: the whole app on the test database, users per role, and
helpers to sign in through the login form as a browser would (CSRF token included)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.settings import Settings
from pallmall.storage.database import Database

PASSWORD = "correct horse battery"
ROLES = [r for r in Role if r is not Role.ANONYMOUS]


def email(role: Role) -> str:
    """The test user of ``role``."""
    return f"{role.value}@example.org"


@pytest.fixture
def tokens(db: Database) -> dict[Role, str]:
    """A user and an API token per role (anonymous has none)."""
    out = {}
    with db.write() as tx:
        service = AccountService(tx.accounts, tx.audit)
        org = service.ensure_org(SYSTEM, "Test Authority", AccountKind.EXPORT_AUTHORITY, "GB")
        for role in ROLES:
            user = service.create_user(SYSTEM, email(role), role.value, role, org, PASSWORD)
            out[role] = service.issue_token(SYSTEM, user)
    return out


def make_client(db: Database, tmp_path: Path, **settings: object) -> TestClient:
    """A test client of the whole app on ``db`` (settings overridable)."""
    options: dict[str, object] = {"data_dir": tmp_path, "session_secret": "test-secret"}
    options.update(settings)
    return TestClient(create_app(Settings(**options), db))


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    """A test client of the whole app on ``db``."""
    with make_client(db, tmp_path) as test_client:
        yield test_client


def form_token(html: str) -> str:
    """The CSRF token in the first form of a page."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, who: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; return the session cookie's value."""
    token = form_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": who, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.cookies["pallmall_session"]


def bearer(token: str) -> dict[str, str]:
    """Headers carrying an API token."""
    return {"Authorization": f"Bearer {token}"}
