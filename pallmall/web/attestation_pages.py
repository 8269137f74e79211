"""The vendor's self-attestation page: the form in force, rendered from its data, prefilled
with the vendor's last answers; lists (owners, resellers, licences) are one item a line."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from pallmall.api.attestation import build_service, request_signer
from pallmall.api.deps import Caller, Reading, Writing
from pallmall.attestation import Form, Question, shipped_form
from pallmall.core.auth import AccountKind, Permission, Principal
from pallmall.core.errors import Forbidden, InvalidInput
from pallmall.core.paging import PageRequest
from pallmall.registry.model import OrgKind
from pallmall.registry.store import RecordQuery
from pallmall.web.pages import render

router = APIRouter(include_in_schema=False)
SEPARATOR = ";"


async def posted(request: Request) -> FormData:
    """The posted form, every value of repeated fields kept (checkboxes)."""
    return await request.form()


def _vendor(caller: Principal) -> None:
    caller.require(Permission.CASES_FILE)
    if caller.account_kind is not AccountKind.VENDOR:
        raise Forbidden("only a vendor account attests for a vendor")


@router.get("/attestation", response_class=HTMLResponse)
def attestation_form(
    request: Request,
    caller: Caller,
    tx: Reading,
    vendor: str = "",
) -> HTMLResponse:
    """The form, for the vendor record chosen (``?vendor=``), prefilled from its last
    attestation."""
    _vendor(caller)
    found = tx.registry.search(RecordQuery(kind=OrgKind.VENDOR), PageRequest(0, 500)).items
    standing = build_service(tx).standing(vendor) if vendor else None
    answers = dict(standing.attestation.answers) if standing else {}
    form = shipped_form()
    return render(
        request,
        "attestation/form.html",
        caller=caller,
        form=form,
        vendors=[(s.id, s.record.name) for s in found],
        vendor=vendor,
        standing=standing,
        values={q.id: _shown(q, answers.get(q.id)) for q in form.questions()},
        answers=answers,
    )


@router.post("/attestation")
def attest(
    request: Request,
    caller: Caller,
    tx: Writing,
    data: Annotated[FormData, Depends(posted)],
) -> RedirectResponse:
    """Attest: the answers are checked against the form, dated, signed and logged; the
    vendor's public registry page shows them."""
    _vendor(caller)
    vendor = str(data.get("vendor_id") or "")
    answers = read_answers(shipped_form(), data)
    build_service(tx, request_signer(request)).attest(caller, vendor, answers)
    return RedirectResponse(f"/records/{vendor}#attestation", status_code=303)


def read_answers(form: Form, data: FormData) -> dict[str, Any]:
    """The answers in the posted form, in the API's JSON shape (checked later, by the form).

    Raises:
        InvalidInput: a list line without its parts (names ``answers.<question>``).
    """
    return {q.id: _read(q, data) for q in form.questions()}


def _read(q: Question, data: FormData) -> Any:
    if q.kind == "choices":
        return [str(v) for v in data.getlist(q.id)]
    raw = str(data.get(q.id) or "").strip()
    if q.kind == "yes_no":
        return {"yes": True, "no": False}.get(raw)
    if q.kind in ("text", "country"):
        return raw
    return [_line(q, n, line) for n, line in enumerate(_lines(raw))]


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def _line(q: Question, n: int, line: str) -> dict[str, Any]:
    parts = [p.strip() for p in line.split(SEPARATOR)]
    where = f"answers.{q.id}.{n}"
    if q.kind == "owners":
        if len(parts) < 2:
            raise InvalidInput(where, "write: name; share in %; owner or investor")
        try:
            share = float(parts[1].rstrip("%").strip())
        except ValueError:
            raise InvalidInput(f"{where}.share", f"{parts[1]!r} is not a percentage") from None
        role = parts[2] if len(parts) > 2 and parts[2] else "owner"
        return {"name": parts[0], "share": share, "role": role}
    if q.kind == "parties":
        return {"name": parts[0], "country": parts[1] if len(parts) > 1 else ""}
    if len(parts) < 2:
        raise InvalidInput(where, "write: state; licence reference")
    return {"state": parts[0], "reference": parts[1]}


def _shown(q: Question, value: Any) -> str:
    """An answer as the form field shows it."""
    if value is None:
        return ""
    if q.kind == "yes_no":
        return "yes" if value else "no"
    if q.kind == "owners":
        return "\n".join(f"{o['name']}; {o['share']:g}; {o['role']}" for o in value)
    if q.kind == "parties":
        return "\n".join(f"{p['name']}; {p['country']}" for p in value)
    if q.kind == "licences":
        return "\n".join(f"{li['state']}; {li['reference']}" for li in value)
    if q.kind == "choices":
        return ""
    return str(value)
