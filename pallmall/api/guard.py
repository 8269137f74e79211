"""The HTTP guard: one ASGI middleware in front of every request (docs/security.md).

For every response: a strict Content-Security-Policy (no inline script or style, no framing),
``nosniff``, a Referrer-Policy, and HSTS when the public URL is https.

For every request: a NUL byte in the path or query is refused (422); an unexpected exception
becomes a problem document with an error id (500; 503 for a full or read-only disk), never a
trace. For every state-changing request (POST, PUT, PATCH, DELETE), before the app reads a byte
of the body:

- an ``Origin`` (or ``Sec-Fetch-Site``) from another site is refused (403);
- the caller is authenticated first: bad credentials are refused (401) and an anonymous body
  may be at most :attr:`GuardConfig.anonymous_body_limit`;
- the body limit is enforced while reading (413), whatever ``Content-Length`` says;
- a page form (any path outside ``/api/``, ``/log/``, ``/taxii2/``, ``/witness/``) must
  carry the session's CSRF token (field ``csrf_token``, or header ``X-CSRF-Token``), else 403;
- an API write takes its credentials from the ``Authorization`` header only: the browser's
  session cookie never authorises one, so no other page can write through the API;
- a JSON body holding ``\\u0000`` is refused (422): PostgreSQL cannot store it.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pallmall.api.deps import PRINCIPAL, resolve_principal
from pallmall.api.problems import MACHINE_PATHS, PROBLEM
from pallmall.core.auth import ANONYMOUS
from pallmall.core.errors import PallmallError

log = logging.getLogger("pallmall.errors")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
NEW_CSRF_COOKIE = "pallmall.csrf.new"
GUARD_CONFIG = "pallmall.guard"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""No inline or foreign script at all. Style attributes are allowed (the inline SVG charts
matplotlib draws colour their shapes with them; an attribute cannot load or select anything),
style elements and foreign stylesheets are not."""


@dataclass(frozen=True)
class GuardConfig:
    """What the guard needs: the secret CSRF tokens are derived with, the public origin,
    the body limits (bytes) and the cookie names."""

    secret: bytes
    public_url: str
    session_cookie: str
    body_limit: int = 10 * 1024 * 1024
    anonymous_body_limit: int = 64 * 1024
    https: bool = field(init=False)
    origin: str = field(init=False)
    csrf_cookie: str = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.public_url)
        object.__setattr__(self, "https", parts.scheme == "https")
        object.__setattr__(self, "origin", f"{parts.scheme}://{parts.netloc}".lower())
        name = "__Host-pallmall_csrf" if self.https else "pallmall_csrf"
        object.__setattr__(self, "csrf_cookie", name)

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The security headers every response carries."""
        out = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if self.https:
            out.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        return out


class BodyTooLarge(HTTPException):
    """The request body passed its limit while being read (413)."""

    def __init__(self, limit: int, anonymous: bool) -> None:
        hint = "; authenticate (Authorization header) to send more" if anonymous else ""
        super().__init__(413, f"the request body is larger than {limit} bytes{hint}")


class NulInBody(HTTPException):
    """A JSON body holds a ``\\u0000`` escape (422, field ``body``)."""

    field = "body"

    def __init__(self) -> None:
        super().__init__(422, "body: text must not contain NUL (\\u0000) characters")


def csrf_token(request: Request) -> str:
    """The CSRF token forms of this page must send back (field ``csrf_token``).

    Bound to the session cookie when there is one, else to a random pre-session cookie that
    the guard sets on this response (so the sign-in form is protected too). Tokens are
    HMAC-SHA256 under the node's session secret: they cannot be made without it.
    """
    cfg: GuardConfig = request.scope[GUARD_CONFIG]
    session = request.cookies.get(cfg.session_cookie)
    if session:
        return _mac(cfg.secret, "session", session)
    anon = request.scope.get(NEW_CSRF_COOKIE) or request.cookies.get(cfg.csrf_cookie)
    if not anon:
        anon = secrets.token_urlsafe(32)
        request.scope[NEW_CSRF_COOKIE] = anon
    return _mac(cfg.secret, "anon", anon)


def _mac(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class Guard:
    """The ASGI middleware (see the module docstring). Add it last, so it runs first."""

    def __init__(self, app: ASGIApp, config: GuardConfig) -> None:
        self.app = app
        self.cfg = config
        self._headers = config.headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[GUARD_CONFIG] = self.cfg  # for csrf_token: the request carries its guard
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *self._extra(scope, message)]
            await send(message)

        try:
            refusal = _nul_in_target(scope)
            if refusal is None and scope["method"] not in SAFE_METHODS:
                refusal, receive = await self._check_write(scope, receive)
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:
                raise
            await _error_response(scope, exc)(scope, receive, send_with_headers)

    def _extra(self, scope: Scope, message: Message) -> list[tuple[bytes, bytes]]:
        present = {k.lower() for k, _ in message.get("headers", [])}
        out = [(k, v) for k, v in self._headers if k not in present]
        new_cookie = scope.get(NEW_CSRF_COOKIE)
        if new_cookie:
            secure = "; Secure" if self.cfg.https else ""
            cookie = f"{self.cfg.csrf_cookie}={new_cookie}; Path=/; HttpOnly; SameSite=Lax{secure}"
            out.append((b"set-cookie", cookie.encode()))
        return out

    async def _check_write(self, scope: Scope, receive: Receive) -> tuple[ASGIApp | None, Receive]:
        headers = Headers(scope=scope)
        if not self._same_origin(headers, scope.get("scheme", "http")):
            return _problem(403, "Forbidden", "cross-origin request refused"), receive
        machine = scope["path"].startswith(MACHINE_PATHS)
        request = Request(scope)
        try:
            if machine and "authorization" not in headers:
                scope[PRINCIPAL] = ANONYMOUS  # API writes: the Authorization header only
            caller = resolve_principal(request)
        except PallmallError as exc:
            return _unauthenticated(scope, str(exc)), receive
        limit = self.cfg.anonymous_body_limit if caller.is_anonymous else self.cfg.body_limit
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return _from_http(BodyTooLarge(limit, caller.is_anonymous)), receive
        if machine:
            json_body = "json" in headers.get("content-type", "")
            return None, _limited(receive, limit, caller.is_anonymous, json_body)
        try:
            body = await _read(receive, limit, caller.is_anonymous)
        except BodyTooLarge as exc:
            return _from_http(exc), receive
        if not await self._csrf_ok(scope, headers, body):
            detail = "the form's CSRF token is missing or stale: reload the page and send it again"
            if "text/html" in headers.get("accept", ""):
                return _html(403, "This form has expired", detail), receive
            return _problem(403, "Forbidden", detail), receive
        return None, _replay(body)

    def _same_origin(self, headers: Headers, scheme: str) -> bool:
        origin = headers.get("origin")
        if origin is not None:
            # the public URL's origin, or this request's own (a node reached by another name)
            own = {self.cfg.origin, f"{scheme}://{headers.get('host', '')}".lower()}
            return origin.lower() in own
        return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")

    async def _csrf_ok(self, scope: Scope, headers: Headers, body: bytes) -> bool:
        sent = headers.get(CSRF_HEADER) or await _form_token(scope, headers, body)
        if not sent:
            return False
        cookies = Request(scope).cookies
        expected = [
            _mac(self.cfg.secret, kind, value)
            for kind, name in (("session", self.cfg.session_cookie), ("anon", self.cfg.csrf_cookie))
            if (value := cookies.get(name))
        ]
        return any(hmac.compare_digest(sent, e) for e in expected)


async def _form_token(scope: Scope, headers: Headers, body: bytes) -> str:
    kind = headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        fields = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        return next((v for k, v in fields if k == CSRF_FIELD), "")
    if kind.startswith("multipart/form-data"):
        form = await Request(scope, _replay(body)).form()
        try:
            value = form.get(CSRF_FIELD)
            return value if isinstance(value, str) else ""
        finally:
            await form.close()
    return ""


def _nul_in_target(scope: Scope) -> ASGIApp | None:
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query or "\x00" in scope["path"]:
        names = [k for k, v in parse_qsl(query.decode("latin-1")) if "\x00" in k + v] or ["query"]
        reason = "must not contain NUL (%00) characters"
        return _problem(422, "Invalid input", f"{names[0]}: {reason}", field=names[0])
    return None


async def _read(receive: Receive, limit: int, anonymous: bool) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit, anonymous)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _limited(receive: Receive, limit: int, anonymous: bool, json_body: bool) -> Receive:
    size = 0
    tail = b""

    async def limited() -> Message:
        nonlocal size, tail
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit, anonymous)
            if json_body:
                if _has_nul_escape(tail + chunk):
                    raise NulInBody()
                tail = (tail + chunk)[-64:]
        return message

    return limited


def _has_nul_escape(data: bytes) -> bool:
    """Whether ``data`` holds a JSON ``\\u0000`` escape (not an escaped backslash before it)."""
    start = 0
    while (at := data.find(b"\\u0000", start)) >= 0:
        slashes = len(data[:at]) - len(data[:at].rstrip(b"\\"))
        if slashes % 2 == 0:
            return True
        start = at + 1
    return False


def _problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> ASGIApp:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if "field" in extra:
        body["errors"] = [{"field": extra.pop("field"), "reason": detail.split(": ", 1)[-1]}]
    body.update(extra)
    raw = json.dumps(body).encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        doc = {**body, "instance": scope["path"]}
        data = json.dumps(doc).encode() if doc != body else raw
        out = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(data)).encode())]
        out += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": data})

    return app


def _html(status: int, title: str, detail: str) -> ASGIApp:
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
        f'<link rel=stylesheet href="/static/pallmall.css"><main id=main><h1>{title}</h1>'
        f'<p>{detail}.</p><p><a href="/">Back to the portal</a></p></main></html>'
    ).encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        out = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": page})

    return app


def _from_http(exc: HTTPException) -> ASGIApp:
    from http import HTTPStatus

    title = HTTPStatus(exc.status_code).phrase
    if isinstance(exc, NulInBody):
        return _problem(exc.status_code, title, str(exc.detail), field=exc.field)
    return _problem(exc.status_code, title, str(exc.detail))


def _unauthenticated(scope: Scope, detail: str) -> ASGIApp:
    challenge = {"WWW-Authenticate": 'Bearer, Basic realm="pallmall"'}
    if scope["path"].startswith("/taxii2/"):
        return _taxii_error(401, "Unauthorized", detail, challenge)
    return _problem(401, "Authentication required", detail, challenge)


def _taxii_error(status: int, title: str, detail: str, headers: dict[str, str]) -> ASGIApp:
    body = json.dumps({"title": title, "description": detail, "http_status": str(status)})
    data = body.encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        out = [(b"content-type", b"application/taxii+json;version=2.1")]
        out += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": data})

    return app


STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}
STORAGE_MESSAGES = (
    "database or disk is full",
    "readonly database",
    "read-only file system",
    "no space left on device",
    "disk i/o error",
    "could not extend file",
)


def _error_response(scope: Scope, exc: BaseException) -> ASGIApp:
    """A problem document for an exception nothing else handled: 413/422 for the guard's own,
    503 for a full or read-only disk, else 500 with an error id (the trace goes to the log)."""
    if isinstance(exc, HTTPException):
        return _from_http(exc)
    error_id = secrets.token_hex(8)
    if _storage_failure(exc):
        log.error(
            "error %s: storage unavailable on %s %s: %s",
            error_id,
            scope["method"],
            scope["path"],
            _chain_text(exc),
        )
        detail = (
            "the node cannot write to its storage (disk full or read-only); nothing was "
            f"changed. An operator must free space or fix the data folder. Error id {error_id}."
        )
        return _problem(
            503, "Service unavailable", detail, {"Retry-After": "60"}, error_id=error_id
        )
    if _nul_failure(exc):
        return _problem(
            422, "Invalid input", "body: text must not contain NUL characters", field="body"
        )
    log.error("error %s on %s %s", error_id, scope["method"], scope["path"], exc_info=exc)
    detail = f"an unexpected error occurred; quote error id {error_id} to the operator"
    return _problem(500, "Internal error", detail, error_id=error_id)


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or item in seen or len(seen) > 20:
            continue
        seen.append(item)
        stack += [item.__cause__, item.__context__, getattr(item, "orig", None)]
        if isinstance(item, BaseExceptionGroup):
            stack += list(item.exceptions)
    return seen


def _storage_failure(exc: BaseException) -> bool:
    for item in _causes(exc):
        if isinstance(item, OSError) and item.errno in STORAGE_ERRNOS:
            return True
        if type(item).__name__ in ("DiskFull", "ReadOnlySqlTransaction", "InsufficientResources"):
            return True
        if any(m in str(item).lower() for m in STORAGE_MESSAGES):
            return True
    return False


def _nul_failure(exc: BaseException) -> bool:
    return any("nul (0x00)" in str(item).lower() for item in _causes(exc))


def _chain_text(exc: BaseException) -> str:
    return " <- ".join(f"{type(e).__name__}: {e}" for e in _causes(exc))[:2000]


def install(app: Any, config: GuardConfig) -> None:
    """Put the guard in front of ``app`` (outermost of the app's own middleware); each
    request it passes carries ``config`` for :func:`csrf_token`."""
    app.add_middleware(Guard, config=config)
