"""Every state body's account has its state: the service, the API and the CLI refuse one
without, or with anything but an ISO 3166-1 alpha-2 code (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.errors import InvalidInput
from pallmall.core.paging import PageRequest
from pallmall.core.settings import Settings
from pallmall.storage.database import Database
from tests.helpers import run_cli


@pytest.mark.parametrize(
    "kind", [AccountKind.EXPORT_AUTHORITY, AccountKind.STATE_AGENCY, AccountKind.OVERSIGHT_BODY]
)
def test_a_state_body_needs_a_valid_state(db: Database, kind: AccountKind) -> None:
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        for bad in (None, "", "UK", "EU", "GBR", "United Kingdom", "XX"):
            with pytest.raises(InvalidInput) as refused:
                people.ensure_org(SYSTEM, "Body", kind, bad)
            assert refused.value.field == "state"
        org = people.ensure_org(SYSTEM, "Body", kind, "gb")
        assert org.state == "GB"
        assert people.ensure_org(SYSTEM, "Body", kind, "GB") == org
        with pytest.raises(InvalidInput, match="acts for GB, not FR"):
            people.ensure_org(SYSTEM, "Body", kind, "FR")
        user = people.create_user(SYSTEM, "officer@gb.example", "O", Role.REGULATOR, org)
    with db.read() as tx:
        found = tx.accounts.user_by_id(user.id)
    assert found is not None and found.principal().state == "GB"


def test_other_accounts_have_no_state(db: Database) -> None:
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        with pytest.raises(InvalidInput, match="only state bodies"):
            people.ensure_org(SYSTEM, "Vendor", AccountKind.VENDOR, "IL")
        assert people.ensure_org(SYSTEM, "Vendor", AccountKind.VENDOR).state is None


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def test_the_api_takes_and_shows_the_state(db: Database, client: TestClient) -> None:
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        admin = people.create_user(SYSTEM, "admin@example.org", "A", Role.ADMIN, None)
        token = people.issue_token(SYSTEM, admin)
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "email": "officer@fr.example",
        "name": "Officer",
        "role": "regulator",
        "account_name": "French authority",
        "account_kind": "export_authority",
    }
    missing = client.post("/api/v1/users", json=body, headers=headers)
    assert missing.status_code == 422 and "state" in missing.text
    wrong = client.post("/api/v1/users", json={**body, "account_state": "FRA"}, headers=headers)
    assert wrong.status_code == 422 and "alpha-2" in wrong.text
    made = client.post("/api/v1/users", json={**body, "account_state": "fr"}, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["account_state"] == "FR"
    listed = client.get("/api/v1/users", headers=headers).json()
    assert {u["email"]: u["account_state"] for u in listed}["officer@fr.example"] == "FR"
    with db.write() as tx:
        user = tx.accounts.user_by_email("officer@fr.example")
        assert user is not None
        officer = AccountService(tx.accounts, tx.audit).issue_token(SYSTEM, user[0])
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {officer}"}).json()
    assert me["state"] == "FR"


def test_the_cli_takes_the_state_and_refuses_a_bad_one(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(tmp_path),
        "PALLMALL_DATABASE_URL": "",
        "PALLMALL_PASSWORD": "a long enough password",
        "COLUMNS": "200",
    }
    run_cli(env, "init")
    add = ["user", "add", "o@gb.example", "--role", "regulator", "--account", "GB authority"]
    add += ["--kind", "export_authority"]
    assert "state" in run_cli(env, *add, code=2).stderr
    assert "alpha-2" in run_cli(env, *add, "--state", "UK", code=2).stderr
    run_cli(env, *add, "--state", "GB")
    assert "GB authority" in run_cli(env, "user", "list").stdout
    assert " GB " in run_cli(env, "user", "list").stdout


def test_an_admin_records_the_state_of_an_older_account(db: Database, client: TestClient) -> None:
    from datetime import UTC, datetime

    from pallmall.core.accounts import AccountOrg

    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        admin = people.create_user(SYSTEM, "admin@example.org", "A", Role.ADMIN, None)
        officer = people.create_user(SYSTEM, "o@example.org", "O", Role.REGULATOR, None)
        tokens = [people.issue_token(SYSTEM, u) for u in (admin, officer)]
        tx.accounts.add_org(
            AccountOrg("acc-old", "Older authority", AccountKind.EXPORT_AUTHORITY),
            datetime.now(UTC),
        )
    admin_h, officer_h = ({"Authorization": f"Bearer {t}"} for t in tokens)
    assert client.get("/api/v1/accounts", headers=officer_h).status_code == 403
    listed = client.get("/api/v1/accounts", headers=admin_h).json()
    assert listed == [
        {"id": "acc-old", "name": "Older authority", "kind": "export_authority", "state": None}
    ]
    path = "/api/v1/accounts/acc-old"
    assert client.patch(path, json={"state": "IE"}, headers=officer_h).status_code == 403
    assert client.patch(path, json={"state": "XX"}, headers=admin_h).status_code == 422
    done = client.patch(path, json={"state": "ie"}, headers=admin_h)
    assert done.status_code == 200 and done.json()["state"] == "IE"
    again = client.patch(path, json={"state": "GB"}, headers=admin_h)
    assert again.status_code == 422 and "acts for IE already" in again.text
    missing = client.patch("/api/v1/accounts/nope", json={"state": "GB"}, headers=admin_h)
    assert missing.status_code == 404
    with db.read() as tx:
        audit = tx.audit.list(PageRequest(0, 10), "acc-old").items
    assert [a.verb for a in audit] == ["account.org.state_set"]
