"""Each role's rights on every case endpoint (one test per role, both backends).

Roles act from their own accounts: the vendor filed the case, the regulator works for the
authority it went to, the state user is a state agency, admin has no account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.cases.conftest import World, act, application, auth, file

Call = Callable[[TestClient, World, str | None, str], Any]


def _post(path: str, body: Callable[[World], dict[str, Any]] | None = None) -> Call:
    def call(client: TestClient, world: World, user: str | None, cid: str) -> Any:
        json = body(world) if body else None
        return client.post(path.format(cid=cid), json=json, headers=auth(world, user))

    return call


def _get(path: str) -> Call:
    def call(client: TestClient, world: World, user: str | None, cid: str) -> Any:
        return client.get(path.format(cid=cid), headers=auth(world, user))

    return call


def _procurement(world: World) -> dict[str, Any]:
    return {"vendor_record_id": world.vendor_id, "product_id": world.product_id}


def _authorisation(world: World) -> dict[str, Any]:
    return {
        "product_id": world.product_id,
        "purpose": "p",
        "legal_basis": "l",
        "necessity": "n",
        "proportionality": "q",
        "approver": world.users["oversight"],
        "duration_days": 30,
    }


ENDPOINTS: dict[str, Call] = {
    "list": _get("/api/v1/cases"),
    "file_licence": _post("/api/v1/cases/licences", application),
    "open_restriction": _post(
        "/api/v1/cases/restrictions",
        lambda w: {"vendor_record_id": w.vendor_id, "grounds": "confirmed abuse"},
    ),
    "procurement": _post("/api/v1/cases/procurement", _procurement),
    "authorisation": _post("/api/v1/cases/authorisations", _authorisation),
    "notifications": _get("/api/v1/cases/notifications"),
    "authorities": _get("/api/v1/cases/authorities"),
    "policy": _get("/api/v1/cases/policy"),
    "recheck": _post("/api/v1/cases/recheck"),
    "get": _get("/api/v1/cases/{cid}"),
    "classify": _post(
        "/api/v1/cases/{cid}/classification",
        lambda w: {"basis": "listed", "control_codes": ["wassenaar:4.D.4"]},
    ),
    "message": _post("/api/v1/cases/{cid}/messages", lambda w: {"text": "more please"}),
    "diligence": _post("/api/v1/cases/{cid}/diligence"),
    "transition": _post("/api/v1/cases/{cid}/transitions", lambda w: {"verb": "start_review"}),
}
COLUMNS = list(ENDPOINTS)
# list file  restr proc  auth  notif auths policy rechk get  class msg  dd   trans
EXPECTED: dict[str | None, list[int]] = {
    None: [401, 401, 401, 401, 401, 401, 401, 200, 401, 401, 401, 401, 401, 401],
    "public": [403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403],
    "analyst": [403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403],
    "vendor": [200, 201, 403, 403, 403, 403, 200, 200, 403, 200, 403, 409, 403, 403],
    "state_user": [200, 403, 403, 201, 201, 403, 200, 200, 403, 404, 403, 404, 404, 404],
    "officer_a1": [200, 403, 201, 403, 403, 200, 200, 200, 200, 200, 200, 201, 200, 200],
    "officer_b": [200, 403, 201, 403, 403, 200, 200, 200, 200, 404, 404, 404, 404, 404],
    "oversight": [200, 403, 403, 403, 403, 200, 200, 200, 403, 200, 403, 201, 403, 403],
    "admin": [200, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200, 201, 200, 200],
}


@pytest.mark.parametrize("user", list(EXPECTED))
def test_rights_on_every_case_endpoint(client: TestClient, world: World, user: str | None) -> None:
    cid = file(client, world)["id"]
    act(client, world, "vendor", cid, verb="submit")
    # one submitted case serves every column: only the last (transition) changes its status
    got = [ENDPOINTS[name](client, world, user, cid).status_code for name in COLUMNS]
    assert dict(zip(COLUMNS, got, strict=True)) == dict(zip(COLUMNS, EXPECTED[user], strict=True))
