"""Hostile web pages: CSRF on every form, Origin checks, security headers, no inline script,
no CDN, API writes never authorised by the session cookie (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from pallmall.core.auth import Role
from pallmall.storage.database import Database

from .conftest import PASSWORD, bearer, email, form_token, make_client, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "pallmall" / "web" / "templates"
EVIL = "http://127.0.0.1:9999"  # another port of the same host: same site, other origin


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/login", "/api/v1/me", "/log/checkpoint", "/static/pallmall.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        script = next(d for d in csp.split("; ") if d.startswith("script-src"))
        assert script == "script-src 'self'" and "unsafe-eval" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers  # plain http: no HSTS


def test_https_public_url_adds_hsts_and_host_only_cookies(db: Database, tmp_path: Path) -> None:
    with make_client(db, tmp_path, public_url="https://pallmall.example") as https:
        response = https.get("/login")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert response.headers["set-cookie"].startswith("__Host-pallmall_csrf=")
        assert "Secure" in response.headers["set-cookie"]


def test_templates_hold_no_inline_script_or_style() -> None:
    for path in TEMPLATES.rglob("*.html"):
        if path.name == "report_print.html":
            continue  # rendered into the PDF by WeasyPrint, never served as a page
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=|<style", text), path
        assert "javascript:" not in text, path


def test_every_post_form_carries_the_csrf_field() -> None:
    for path in TEMPLATES.rglob("*.html"):
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>(.{0,40})", path.read_text()):
            assert form.startswith("{{ csrf_field() }}"), path


def test_api_docs_are_served_from_the_node(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "POST /api/v1/tokens" in page.text and "/api/v1/openapi.json" in page.text
    assert not re.search(r"""(src|href)=["']https?://""", page.text)  # nothing from a CDN
    assert "<script" not in page.text


def test_login_without_csrf_token_is_refused(client: TestClient, tokens: dict) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": email(Role.ADMIN), "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert "pallmall_session" not in response.cookies
    browser = client.post(
        "/login",
        data={"email": email(Role.ADMIN), "password": PASSWORD},
        headers={"Accept": "text/html"},
    )
    assert browser.status_code == 403 and "reload the page" in browser.text  # a page for people


def test_a_form_posted_from_another_origin_is_refused(client: TestClient, tokens: dict) -> None:
    sign_in(client, email(Role.REGULATOR))
    token = form_token(client.get("/screening").text)
    response = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": EVIL}, follow_redirects=False
    )
    assert response.status_code == 403
    assert client.get("/api/v1/me").json()["role"] == "regulator"  # still signed in
    cross_site = client.post(
        "/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403


def test_a_token_from_another_session_is_refused(
    db: Database, tmp_path: Path, tokens: dict
) -> None:
    with make_client(db, tmp_path) as attacker, make_client(db, tmp_path) as victim:
        sign_in(attacker, email(Role.VENDOR))
        stolen = form_token(attacker.get("/").text)
        sign_in(victim, email(Role.REGULATOR))
        response = victim.post("/logout", data={"csrf_token": stolen}, follow_redirects=False)
        assert response.status_code == 403
        own = form_token(victim.get("/").text)
        assert victim.post("/logout", data={"csrf_token": own}, follow_redirects=False).is_redirect


def test_multipart_forms_are_checked_too(client: TestClient, tokens: dict) -> None:
    sign_in(client, email(Role.REGULATOR))
    csv = ("parties.csv", b"name\nAcme\n", "text/csv")
    refused = client.post("/screening/batch", files={"parties": csv})
    assert refused.status_code == 403
    token = form_token(client.get("/screening").text)
    accepted = client.post("/screening/batch", files={"parties": csv}, data={"csrf_token": token})
    assert accepted.status_code != 403


def test_api_writes_ignore_the_session_cookie(client: TestClient, tokens: dict) -> None:
    sign_in(client, email(Role.ADMIN))
    assert client.get("/api/v1/me").json()["role"] == "admin"  # reads may use the cookie
    body = {"email": "new@example.org", "name": "New", "role": "public", "password": "x" * 12}
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == 401
    created = client.post("/api/v1/users", json=body, headers=bearer(tokens[Role.ADMIN]))
    assert created.status_code == 201
