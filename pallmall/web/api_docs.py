"""``/api/v1/docs``: the API reference, rendered on the server from the OpenAPI document.

No script and nothing from a CDN: the page is plain HTML under the node's strict CSP, and
``/api/v1/openapi.json`` stays the machine-readable contract (any OpenAPI tool can load it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pallmall.web.pages import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


@router.get("/api/v1/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Every operation of the API grouped by tag: method, path, summary, parameters, body,
    responses."""
    schema: dict[str, Any] = request.app.openapi()
    return render(request, "api_docs.html", info=schema.get("info", {}), groups=_groups(schema))


def _groups(schema: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(_operation(method, path, op))
    return dict(sorted(groups.items()))


def _operation(method: str, path: str, op: dict[str, Any]) -> dict[str, Any]:
    params = [
        {
            "name": p.get("name", ""),
            "where": p.get("in", ""),
            "required": p.get("required", False),
            "type": _type(p.get("schema", {})),
            "description": p.get("description", ""),
        }
        for p in op.get("parameters", [])
    ]
    content = op.get("requestBody", {}).get("content", {})
    body = [(media, _type(c.get("schema", {}))) for media, c in content.items()]
    return {
        "id": op.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "summary": op.get("summary", ""),
        "description": op.get("description", ""),
        "parameters": params,
        "body": body,
        "responses": [(code, r.get("description", "")) for code, r in op["responses"].items()],
    }


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return str(schema.get("type", "any"))
