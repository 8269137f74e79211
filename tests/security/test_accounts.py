"""An insider, a stolen cookie or token, a password guesser: sessions end on the server,
tokens expire and are revoked, sign-in is throttled and takes the same work for unknown
e-mails, passwords are argon2id and rehashed on sign-in (issue 13)."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, Role
from pallmall.core.clock import utcnow
from pallmall.core.errors import Unauthenticated
from pallmall.core.paging import PageRequest
from pallmall.storage.database import Database
from pallmall.storage.tables import api_tokens, users

from .conftest import PASSWORD, bearer, email, form_token, make_client, sign_in


def _audit_verbs(db: Database, target: str) -> list[str]:
    with db.read() as tx:
        return [r.verb for r in tx.audit.list(PageRequest(0, 100), target).items]


def test_logout_ends_the_session_on_the_server(client: TestClient, tokens: dict) -> None:
    cookie = sign_in(client, email(Role.REGULATOR))
    assert client.get("/api/v1/me").json()["role"] == "regulator"
    client.post("/logout", data={"csrf_token": form_token(client.get("/").text)})
    replay = client.get("/api/v1/me", cookies={"pallmall_session": cookie})
    assert replay.json()["role"] == "anonymous"  # the copied cookie no longer works


def test_disable_ends_sessions_and_tokens_at_once(
    db: Database, client: TestClient, tokens: dict
) -> None:
    sign_in(client, email(Role.ANALYST))
    token = tokens[Role.ANALYST]
    assert client.get("/api/v1/me", headers=bearer(token)).json()["role"] == "analyst"
    with db.write() as tx:
        AccountService(tx.accounts, tx.audit).set_active(SYSTEM, email(Role.ANALYST), False)
    assert client.get("/api/v1/me").json()["role"] == "anonymous"
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    with db.write() as tx:
        AccountService(tx.accounts, tx.audit).set_active(SYSTEM, email(Role.ANALYST), True)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401  # stays revoked
    user_id = client.get("/api/v1/me", headers=bearer(tokens[Role.ADMIN])).json()["user_id"]
    assert user_id
    with db.read() as tx:
        analyst = tx.accounts.user_by_email(email(Role.ANALYST))
    assert analyst is not None
    verbs = _audit_verbs(db, analyst[0].id)
    assert "account.user.disabled" in verbs and "account.user.enabled" in verbs


def test_role_change_ends_sessions_through_the_api(
    db: Database, client: TestClient, tokens: dict
) -> None:
    sign_in(client, email(Role.STATE_USER))
    me = client.get("/api/v1/me").json()
    admin = bearer(tokens[Role.ADMIN])
    changed = client.patch(f"/api/v1/users/{me['user_id']}", json={"role": "public"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["role"] == "public"
    assert client.get("/api/v1/me").json()["role"] == "anonymous"
    assert client.get("/api/v1/me", headers=bearer(tokens[Role.STATE_USER])).json()["role"] == (
        "public"
    )
    refused = client.patch(
        f"/api/v1/users/{me['user_id']}",
        json={"active": False},
        headers=bearer(tokens[Role.VENDOR]),
    )
    assert refused.status_code == 403
    assert "account.user.role_changed" in _audit_verbs(db, me["user_id"])


def test_tokens_expire_list_and_revoke(db: Database, client: TestClient, tokens: dict) -> None:
    body = {"email": email(Role.ANALYST), "password": PASSWORD, "label": "laptop"}
    issued = client.post("/api/v1/tokens", json={**body, "expires_in_days": 7})
    assert issued.status_code == 201
    new = issued.json()
    lifetime = (utcnow() - timedelta(days=-7)).timestamp() - _ts(new["expires_at"])
    assert abs(lifetime) < 120
    mine = client.get("/api/v1/tokens", headers=bearer(new["token"])).json()
    assert {t["label"] for t in mine} >= {"laptop"} and all("token" not in t for t in mine)
    assert all(t["user_email"] == email(Role.ANALYST) for t in mine)
    other = client.delete(f"/api/v1/tokens/{new['id']}", headers=bearer(tokens[Role.VENDOR]))
    assert other.status_code == 404  # a user cannot even learn of another's token
    revoked = client.delete(f"/api/v1/tokens/{new['id']}", headers=bearer(new["token"]))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert client.get("/api/v1/me", headers=bearer(new["token"])).status_code == 401
    everyone = client.get("/api/v1/tokens", headers=bearer(tokens[Role.ADMIN])).json()
    assert {t["user_email"] for t in everyone} >= {email(r) for r in (Role.ADMIN, Role.VENDOR)}
    assert client.get("/api/v1/tokens").status_code == 401
    too_long = client.post("/api/v1/tokens", json={**body, "expires_in_days": 400})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"].endswith("expires_in_days")


def test_an_expired_token_is_refused(db: Database, client: TestClient, tokens: dict) -> None:
    token = tokens[Role.REGULATOR]
    digest = hashlib.sha256(token.encode()).hexdigest()
    with db.write() as tx:
        tx.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_hash == digest)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_passwords_are_throttled_per_account(client: TestClient, tokens: dict) -> None:
    who = email(Role.OVERSIGHT)
    for _ in range(5):
        wrong = client.post("/api/v1/tokens", json={"email": who, "password": "wrong" * 3})
        assert wrong.status_code == 401
    blocked = client.post("/api/v1/tokens", json={"email": who, "password": PASSWORD})
    assert blocked.status_code == 429  # even the right password waits now
    assert 1 <= int(blocked.headers["retry-after"]) <= 30
    assert blocked.headers["content-type"].startswith("application/problem+json")
    page_token = form_token(client.get("/login").text)
    page = client.post(
        "/login", data={"email": who, "password": PASSWORD, "csrf_token": page_token}
    )
    assert page.status_code == 429 and page.headers["retry-after"]
    other = client.post("/api/v1/tokens", json={"email": email(Role.PUBLIC), "password": PASSWORD})
    assert other.status_code == 201  # another account from the same address is not blocked


def test_unknown_emails_are_throttled_like_known_ones(client: TestClient, tokens: dict) -> None:
    ghost = "nobody-here@example.org"
    codes = [
        client.post("/api/v1/tokens", json={"email": ghost, "password": "x" * 12}).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]


def test_one_address_guessing_many_accounts_is_throttled(
    db: Database, tmp_path: Path, tokens: dict
) -> None:
    with make_client(db, tmp_path) as guesser:
        codes = [
            guesser.post(
                "/api/v1/tokens", json={"email": f"u{i}@example.org", "password": "x" * 12}
            ).status_code
            for i in range(31)
        ]
    assert codes[:30] == [401] * 30 and codes[30] == 429


def test_unknown_email_costs_the_same_password_work(db: Database, tokens: dict) -> None:
    def cpu(address: str) -> float:
        with db.read() as tx:
            service = AccountService(tx.accounts, tx.audit)
            start = time.process_time()
            with contextlib.suppress(Unauthenticated):
                service.verify_credentials(address, "not the password")
            return time.process_time() - start

    known = statistics.median(cpu(email(Role.ADMIN)) for _ in range(7))
    unknown = statistics.median(cpu(f"{secrets.token_hex(4)}@example.org") for _ in range(7))
    assert 0.5 < unknown / known < 2.0, (known, unknown)


def test_passwords_are_argon2id_and_old_hashes_are_upgraded(
    db: Database, client: TestClient, tokens: dict
) -> None:
    with db.read() as tx:
        stored = tx.conn.execute(
            select(users.c.password_hash).where(users.c.email == email(Role.VENDOR))
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    salt = secrets.token_bytes(16)
    legacy = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    with db.write() as tx:
        tx.conn.execute(
            update(users)
            .where(users.c.email == email(Role.VENDOR))
            .values(password_hash=f"scrypt${salt.hex()}${legacy.hex()}")
        )
    sign_in(client, email(Role.VENDOR))  # the old scrypt hash still signs in ...
    with db.read() as tx:
        upgraded = tx.conn.execute(
            select(users.c.password_hash).where(users.c.email == email(Role.VENDOR))
        ).scalar_one()
    assert upgraded.startswith("$argon2id$")  # ... and is replaced on the way


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
