"""Only a state's own regulators, or an admin, publish that state's report: every role and
account tried through the API (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Principal, Role
from pallmall.core.errors import Forbidden
from pallmall.core.settings import Settings
from pallmall.reports import make_spec
from pallmall.reports.ports import require_publisher
from pallmall.storage.database import Database

CALLERS: dict[str, tuple[Role, str | None, AccountKind | None, str | None]] = {
    "gb_regulator": (Role.REGULATOR, "GB authority", AccountKind.EXPORT_AUTHORITY, "GB"),
    "fr_regulator": (Role.REGULATOR, "FR authority", AccountKind.EXPORT_AUTHORITY, "FR"),
    "gb_oversight": (Role.OVERSIGHT, "GB oversight", AccountKind.OVERSIGHT_BODY, "GB"),
    "gb_agency": (Role.STATE_USER, "GB agency", AccountKind.STATE_AGENCY, "GB"),
    "vendor": (Role.VENDOR, "Vendor", AccountKind.VENDOR, None),
    "analyst": (Role.ANALYST, "Lab", AccountKind.INTEL_TEAM, None),
    "public": (Role.PUBLIC, None, None, None),
    "admin": (Role.ADMIN, None, None, None),
}
EXPECTED = {
    "gb_regulator": 201,
    "admin": 201,
    "fr_regulator": 403,
    "gb_oversight": 403,
    "gb_agency": 403,
    "vendor": 403,
    "analyst": 403,
    "public": 403,
    None: 401,
}


@pytest.fixture
def client_and_tokens(db: Database, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    tokens = {}
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        for name, (role, org_name, kind, state) in CALLERS.items():
            org = people.ensure_org(SYSTEM, org_name, kind, state) if org_name and kind else None
            user = people.create_user(SYSTEM, f"{name}@example.org", name, role, org)
            tokens[name] = people.issue_token(SYSTEM, user)
    settings = Settings(data_dir=tmp_path, session_secret="test-secret")
    with TestClient(create_app(settings, db)) as client:
        yield client, tokens


def test_only_gb_regulators_or_an_admin_publish_gb_report(
    client_and_tokens: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = client_and_tokens
    period = str(datetime.now(UTC).year)
    for caller, status in EXPECTED.items():
        headers = {"Authorization": f"Bearer {tokens[caller]}"} if caller else {}
        response = client.post(
            "/api/v1/reports", json={"state": "GB", "period": period}, headers=headers
        )
        assert response.status_code == status, (caller, response.text)
        if status == 403 and caller == "fr_regulator":
            assert "only GB's regulators publish GB's report" in response.json()["detail"]
    published = client.get("/api/v1/reports").json()
    assert published["total"] == 2 and {i["spec"]["state"] for i in published["items"]} == {"GB"}
    fr = client.post(
        "/api/v1/reports",
        json={"state": "FR", "period": period},
        headers={"Authorization": f"Bearer {tokens['fr_regulator']}"},
    )
    assert fr.status_code == 201
    bad = client.post(
        "/api/v1/reports",
        json={"state": "UK", "period": period},
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert bad.status_code == 422 and "alpha-2" in bad.text


def test_a_regulator_whose_account_has_no_state_publishes_nothing() -> None:
    stateless = Principal(user_id="u", role=Role.REGULATOR, account_id="acc", state=None)
    spec = make_spec("GB", date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(Forbidden, match="acts for no state"):
        require_publisher(stateless, spec.state)
    require_publisher(SYSTEM, spec.state)  # the operator's CLI acts as an admin
