"""No undercut through the API, on SQLite and PostgreSQL: Authority A denies (four eyes),
then an application to Authority B of the same product category whose consignee is the
same party spelled differently carries the prior-denial finding naming A's case; a
different consignee, a different product category, or A's own later application do not."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from pallmall.core.auth import SYSTEM
from pallmall.registry.model import Capability, Product
from pallmall.storage.database import Database
from tests.helpers import service
from tests.integration.cases.conftest import World, act, auth, file

RULE = "no-undercut.prior-denial"


def deny(client: TestClient, world: World) -> str:
    """File the conftest application to Authority A and deny it; its case id."""
    cid: str = file(client, world)["id"]
    assert act(client, world, "vendor", cid, verb="submit").status_code == 200
    assert act(client, world, "officer_a1", cid, verb="start_review").status_code == 200
    advised = act(
        client,
        world,
        "officer_a1",
        cid,
        verb="advise",
        outcome="deny",
        grounds=["sanctions.blocked-party@1"],
        reason="end user is a listed party",
    )
    assert advised.status_code == 200, advised.text
    denied = act(client, world, "officer_a2", cid, verb="countersign")
    assert denied.json()["status"] == "denied", denied.text
    return cid


def undercut(
    client: TestClient,
    world: World,
    consignee: str,
    authority: str = "Authority B",
    officer: str = "officer_b",
    **changes: Any,
) -> list[dict[str, Any]]:
    """File and submit an application to ``authority`` with ``consignee``; its
    prior-denial findings."""
    case = file(
        client,
        world,
        "vendor2",
        authority_id=world.accounts[authority],
        destination="AM",
        parties=[
            {"role": "end_user", "name": "Yerevan Trade House CJSC", "country": "AM"},
            {"role": "consignee", "name": consignee, "country": "AM"},
        ],
        **changes,
    )
    assert act(client, world, "vendor2", case["id"], verb="submit").status_code == 200
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=auth(world, officer)).json()
    return [f for f in detail["diligence"][-1]["findings"] if f["rule_id"] == RULE]


def test_a_variant_spelling_of_the_consignee_carries_the_prior_denial(
    client: TestClient, world: World
) -> None:
    cid = deny(client, world)

    found = undercut(client, world, "Nothern Frieght Limited Liability Company")

    assert len(found) == 1 and found[0]["severity"] == "high"
    evidence = found[0]["evidence"][0]
    assert evidence["case_id"] == cid and evidence["authority"] == "Authority A"
    assert evidence["matched_on"][0] == "product_category"
    (line,) = evidence["matched_on"][1:]
    assert line.startswith(
        "consignee: 'Nothern Frieght Limited Liability Company' ~ 'Northern Freight LLC' (0."
    )
    assert cid in found[0]["summary"] and "Northern Freight LLC" in found[0]["summary"]


def test_a_different_consignee_carries_no_prior_denial(client: TestClient, world: World) -> None:
    deny(client, world)
    assert undercut(client, world, "Southern Freight LLC") == []


def test_another_product_category_carries_no_prior_denial(
    client: TestClient, world: World, db: Database
) -> None:
    with db.write() as tx:
        exploit = service(tx).create(
            SYSTEM, Product(name="Chain-7", capabilities=(Capability.EXPLOIT,))
        )
    deny(client, world)
    assert undercut(client, world, "Northern Freight LLC", product_id=exploit.id) == []


def test_the_denying_authoritys_own_later_application_carries_no_prior_denial(
    client: TestClient, world: World
) -> None:
    deny(client, world)
    assert undercut(client, world, "Northern Freight LLC", "Authority A", "officer_a1") == []
