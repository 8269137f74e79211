"""Four eyes by identity (issues 12 and 13): the approver of a use authorisation is a user
id; nobody takes both steps of a four-eyes pair, under any role or in any account; a denied
licence becomes active only through new advice and a second officer's countersignature, and
an appeal is decided by officers who took no part in the decision appealed. Through the API
and the decision page, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.storage.database import Database
from tests.integration.cases.conftest import STATES, World, act, auth, client, file, world
from tests.security.conftest import PASSWORD, form_token, sign_in

# the cases' node (accounts, registry, list) replaces this folder's client fixture here
__all__ = ["client", "world"]

ALL_ROLES = [r for r in Role if r is not Role.ANONYMOUS]


def add_user(
    db: Database,
    world: World,
    name: str,
    role: Role,
    org: str,
    kind: AccountKind,
    password: str | None = None,
) -> str:
    """A user ``name`` with ``role`` in the account ``org`` (made if new); returns its id."""
    with db.write() as tx:
        people = AccountService(tx.accounts, tx.audit)
        account = people.ensure_org(SYSTEM, org, kind, STATES.get(org))
        user = people.create_user(SYSTEM, f"{name}@example.org", name, role, account, password)
        world.tokens[name] = people.issue_token(SYSTEM, user)
    world.accounts[org] = account.id
    world.users[name] = user.id
    return user.id


def authorisation(world: World, approver: str) -> dict[str, Any]:
    return {
        "product_id": world.product_id,
        "purpose": "investigation of a kidnapping",
        "legal_basis": "Investigatory Powers Act s. 99",
        "necessity": "no less intrusive means available",
        "proportionality": "one device, 14 days",
        "approver": approver,
        "duration_days": 14,
    }


def file_authorisation(client: TestClient, world: World, user: str, approver: str) -> Any:
    return client.post(
        "/api/v1/cases/authorisations",
        json=authorisation(world, approver),
        headers=auth(world, user),
    )


def approver_ids(client: TestClient, world: World, user: str) -> set[str]:
    response = client.get("/api/v1/cases/approvers", headers=auth(world, user))
    assert response.status_code == 200, response.text
    return {a["id"] for a in response.json()}


# -- use authorisations --------------------------------------------------------------------


def test_approvers_are_overseers_outside_the_filers_account(
    client: TestClient, world: World, db: Database
) -> None:
    agency_admin = add_user(
        db, world, "agency_admin", Role.ADMIN, "Agency", AccountKind.STATE_AGENCY
    )
    for_state_user = approver_ids(client, world, "state_user")
    assert world.users["oversight"] in for_state_user and world.users["admin"] in for_state_user
    assert agency_admin not in for_state_user  # same account as the filer
    assert world.users["state_user"] not in for_state_user
    assert not {world.users[u] for u in ("officer_a1", "vendor", "analyst")} & for_state_user
    for_admin = approver_ids(client, world, "agency_admin")
    assert agency_admin not in for_admin and world.users["oversight"] in for_admin
    # who cannot file cannot ask
    assert client.get("/api/v1/cases/approvers", headers=auth(world, "analyst")).status_code == 403
    assert client.get("/api/v1/cases/approvers").status_code == 401


@pytest.mark.parametrize(
    "approver",
    [
        "Judge Commissioner",
        "oversight@example.org",
        "state_user",
        "agency_peer",
        "officer_a1",
        "foreign_overseer",
    ],
)
def test_the_approver_must_be_a_user_id_of_an_overseer_outside_the_account(
    client: TestClient, world: World, db: Database, approver: str
) -> None:
    add_user(db, world, "agency_peer", Role.OVERSIGHT, "Agency", AccountKind.STATE_AGENCY)
    # an oversight body of another state (FR) never signs off a GB agency's use
    foreign = add_user(
        db, world, "foreign_overseer", Role.OVERSIGHT, "Authority B", AccountKind.EXPORT_AUTHORITY
    )
    assert foreign not in approver_ids(client, world, "state_user")
    named = world.users.get(approver, approver)
    response = file_authorisation(client, world, "state_user", named)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "approver"


def test_an_admin_in_the_agency_cannot_sign_off_its_own_use_authorisation(
    client: TestClient, world: World, db: Database
) -> None:
    add_user(db, world, "agency_admin", Role.ADMIN, "Agency", AccountKind.STATE_AGENCY)
    second = add_user(
        db, world, "overseer2", Role.OVERSIGHT, "Oversight Body", AccountKind.OVERSIGHT_BODY
    )
    filed = file_authorisation(client, world, "agency_admin", world.users["oversight"])
    assert filed.status_code == 201, filed.text
    uid = filed.json()["id"]
    assert act(client, world, "agency_admin", uid, verb="submit").status_code == 200
    # the filer (an admin, so holding cases:oversee) cannot sign off, nor can anyone of the
    # agency, nor an overseer other than the one named
    for user in ("agency_admin", "state_user", "overseer2", "admin"):
        for verb in ("sign_off", "refuse"):
            response = act(client, world, user, uid, verb=verb, reason="r")
            assert response.status_code in (403, 404), (user, verb, response.text)
    assert second != world.users["oversight"]
    signed = act(client, world, "oversight", uid, verb="sign_off", reason="lawful")
    assert signed.status_code == 200 and signed.json()["status"] == "authorised"


def test_only_the_named_approver_refuses(client: TestClient, world: World) -> None:
    uid = file_authorisation(client, world, "state_user", world.users["admin"]).json()["id"]
    act(client, world, "state_user", uid, verb="submit")
    assert act(client, world, "oversight", uid, verb="refuse", reason="no").status_code == 403
    refused = act(client, world, "admin", uid, verb="refuse", reason="not necessary")
    assert refused.status_code == 200 and refused.json()["status"] == "refused"


# -- licences: advice and countersignature ---------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_nobody_in_the_filing_account_decides_under_any_role(
    client: TestClient, world: World, db: Database, role: Role
) -> None:
    insider = f"vendor_{role.value}"
    add_user(db, world, insider, role, "Acme Vendor Account", AccountKind.VENDOR)
    case = file(client, world)
    act(client, world, "vendor", case["id"], verb="submit")
    for verb, body in (("start_review", {}), ("advise", {"outcome": "deny", "grounds": ["x"]})):
        response = act(client, world, insider, case["id"], verb=verb, **body)
        assert response.status_code in (403, 404), (role, verb, response.text)
        assert act(client, world, "officer_a1", case["id"], verb=verb, **body).status_code == 200
    for verb in ("countersign", "return_advice"):
        response = act(client, world, insider, case["id"], verb=verb, reason="r")
        assert response.status_code in (403, 404), (role, verb, response.text)


@pytest.mark.parametrize("role", [Role.REGULATOR, Role.ADMIN])
def test_the_adviser_cannot_countersign_under_any_role(
    client: TestClient, world: World, db: Database, role: Role
) -> None:
    officer = f"officer_{role.value}"
    add_user(db, world, officer, role, "Authority A", AccountKind.EXPORT_AUTHORITY)
    case = file(client, world)
    act(client, world, "vendor", case["id"], verb="submit")
    act(client, world, officer, case["id"], verb="start_review")
    advised = act(client, world, officer, case["id"], verb="advise", outcome="deny", grounds=["x"])
    assert advised.status_code == 200, advised.text
    for verb in ("countersign", "return_advice"):
        response = act(client, world, officer, case["id"], verb=verb, reason="r")
        assert response.status_code == 403 and "four eyes" in response.json()["detail"]
    assert act(client, world, "officer_a2", case["id"], verb="countersign").status_code == 200


# -- appeals ---------------------------------------------------------------------------------


def denied(client: TestClient, world: World) -> str:
    case = file(client, world)
    cid = case["id"]
    act(client, world, "vendor", cid, verb="submit")
    act(client, world, "officer_a1", cid, verb="start_review")
    act(client, world, "officer_a1", cid, verb="advise", outcome="deny", grounds=["x"])
    assert act(client, world, "officer_a2", cid, verb="countersign").json()["status"] == "denied"
    appealed = act(client, world, "vendor", cid, verb="appeal", reason="the end user is police")
    assert appealed.json()["status"] == "appeal"
    return cid


def test_an_appeal_is_decided_by_officers_who_took_no_part(
    client: TestClient, world: World, db: Database
) -> None:
    add_user(db, world, "officer_a3", Role.REGULATOR, "Authority A", AccountKind.EXPORT_AUTHORITY)
    add_user(db, world, "officer_a4", Role.REGULATOR, "Authority A", AccountKind.EXPORT_AUTHORITY)
    cid = denied(client, world)
    for officer in ("officer_a1", "officer_a2"):
        dismissed = act(client, world, officer, cid, verb="dismiss_appeal", reason="stands")
        assert dismissed.status_code == 403, dismissed.text
        assert "took no part" in dismissed.json()["detail"]
        advice = {"outcome": "approve_with_conditions", "grounds": ["y"], "conditions": ["c"]}
        assert act(client, world, officer, cid, verb="advise", **advice).status_code == 403
    # one officer alone cannot turn the denial into a licence: amend is no longer a move
    amended = act(client, world, "officer_a3", cid, verb="amend", conditions=["c"])
    assert amended.status_code == 409
    advice = {"outcome": "approve_with_conditions", "grounds": ["y"], "conditions": ["c"]}
    assert act(client, world, "officer_a3", cid, verb="advise", **advice).status_code == 200
    assert act(client, world, "officer_a3", cid, verb="countersign").status_code == 403
    assert act(client, world, "officer_a2", cid, verb="countersign").status_code == 403
    returned = act(client, world, "officer_a4", cid, verb="return_advice", reason="check again")
    assert returned.json()["status"] == "appeal"  # back to the appeal, not to review
    act(client, world, "officer_a3", cid, verb="advise", **advice)
    decided = act(client, world, "officer_a4", cid, verb="countersign")
    assert decided.status_code == 200 and decided.json()["status"] == "approved_with_conditions"
    decision = decided.json()["state"]["decision"]
    assert decision["advised_by"] == world.users["officer_a3"]
    assert decision["countersigned_by"] == world.users["officer_a4"]
    assert "appealed" not in decided.json()["state"]


def test_a_dismissal_by_an_officer_who_took_no_part_stands(
    client: TestClient, world: World, db: Database
) -> None:
    add_user(db, world, "officer_a3", Role.REGULATOR, "Authority A", AccountKind.EXPORT_AUTHORITY)
    cid = denied(client, world)
    dismissed = act(client, world, "officer_a3", cid, verb="dismiss_appeal", reason="stands")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "denied"


# -- the page --------------------------------------------------------------------------------


def test_the_decision_page_refuses_the_advisers_countersignature(
    client: TestClient, world: World, db: Database
) -> None:
    for name in ("page_a1", "page_a2"):
        add_user(
            db, world, name, Role.REGULATOR, "Authority A", AccountKind.EXPORT_AUTHORITY, PASSWORD
        )
    cid = file(client, world)["id"]
    act(client, world, "vendor", cid, verb="submit")
    act(client, world, "page_a1", cid, verb="start_review")
    act(client, world, "page_a1", cid, verb="advise", outcome="deny", grounds=["x"])

    def countersign_on_the_page(who: str) -> Any:
        client.cookies.clear()
        sign_in(client, f"{who}@example.org")
        token = form_token(client.get(f"/cases/{cid}").text)
        return client.post(
            f"/cases/{cid}/act",
            data={"verb": "countersign", "csrf_token": token},
            headers={"Accept": "text/html"},
            follow_redirects=False,
        )

    refused = countersign_on_the_page("page_a1")
    assert refused.status_code == 403, refused.text
    assert "four eyes" in refused.text
    done = countersign_on_the_page("page_a2")
    assert done.status_code == 303, done.text
    client.cookies.clear()
    assert act(client, world, "page_a2", cid, verb="countersign").status_code == 409
    assert (
        client.get(f"/api/v1/cases/{cid}", headers=auth(world, "vendor")).json()["case"]["status"]
        == "denied"
    )
