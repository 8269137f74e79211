"""Limits and server errors: body limits enforced while reading and after authentication,
row caps on every upload, every 500 of the issue now a clear 4xx, an unexpected exception a
problem document with an error id, TAXII auth and URLs, CSV formulas neutralised (issue 13)."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from pallmall.core.accounts import User
from pallmall.core.auth import Role
from pallmall.core.clock import utcnow
from pallmall.core.csvsafe import safe_cell
from pallmall.screening import EntryName, EntrySchema, ListEntry, LoadReport, SnapshotInfo
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore

from .conftest import PASSWORD, bearer, email, form_token, sign_in

TAXII = "application/taxii+json;version=2.1"
COMMUNITY = "/taxii2/intel/collections/community/objects/"


@pytest.fixture
def listed(db: Database) -> None:
    info = SnapshotInfo("test_list", "1", date(2024, 3, 5), "hand-made")
    entry = ListEntry("test_list", "1", EntrySchema.ORGANIZATION, (EntryName("Intellexa S.A."),))
    SqlListStore(db.engine).record(LoadReport(info, (entry,)))


def _chunks(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        yield b"x" * min(chunk, size - sent)
        sent += chunk


def test_anonymous_bodies_are_refused_before_they_are_read(client: TestClient) -> None:
    declared = client.post(
        "/api/v1/tokens",
        content=b"{" + b" " * 100_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    streamed = client.post("/api/v1/tokens", content=_chunks(200_000))  # chunked: no length
    assert streamed.status_code == 413 and "authenticate" in streamed.json()["detail"]


def test_bad_credentials_are_refused_before_the_body(client: TestClient) -> None:
    response = client.post(
        "/api/v1/registry/records", content=_chunks(5_000_000), headers=bearer("pm_forged")
    )
    assert response.status_code == 401


def test_authenticated_bodies_stop_at_the_limit_while_reading(
    client: TestClient, tokens: dict
) -> None:
    admin = bearer(tokens[Role.ADMIN])
    response = client.post(
        "/api/v1/screening/batch", content=_chunks(11 * 1024 * 1024), headers=admin
    )
    assert response.status_code == 413
    assert "10485760 bytes" in response.json()["detail"]


def test_batches_are_capped_at_10000_rows(client: TestClient, tokens: dict, listed: None) -> None:
    rows = "name\n" + "".join(f"Party {i}\n" for i in range(10_001))
    api = client.post("/api/v1/screening/batch", content=rows, headers=bearer(tokens[Role.ADMIN]))
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "body"
    sign_in(client, email(Role.REGULATOR))
    token = form_token(client.get("/screening").text)
    page = client.post(
        "/screening/batch",
        files={"parties": ("p.csv", rows.encode(), "text/csv")},
        data={"csrf_token": token},
    )
    assert page.status_code == 422 and "10000" in page.text


def test_screening_csv_neutralises_formulas(client: TestClient, tokens: dict, listed: None) -> None:
    rows = 'name,reference\n"=HYPERLINK(""http://evil.example"",""x"")",@SUM(1)\nIntellexa,-1\n'
    response = client.post(
        "/api/v1/screening/batch", content=rows, headers=bearer(tokens[Role.ADMIN])
    )
    assert response.status_code == 200, response.text
    out = list(csv.DictReader(io.StringIO(response.text)))
    assert out[0]["query"].startswith("'=HYPERLINK(") and out[0]["reference"] == "'@SUM(1)"
    assert out[-1]["reference"] == "-1"  # a plain number stays a number


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
def test_as_of_at_extreme_offsets_is_invalid_input(client: TestClient, as_of: str) -> None:
    for path in ("/api/v1/registry/records", "/api/v1/registry/records/org-x"):
        response = client.get(path, params={"as_of": as_of})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["field"].endswith("as_of")


def test_nul_bytes_are_invalid_input_on_every_backend(client: TestClient, tokens: dict) -> None:
    entries = client.get("/log/entries", params={"subject": "a\x00b"})
    assert entries.status_code == 422 and entries.json()["errors"][0]["field"] == "subject"
    token = client.post("/api/v1/tokens", json={"email": "a\x00@example.org", "password": "x"})
    assert token.status_code == 422 and token.json()["errors"][0]["field"] == "body"
    record = {"type": "organisation", "name": "Evil\x00Corp", "kinds": ["vendor"]}
    created = client.post(
        "/api/v1/registry/records", json=record, headers=bearer(tokens[Role.ADMIN])
    )
    assert created.status_code == 422, created.text
    users = client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "\x00", "role": "public", "password": PASSWORD},
        headers=bearer(tokens[Role.ADMIN]),
    )
    assert users.status_code == 422


def test_escaped_backslash_before_u0000_is_not_a_nul(client: TestClient, tokens: dict) -> None:
    record = {"type": "organisation", "name": "Back\\u0000slash", "kinds": ["vendor"]}
    created = client.post(
        "/api/v1/registry/records", json=record, headers=bearer(tokens[Role.ADMIN])
    )
    assert created.status_code == 201, created.text


def test_an_unexpected_exception_is_a_problem_with_an_error_id(client: TestClient) -> None:
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    client.app.add_api_route("/api/v1/boom", boom)
    client.app.add_api_route("/boom", boom)
    for path in ("/api/v1/boom", "/boom"):
        response = client.get(path)
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert len(body["error_id"]) == 16 and body["error_id"] in body["detail"]
        assert "secret internal detail" not in response.text and "Traceback" not in response.text
        assert response.headers["content-security-policy"]


def test_deeply_nested_taxii_json_is_a_bad_request(client: TestClient, tokens: dict) -> None:
    deep = b'{"objects": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    headers = {**bearer(tokens[Role.ANALYST]), "Content-Type": TAXII, "Accept": TAXII}
    response = client.post(COMMUNITY, content=deep, headers=headers)
    assert response.status_code == 400, response.text
    assert "nested" in response.json()["description"]
    shallow = b'{"objects": ' + b"[" * 70 + b"]" * 70 + b"}"
    assert client.post(COMMUNITY, content=shallow, headers=headers).status_code == 400


def test_taxii_takes_basic_token_and_bearer(client: TestClient, tokens: dict) -> None:
    token = tokens[Role.ANALYST]
    basic = base64.b64encode(f"{email(Role.ANALYST)}:{token}".encode()).decode()
    wrong_user = base64.b64encode(f"{email(Role.ADMIN)}:{token}".encode()).decode()
    url = "/taxii2/intel/collections/"
    for header in (f"Basic {basic}", f"Token {token}", f"Bearer {token}"):
        response = client.get(url, headers={"Authorization": header, "Accept": TAXII})
        aliases = {c["alias"] for c in response.json()["collections"]}
        assert "community" in aliases, header
    refused = client.get(url, headers={"Authorization": f"Basic {wrong_user}", "Accept": TAXII})
    assert refused.status_code == 401
    challenge = refused.headers["www-authenticate"]
    assert "Basic" in challenge and "Bearer" in challenge


def test_taxii_discovery_uses_the_public_url(client: TestClient) -> None:
    found = client.get("/taxii2/", headers={"Accept": TAXII, "Host": "attacker.example"}).json()
    assert found["api_roots"] == ["http://127.0.0.1:8000/taxii2/intel/"]


def test_report_csv_neutralises_formulas() -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("\uff1dcmd") == "'\uff1dcmd"  # full-width equals sign too
    assert [safe_cell(v) for v in ("-3", "+0.25", "1e5", "-x", "@x")] == [
        "-3",
        "+0.25",
        "1e5",
        "'-x",
        "'@x",
    ]


def test_database_errors_never_carry_the_bound_parameters(db: Database) -> None:
    secret = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$bm90IGEgcmVhbCBoYXNo"
    user = User("usr-dup", "dup@example.org", "Dup", Role.PUBLIC, None)
    with db.write() as tx:
        tx.accounts.add_user(user, secret, utcnow())
    with pytest.raises(IntegrityError) as failed, db.write() as tx:
        tx.accounts.add_user(user, secret, utcnow())
    assert secret not in str(failed.value)
    assert "hidden due to hide_parameters" in str(failed.value)
