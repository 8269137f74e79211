"""Errors as RFC 9457 problem details (``application/problem+json``), naming field and reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from pallmall.core.errors import InvalidInput, PallmallError, RetryLater

PROBLEM = "application/problem+json"
MACHINE_PATHS = ("/api/", "/log/", "/taxii2/", "/witness/")
"""Paths whose clients are programs: errors there are always problem documents."""


def problem(request: Request, status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem document for ``request`` (RFC 9457 §3.1 members, plus ``extra``)."""
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
        **extra,
    }
    headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


CHALLENGE = 'Bearer, Basic realm="pallmall"'
"""What a 401 offers: an API token as Bearer (or ``Token``), or HTTP Basic e-mail:token."""


HtmlErrors = Callable[[Request, PallmallError], Response]


def install(app: FastAPI, html: HtmlErrors | None = None) -> None:
    """Register the handlers that turn every error into a problem document; outside ``/api``
    a domain error is rendered by ``html`` when given (pages for browsers)."""

    @app.exception_handler(PallmallError)
    async def _domain(request: Request, exc: PallmallError) -> Response:
        if html is not None and not request.url.path.startswith(MACHINE_PATHS):
            return html(request, exc)
        extra = {}
        if isinstance(exc, InvalidInput):
            extra["errors"] = [{"field": exc.field, "reason": exc.reason}]
        response = problem(request, exc.status, exc.title, str(exc), **extra)
        if isinstance(exc, RetryLater):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation(request, exc.errors())

    @app.exception_handler(ValidationError)
    async def _model(request: Request, exc: ValidationError) -> JSONResponse:
        return _validation(request, exc.errors())

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        field = getattr(exc, "field", None)
        extra = {"errors": [{"field": field, "reason": str(exc.detail)}]} if field else {}
        response = problem(
            request, exc.status_code, _title(exc.status_code), str(exc.detail), **extra
        )
        response.headers.update(exc.headers or {})
        return response


def _validation(request: Request, errors: Any) -> JSONResponse:
    fields = [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
    return problem(request, 422, "Invalid input", detail, errors=fields)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class FieldError(BaseModel):
    """One bad field: where (dotted path or file position) and why."""

    field: str
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details, with ``errors`` for invalid input."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


_PROBLEM_CONTENT = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": title, "model": Problem, "content": _PROBLEM_CONTENT}
    for status, title in (
        (400, "Malformed request"),
        (401, "Authentication required"),
        (403, "Forbidden"),
        (404, "Not found"),
        (409, "Conflict"),
        (413, "Request body too large"),
        (422, "Invalid input"),
        (429, "Too many requests"),
        (503, "Service unavailable"),
    )
}
