"""Pages for incident reporters and deciders: the report form (``/incidents/new``), the
review queue (``/incidents/queue``), the decision and sharing forms of an incident page.

The same rules as the API: the form is read into the API's own schema (``IncidentIn``), so a
field the API refuses is refused here with the same reason, and every action goes through
``IncidentDesk`` (four eyes, ownership, the disclosure gate). The incident page itself is
``pallmall.web.portal_pages.incident_page``; this router is mounted before it so that
``/incidents/new`` and ``/incidents/queue`` are not read as incident ids.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pallmall.api.deps import Caller, Reading, Writing
from pallmall.api.intel import IncidentIn
from pallmall.core.auth import Permission, Principal
from pallmall.core.errors import InvalidInput
from pallmall.core.paging import PageRequest
from pallmall.disclosure import Visibility
from pallmall.intel.incident import (
    AbuseCategory,
    AttackVector,
    DeviceType,
    LinkRole,
    Verb,
    VictimCategory,
)
from pallmall.intel.tlp import Tlp
from pallmall.registry.model import RecordType
from pallmall.registry.store import RecordQuery
from pallmall.storage.database import Tx
from pallmall.storage.intel import account_names, account_states
from pallmall.web.pages import render
from pallmall.wiring import incident_desk

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=20_000)]
Many = Annotated[list[str], Form(max_length=1000)]
ROWS = 3
"""Empty victim and attribution rows the form offers beyond those already filled."""


@router.get("/incidents/new", response_class=HTMLResponse)
def new_incident(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """The report form (``intel:write``)."""
    caller.require(Permission.INTEL_WRITE)
    return _form(request, caller, tx, {}, [])


@router.post("/incidents/new", response_model=None)
def report_incident(
    request: Request,
    caller: Caller,
    tx: Writing,
    title: Short = "",
    public_summary: Long = "",
    summary: Long = "",
    tlp: Annotated[str, Form(max_length=20)] = "amber",
    first_seen: Annotated[str, Form(max_length=10)] = "",
    last_seen: Annotated[str, Form(max_length=10)] = "",
    categories: Many = [],  # noqa: B006 (FastAPI copies form defaults per request)
    device_types: Many = [],  # noqa: B006
    attack_vectors: Many = [],  # noqa: B006
    victim_category: Many = [],  # noqa: B006
    victim_name: Many = [],  # noqa: B006
    victim_country: Many = [],  # noqa: B006
    link_role: Many = [],  # noqa: B006
    link_target: Many = [],  # noqa: B006
    link_confidence: Many = [],  # noqa: B006
    link_sources: Many = [],  # noqa: B006
    link_sources_visibility: Many = [],  # noqa: B006
    public_sources: Long = "",
    restricted_sources: Long = "",
    indicators: Annotated[str, Form(max_length=500_000)] = "",
) -> Response:
    """File the incident (``intel:write``) and show it; on a refused field, the form again
    with what was typed and the reason, naming the field (status 422)."""
    caller.require(Permission.INTEL_WRITE)
    victims = [
        {"category": c, "name": n.strip() or None, "country": k.strip().upper() or None}
        for c, n, k in zip(victim_category, victim_name, victim_country, strict=False)
        if c
    ]
    links = [
        {
            "role": r,
            "target_id": t,
            "confidence": c or "50",
            "sources": [{"ref": ref, "visibility": v or "restricted"} for ref in _lines(s)],
        }
        for r, t, c, s, v in zip(
            link_role,
            link_target,
            link_confidence,
            link_sources,
            link_sources_visibility,
            strict=False,
        )
        if t
    ]
    data: dict[str, Any] = {
        "title": title,
        "public_summary": public_summary,
        "summary": summary,
        "categories": categories,
        "victims": victims,
        "attributions": links,
        "tlp": tlp,
        "first_seen": first_seen or None,
        "last_seen": last_seen or None,
        "device_types": device_types,
        "attack_vectors": attack_vectors,
        "indicators": _lines(indicators),
        "sources": [{"ref": r, "visibility": "public"} for r in _lines(public_sources)]
        + [{"ref": r, "visibility": "restricted"} for r in _lines(restricted_sources)],
    }
    typed = {
        **data,
        "public_sources": public_sources,
        "restricted_sources": restricted_sources,
        "indicators": indicators,
    }
    try:
        draft = IncidentIn.model_validate(data).draft()
        made = incident_desk(tx, caller).report(caller, draft)
    except ValidationError as exc:
        return _form(request, caller, tx, typed, [_problem(e) for e in exc.errors()], 422)
    except InvalidInput as exc:
        return _form(request, caller, tx, typed, [f"{exc.field}: {exc.reason}"], 422)
    return RedirectResponse(f"/incidents/{made.id}", status_code=303)


@router.get("/incidents/queue", response_class=HTMLResponse)
def review_queue(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """Reported incidents waiting for the caller's decision (``intel:decide``), oldest
    first: those it holds or oversees and did not report itself."""
    waiting = incident_desk(tx, caller).queue(caller)
    return render(request, "incidents/queue.html", caller=caller, incidents=waiting)


@router.post("/incidents/{incident_id}/decision")
def decide(
    incident_id: str,
    caller: Caller,
    tx: Writing,
    verb: Annotated[Verb, Form()],
    reason: Annotated[str, Form(min_length=1, max_length=5000)],
) -> RedirectResponse:
    """Confirm or reject the incident (four eyes: not its reporter)."""
    incident_desk(tx, caller).decide(caller, incident_id, verb, reason)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/shares")
def share(
    incident_id: str,
    caller: Caller,
    tx: Writing,
    account_id: Annotated[str, Form(max_length=64)],
    action: Annotated[str, Form(pattern="^(share|unshare)$")] = "share",
) -> RedirectResponse:
    """Share the incident's restricted details with an account, or stop sharing them."""
    incident_desk(tx, caller).share(caller, incident_id, account_id, on=action == "share")
    return RedirectResponse(f"/incidents/{incident_id}#sharing", status_code=303)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(incident_id: str, request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """One incident as the caller may see it: its public summary, public sources and entry
    in the transparency log; for its holders the restricted details, for a decider the
    decision form, for its owner the sharing form (404 when the caller may not know of it)."""
    view = incident_desk(tx, caller).view(caller, incident_id)
    names = _names(tx, {a["target"] for a in view["attributions"]})
    logged = tx.outbox.logged(PageRequest(0, 10), subject=incident_id).items
    return render(
        request,
        "portal/incident.html",
        caller=caller,
        incident=view,
        names=names,
        logged=logged,
        **incident_actions(tx, caller, view),
    )


def incident_actions(tx: Tx, caller: Principal, view: dict[str, Any]) -> dict[str, Any]:
    """What the incident page offers ``caller`` on ``view``: ``decide`` (the decision form:
    a reported incident it reads whole, not its own report) and ``accounts`` (id -> name,
    for the sharing form, when it owns the incident or oversees)."""
    full = view.get("view") == "full"
    decide = (
        full
        and view["status"] == "reported"
        and caller.can(Permission.INTEL_DECIDE)
        and view.get("reported_by") != caller.user_id
    )
    owner = view.get("owner")
    sharer = full and (
        caller.can(Permission.INTEL_OVERSEE) or owner in (caller.account_id, caller.user_id)
    )
    accounts = account_names(tx.conn) if sharer else {}
    accounts = {k: v for k, v in accounts.items() if k != owner}
    if sharer:
        accounts |= {f"state:{s}": f"every state body of {s}" for s in account_states(tx.conn)}
    return {"decide": decide, "accounts": accounts, "verbs": list(Verb)}


def _form(
    request: Request,
    caller: Principal,
    tx: Tx,
    typed: dict[str, Any],
    errors: list[str],
    status: int = 200,
) -> HTMLResponse:
    victims = list(typed.get("victims", []))
    links = list(typed.get("attributions", []))
    return render(
        request,
        "incidents/new.html",
        status=status,
        caller=caller,
        typed=typed,
        errors=errors,
        victims=victims + [{}] * ROWS,
        links=links + [{}] * ROWS,
        records=_records(tx),
        categories=list(AbuseCategory),
        victim_categories=list(VictimCategory),
        roles=list(LinkRole),
        tlps=list(Tlp),
        devices=list(DeviceType),
        vectors=list(AttackVector),
        visibilities=list(Visibility),
    )


def _records(tx: Tx) -> dict[str, list[tuple[str, str]]]:
    """Registry records an attribution may name, by type: (id, name), sorted by name."""
    out: dict[str, list[tuple[str, str]]] = {}
    for record_type in (RecordType.PRODUCT, RecordType.ORGANISATION):
        found = tx.registry.search(RecordQuery(type=record_type), PageRequest(0, 500)).items
        out[record_type.value] = sorted(
            ((s.id, s.record.name) for s in found), key=lambda p: p[1].casefold()
        )
    return out


def _names(tx: Tx, ids: set[str]) -> dict[str, str]:
    """The names of the public registry records among ``ids``."""
    out = {}
    for rid in ids:
        stored = tx.registry.get(rid)
        if stored is not None and stored.record.visibility is Visibility.PUBLIC:
            out[rid] = stored.record.name
    return out


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _problem(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))
