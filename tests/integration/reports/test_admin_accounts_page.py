"""The admin page for accounts: add a state body's user with its state, record the state of
an account made before states were recorded; others are refused (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountOrg, AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.settings import Settings
from pallmall.storage.database import Database

PASSWORD = "correct horse battery"


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        people.create_user(SYSTEM, "admin@example.org", "Admin", Role.ADMIN, None, PASSWORD)
        gb = people.ensure_org(SYSTEM, "GB authority", AccountKind.EXPORT_AUTHORITY, "GB")
        people.create_user(SYSTEM, "officer@example.org", "O", Role.REGULATOR, gb, PASSWORD)
        # an authority recorded before accounts had states
        tx.accounts.add_org(
            AccountOrg("acc-legacy", "Legacy authority", AccountKind.EXPORT_AUTHORITY),
            datetime.now(UTC),
        )
    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str) -> None:
    token = csrf(client.get("/login").text)
    done = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_an_admin_adds_a_state_body_with_its_state(db: Database, client: TestClient) -> None:
    sign_in(client, "admin@example.org")
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and "GB authority" in page.text
    assert 'action="/admin/accounts/acc-legacy/state"' in page.text  # no state yet
    token = csrf(page.text)
    body = {
        "email": "fr@example.org",
        "name": "FR officer",
        "role": "regulator",
        "account": "FR authority",
        "kind": "export_authority",
        "csrf_token": token,
    }
    assert client.post("/admin/users", data=body).status_code == 422  # no state
    assert client.post("/admin/users", data={**body, "state": "FRA"}).status_code == 422
    added = client.post("/admin/users", data={**body, "state": "fr"}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/admin/accounts"
    set_legacy = client.post(
        "/admin/accounts/acc-legacy/state",
        data={"state": "IE", "csrf_token": token},
        follow_redirects=False,
    )
    assert set_legacy.status_code == 303
    with db.read() as tx:
        states = {o.name: o.state for o in tx.accounts.list_orgs()}
        user = tx.accounts.user_by_email("fr@example.org")
    assert states == {"FR authority": "FR", "GB authority": "GB", "Legacy authority": "IE"}
    assert user is not None and user[0].principal().state == "FR"
    again = client.post(
        "/admin/accounts/acc-legacy/state", data={"state": "GB", "csrf_token": token}
    )
    assert again.status_code == 422  # a state once set stays: decisions already name it
    no_csrf = client.post("/admin/accounts/acc-legacy/state", data={"state": "IE"})
    assert no_csrf.status_code == 403


def test_others_may_not_manage_accounts(client: TestClient) -> None:
    assert client.get("/admin/accounts").status_code == 401
    sign_in(client, "officer@example.org")
    assert client.get("/admin/accounts").status_code == 403
    assert "/admin/accounts" not in client.get("/").text
