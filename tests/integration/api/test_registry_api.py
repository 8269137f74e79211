"""The registry API on SQLite and PostgreSQL: behaviour, errors, and each role's rights."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.core.auth import ROLE_PERMISSIONS, Permission, Role
from tests.integration.api.conftest import PASSWORD, ROLES, auth

ORG = {
    "type": "organisation",
    "name": "Acme Intrusion",
    "kinds": ["vendor"],
    "jurisdictions": ["GR"],
}


def create(client: TestClient, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/registry/records", json=body or ORG, headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_read_update_history(client: TestClient, tokens: dict[Role, str]) -> None:
    token = tokens[Role.REGULATOR]
    made = create(client, token)
    rid = made["id"]
    assert made["version"] == 1 and made["record"]["name"] == "Acme Intrusion"
    changed = {**ORG, "name": "Acme Cyber"}
    put = client.put(
        f"/api/v1/registry/records/{rid}",
        json=changed,
        headers=auth(token),
        params={"expected_version": 1},
    )
    assert put.status_code == 200 and put.json()["version"] == 2
    stale = client.put(
        f"/api/v1/registry/records/{rid}",
        json=ORG,
        headers=auth(token),
        params={"expected_version": 1},
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    past = client.get(
        f"/api/v1/registry/records/{rid}", params={"as_of": made["recorded_at"]}
    ).json()
    assert past["record"]["name"] == "Acme Intrusion"
    assert client.get(f"/api/v1/registry/records/{rid}").json()["record"]["name"] == "Acme Cyber"


def test_list_pages_and_filters(client: TestClient, tokens: dict[Role, str]) -> None:
    for i in range(5):
        create(client, tokens[Role.ADMIN], {**ORG, "name": f"Vendor {i}"})
    create(client, tokens[Role.ADMIN], {"type": "person", "name": "Jane Doe"})
    page = client.get(
        "/api/v1/registry/records", params={"type": "organisation", "limit": 2, "offset": 2}
    ).json()
    assert (
        page["total"] == 5
        and [i["record"]["name"] for i in page["items"]] == ["Vendor 2", "Vendor 3"]
        and page["has_more"] is True
    )
    assert client.get("/api/v1/registry/records", params={"q": "jane"}).json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ORG, "kinds": []}, "body.organisation.kinds"),
        ({**ORG, "jurisdictions": ["Greece"]}, "body.organisation.jurisdictions.0"),
        ({**ORG, "unknown": 1}, "body.organisation.unknown"),
        ({"type": "spaceship", "name": "x"}, "body"),
    ],
)
def test_bad_input_names_the_field(
    client: TestClient, tokens: dict[Role, str], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/registry/records", json=body, headers=auth(tokens[Role.ADMIN]))
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 422 and field in [e["field"] for e in problem["errors"]]


def test_relationship_to_unknown_record_is_refused(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    rid = create(client, tokens[Role.ADMIN])["id"]
    response = client.post(
        "/api/v1/registry/relationships",
        headers=auth(tokens[Role.ADMIN]),
        json={"type": "owns", "source_id": rid, "target_id": "org-missing"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "target_id", "reason": "no registry record 'org-missing'"}
    ]


def test_unknown_token_is_401_not_anonymous(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers=auth("pm_forged"))
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me").json()["role"] == "anonymous"


def test_password_exchange_for_token(client: TestClient, tokens: dict[Role, str]) -> None:
    wrong = client.post("/api/v1/tokens", json={"email": "admin@example.org", "password": "nope"})
    assert wrong.status_code == 401
    good = client.post("/api/v1/tokens", json={"email": "admin@example.org", "password": PASSWORD})
    assert good.status_code == 201
    assert client.get("/api/v1/me", headers=auth(good.json()["token"])).json()["role"] == "admin"


# --- each role's rights on every write endpoint ------------------------------------------------


def _writes(client: TestClient, admin: str) -> list[tuple[str, str, Any, Permission]]:
    rid = create(client, admin)["id"]
    other = create(client, admin, {**ORG, "name": "Other"})["id"]
    rel = client.post(
        "/api/v1/registry/relationships",
        headers=auth(admin),
        json={"type": "owns", "source_id": rid, "target_id": other},
    ).json()["id"]
    return [
        ("POST", "/api/v1/registry/records", ORG, Permission.REGISTRY_WRITE),
        (
            "PUT",
            f"/api/v1/registry/records/{rid}",
            {**ORG, "name": "New"},
            Permission.REGISTRY_WRITE,
        ),
        (
            "POST",
            "/api/v1/registry/relationships",
            {"type": "invests_in", "source_id": other, "target_id": rid},
            Permission.REGISTRY_WRITE,
        ),
        ("DELETE", f"/api/v1/registry/relationships/{rel}", None, Permission.REGISTRY_WRITE),
        ("DELETE", f"/api/v1/registry/records/{other}", None, Permission.REGISTRY_WRITE),
        (
            "POST",
            "/api/v1/users",
            {"email": "n@example.org", "name": "N", "role": "public"},
            Permission.USERS_MANAGE,
        ),
        ("GET", "/api/v1/users", None, Permission.USERS_MANAGE),
        ("GET", "/api/v1/audit", None, Permission.AUDIT_READ),
    ]


@pytest.mark.parametrize("role", [Role.ANONYMOUS, *ROLES])
def test_each_role_on_every_write_endpoint(
    client: TestClient, tokens: dict[Role, str], role: Role
) -> None:
    token = tokens.get(role)
    for method, url, body, permission in _writes(client, tokens[Role.ADMIN]):
        response = client.request(method, url, json=body, headers=auth(token))
        allowed = permission in ROLE_PERMISSIONS[role]
        expected = {200, 201, 204} if allowed else {401 if role is Role.ANONYMOUS else 403}
        assert response.status_code in expected, (role, method, url, response.text)


def test_writes_are_audited_with_the_actor(client: TestClient, tokens: dict[Role, str]) -> None:
    rid = create(client, tokens[Role.REGULATOR])["id"]
    trail = client.get(
        "/api/v1/audit", params={"target": rid}, headers=auth(tokens[Role.OVERSIGHT])
    ).json()
    me = client.get("/api/v1/me", headers=auth(tokens[Role.REGULATOR])).json()
    assert [(i["actor"], i["verb"]) for i in trail["items"]] == [
        (me["user_id"], "registry.organisation.created")
    ]
