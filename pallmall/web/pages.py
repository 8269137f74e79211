"""Server-rendered pages of the public portal (Jinja2, plain forms, no JavaScript needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pallmall.api.deps import Caller, Reading, database, resolve_principal, transparency_log
from pallmall.api.signin import client_address, end_session, sign_in, start_session
from pallmall.attestation import shipped_form
from pallmall.core.errors import (
    InvalidInput,
    NotFound,
    PallmallError,
    RetryLater,
    Unauthenticated,
)
from pallmall.core.paging import PageRequest
from pallmall.disclosure.kinds import INCIDENT_CONFIRMED
from pallmall.registry.model import Capability, OrgKind, RecordType, RelType
from pallmall.registry.service import RegistryService
from pallmall.registry.store import RecordQuery, StoredRelationship
from pallmall.storage.database import Tx
from pallmall.web import csrf
from pallmall.web.entries import describe
from pallmall.web.graph import Edge, Node, radial_layout
from pallmall.wiring import attestation_service

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
csrf.install(TEMPLATES.env)  # every form: {{ csrf_field() }} (docs/security.md)
router = APIRouter(include_in_schema=False)
PAGE = 25
_LATEST = 5
_OWNERSHIP = {RelType.OWNS, RelType.INVESTS_IN}
_PRODUCT_LINKS = {RelType.DEVELOPS, RelType.SUPPLIES, RelType.RESELLS}


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the caller and ``context``."""
    context.setdefault("caller", resolve_principal(request))
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """The portal's front page: search, counts, and what changed lately (designations,
    decisions, incidents, the log's checkpoint), each from what is public."""
    service = RegistryService(tx.registry, tx.audit, tx.outbox)
    counts = {
        kind: service.search(caller, RecordQuery(kind=kind), PageRequest(0, 1)).total
        for kind in (OrgKind.VENDOR, OrgKind.HACKER_FOR_HIRE)
    }
    listed = service.search(caller, RecordQuery(designated=True), PageRequest(0, 500))
    designations = sorted(
        ((d, s) for s in listed.items for d in getattr(s.record, "designations", ())),
        key=lambda pair: (pair[0].listed_on, pair[1].record.name),
        reverse=True,
    )[:_LATEST]
    lately = {}
    for label, prefix in (("decisions", "cases."), ("incidents", INCIDENT_CONFIRMED)):
        page = tx.outbox.logged(PageRequest(0, _LATEST), kind_prefix=prefix)
        lately[label] = [
            (i, describe(i.change.kind, i.change.subject, i.change.public, tx.registry))
            for i in page.items
        ]
    checkpoint = transparency_log(request).checkpoint().checkpoint
    return render(
        request,
        "home.html",
        caller=caller,
        counts=counts,
        designated=listed.total,
        designations=designations,
        lately=lately,
        checkpoint=checkpoint,
    )


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    caller: Caller,
    tx: Reading,
    q: Annotated[str, Query(max_length=200)] = "",
    type: RecordType | None = None,
    kind: OrgKind | None = None,
    capability: Capability | None = None,
    country: Annotated[str, Query(pattern="^([A-Za-z]{2})?$")] = "",
    designated: Annotated[str, Query(pattern="^(|yes|no)$")] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Registry search with facets."""
    query = RecordQuery(
        q=q or None,
        type=type,
        kind=kind,
        capability=capability,
        country=country.upper() or None,
        designated={"yes": True, "no": False}.get(designated),
    )
    service = RegistryService(tx.registry, tx.audit, tx.outbox)
    results = service.search(caller, query, PageRequest((page - 1) * PAGE, PAGE))
    params = {
        "q": q,
        "type": type or "",
        "kind": kind or "",
        "capability": capability or "",
        "country": country.upper(),
        "designated": designated,
    }
    return render(
        request,
        "search.html",
        caller=caller,
        results=results,
        params=params,
        page=page,
        kinds=list(OrgKind),
        capabilities=list(Capability),
        types=list(RecordType),
        next_url=_page_url(params, page + 1),
        prev_url=_page_url(params, page - 1),
    )


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record_page(
    record_id: str,
    request: Request,
    caller: Caller,
    tx: Reading,
    as_of: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """An organisation, person or product: designations (its members' too, for an umbrella),
    products, owners, graph, sources on everything, its history; ``as_of`` shows a past
    version."""
    service = RegistryService(tx.registry, tx.audit, tx.outbox)
    when = _as_of(as_of)
    stored = service.get(caller, record_id, when)
    rels = service.relationships(caller, record_id, when)
    names = {r: tx.registry.get(r, when) for rel in rels for r in _ends(rel)}
    label = {k: (v.record.name if v else k) for k, v in names.items()}
    kinds = {k: (v.record.type.value if v else "") for k, v in names.items()}
    groups = _group(record_id, rels)
    graph = _graph(stored.id, stored.record.name, stored.record.type.value, rels, label, kinds)
    members = [
        (other, d)
        for _, other in groups["owned"]
        if (found := names.get(other)) is not None
        for d in getattr(found.record, "designations", ())
    ]
    history = service.history(caller, record_id)
    return render(
        request,
        "record.html",
        caller=caller,
        stored=stored,
        record=stored.record,
        groups=groups,
        label=label,
        graph=graph,
        members=members,
        history=history,
        as_of=when,
        latest=history[-1].version if history else stored.version,
        **public_attestation(tx, stored.id, stored.record.type.value),
    )


def _as_of(text: str) -> datetime | None:
    """The ``as_of`` of a page address (RFC 3339), or None; a bad one is a 422 naming it."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("as_of", "must be a date-time such as 2024-03-05T00:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", error=None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    """Check credentials (throttled per account and address); on success start a server-side
    session and set its cookie."""
    try:
        user = sign_in(database(request), email, password, client_address(request))
    except Unauthenticated as exc:
        return render(request, "login.html", status=401, error=str(exc))
    except RetryLater as exc:
        refused = render(request, "login.html", status=exc.status, error=str(exc))
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    response = RedirectResponse("/", status_code=303)
    start_session(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """End the session on the server and clear its cookie."""
    response = RedirectResponse("/", status_code=303)
    end_session(request, response)
    return response


def page_error(request: Request, exc: PallmallError) -> HTMLResponse:
    """An error page for a browser (the API keeps its problem documents)."""
    title = "Not found" if isinstance(exc, NotFound) else exc.title
    response = render(request, "error.html", status=exc.status, title=title, detail=str(exc))
    if isinstance(exc, RetryLater):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _page_url(params: dict[str, Any], page: int) -> str:
    return "/search?" + urlencode({**{k: v for k, v in params.items() if v}, "page": page})


def public_attestation(tx: Tx, record_id: str, record_type: str) -> dict[str, Any]:
    """What the record page shows of an organisation's self-attestation (its answers are
    public declarations; the page itself is only as public as the record)."""
    if record_type != "organisation":
        return {}
    questions = [q for q in shipped_form().questions() if q.kind == "yes_no"]
    standing = attestation_service(tx).standing(record_id)
    return {"attestation": standing, "attestation_questions": questions}


def _ends(rel: StoredRelationship) -> tuple[str, str]:
    return rel.relationship.source_id, rel.relationship.target_id


def _group(record_id: str, rels: list[StoredRelationship] | Any) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {
        "owners": [],
        "owned": [],
        "products": [],
        "developers": [],
        "other": [],
    }
    for rel in rels:
        r = rel.relationship
        incoming = r.target_id == record_id
        other = r.source_id if incoming else r.target_id
        if r.type in _OWNERSHIP or r.type is RelType.SUBSIDIARY_OF:
            owner_side = (r.type is RelType.SUBSIDIARY_OF) == incoming
            groups["owned" if owner_side else "owners"].append((rel, other))
        elif r.type in _PRODUCT_LINKS:
            groups["developers" if incoming else "products"].append((rel, other))
        else:
            groups["other"].append((rel, other))
    return groups


def _graph(
    centre_id: str, name: str, type_: str, rels: Any, label: dict[str, str], kinds: dict[str, str]
) -> dict[str, Any]:
    others = {o: Node(o, label[o], kinds[o]) for rel in rels for o in _ends(rel) if o != centre_id}
    placed = radial_layout(Node(centre_id, name, type_), list(others.values()))
    pos = {p.node.id: p for p in placed}
    edges = [
        Edge(r.relationship.source_id, r.relationship.target_id, r.relationship.type.value)
        for r in rels
    ]
    return {"nodes": placed, "edges": edges, "pos": pos}
