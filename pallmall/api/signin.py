"""Signing in, for the login page and ``POST /api/v1/tokens``: throttled, equal work for
unknown e-mails, rehash on success, server-side sessions that logout ends."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request, Response

from pallmall.api.deps import database, session_cookie, settings
from pallmall.core.accounts import AccountService, User
from pallmall.core.audit import AuditRecord
from pallmall.core.clock import utcnow
from pallmall.core.errors import TooManyRequests, Unauthenticated
from pallmall.core.throttle import LoginThrottle, account_key, address_key
from pallmall.storage.database import Database


def client_address(request: Request) -> str:
    """The client's IP address (uvicorn already applied trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


def sign_in(db: Database, email: str, password: str, address: str) -> User:
    """The active user with these credentials, counting failures per account and address.

    The password is checked outside any write transaction (argon2 takes tens of
    milliseconds; SQLite's write lock is not held meanwhile).

    Raises:
        TooManyRequests: the account or the address is blocked for now (``retry_after`` s);
            no password work is done.
        Unauthenticated: wrong e-mail or password, or an inactive user (one message).
    """
    now = utcnow()
    keys = [account_key(email), address_key(address)]
    with db.read() as tx:
        wait = LoginThrottle(tx.throttle).retry_after(keys, now)
        if wait is not None:
            raise TooManyRequests(f"too many failed sign-ins; try again in {wait} s", wait)
        try:
            user, rehash = AccountService(tx.accounts, tx.audit).verify_credentials(email, password)
        except Unauthenticated:
            failed = True
        else:
            failed = False
    if failed:
        _count_failure(db, email, address)
        raise Unauthenticated("wrong e-mail or password")
    with db.write() as tx:
        if rehash is not None:
            tx.accounts.set_password_hash(user.id, rehash)
        LoginThrottle(tx.throttle).succeeded(email)
    return user


def _count_failure(db: Database, email: str, address: str) -> None:
    now = utcnow()
    with db.write() as tx:
        throttle = LoginThrottle(tx.throttle)
        throttle.failed(email, address, now)
        wait = throttle.retry_after([account_key(email), address_key(address)], now)
        if wait is not None:
            payload: dict[str, object] = {"email": email[:320], "address": address, "seconds": wait}
            tx.audit.append(
                AuditRecord("anonymous", "account.login.throttled", "login", now, payload)
            )


def start_session(request: Request, response: Response, user: User) -> None:
    """Start a server-side session for ``user`` and set its cookie on ``response``."""
    cfg = settings(request)
    lifetime = timedelta(hours=cfg.session_hours)
    with database(request).write() as tx:
        session_id = AccountService(tx.accounts, tx.audit).start_session(user, lifetime)
    response.set_cookie(
        session_cookie(cfg),
        session_id,
        max_age=int(lifetime.total_seconds()),
        path="/",
        secure=cfg.public_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )


def end_session(request: Request, response: Response) -> None:
    """End the caller's session on the server (the cookie no longer works anywhere) and
    clear the cookie."""
    cfg = settings(request)
    name = session_cookie(cfg)
    session_id = request.cookies.get(name)
    if session_id:
        with database(request).write() as tx:
            AccountService(tx.accounts, tx.audit).end_session(session_id)
    response.delete_cookie(
        name, path="/", secure=cfg.public_url.startswith("https://"), httponly=True
    )
