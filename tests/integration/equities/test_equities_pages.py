"""The register's pages as the two officials of a state use them: record, propose, see the
proposal wait, approve as the other, see the overdue flag; others see nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.integration.equities.conftest import People
from tests.security.conftest import form_token, sign_in


def as_user(client: TestClient, who: str) -> None:
    client.cookies.clear()
    sign_in(client, f"{who}@example.org")


def post(client: TestClient, page: str, action: str, data: dict[str, str]) -> str:
    token = form_token(client.get(page).text)
    response = client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_two_officials_decide_on_the_pages(client: TestClient, people: People) -> None:
    as_user(client, "gb_officer")
    assert "Equities" in client.get("/equities").text  # in the navigation
    where = post(
        client,
        "/equities",
        "/equities",
        {
            "title": "KESTREL: router firmware RCE",
            "product": "Small-office routers",
            "acquired_on": "2026-03-01",
            "manner": "partner_shared",
        },
    )
    assert re.fullmatch(r"/equities/vul-[0-9a-f]{32}", where)
    review = (date.today() - timedelta(days=1)).isoformat()
    post(
        client,
        where,
        f"{where}/propose",
        {
            "outcome": "restrict",
            "international_partnership": "Shared by a partner under conditions.",
            "rationale": "Keep until the partner agrees to disclose.",
            "deciding_body": "Equities Technical Panel",
            "review_on": review,
        },
    )
    page = client.get(where).text
    assert "Proposal awaiting a second user" in page
    token = form_token(page)
    refused = client.post(f"{where}/approve", data={"csrf_token": token})
    assert refused.status_code == 403 and "four eyes" in refused.text
    as_user(client, "gb_overseer")
    post(client, where, f"{where}/approve", {})
    page = client.get(where).text
    assert 'id="status">restricted' in page
    assert f"review overdue since {review}" in page
    listed = client.get("/equities?overdue=true").text
    assert "KESTREL" in listed and "overdue" in listed
    as_user(client, "fr_officer")
    assert client.get(where).status_code == 404
    assert "KESTREL" not in client.get("/equities").text
    client.cookies.clear()
    assert client.get(where).status_code in (401, 303)
