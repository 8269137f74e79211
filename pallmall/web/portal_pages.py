"""The public portal beyond the registry: transparency reports, statistics and the
market-growth observatory, incidents, restrictions, and the log explorer.

Server-rendered and readable without JavaScript; the one script (``logproof.js``) only
adds an in-browser check of an inclusion proof and of the checkpoint signature.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pallmall.api.deps import Caller, Reading, transparency_log
from pallmall.core.auth import Principal
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.core.paging import PageRequest
from pallmall.intel.incident import IncidentStatus
from pallmall.log import parse_entry
from pallmall.log.hashing import leaf_hash
from pallmall.registry.model import RecordType
from pallmall.registry.store import RecordQuery, RegistryStore
from pallmall.reports import (
    BIASES,
    Dated,
    Growth,
    Report,
    html_to_pdf,
    load_code,
    observe,
    report_csv,
)
from pallmall.reports.charts import Chart, counts_chart, decisions_chart, growth_chart
from pallmall.reports.figures import flatten
from pallmall.reports.growth import (
    CLAIM,
    CLAIM_SOURCE,
    CLAIM_YEARS,
    every_record,
    registry_vendors,
)
from pallmall.storage.database import Tx
from pallmall.storage.reports import SqlReportStore
from pallmall.web.entries import describe
from pallmall.web.pages import TEMPLATES, render
from pallmall.wiring import incident_desk

router = APIRouter(include_in_schema=False)


# -- reports ----------------------------------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """Published transparency reports, newest first."""
    stored = SqlReportStore(tx.conn).list()
    return render(request, "portal/reports.html", caller=caller, reports=stored)


def _report(tx: Tx, report_id: str) -> Report:
    stored = SqlReportStore(tx.conn).get(report_id)
    if stored is None:
        raise NotFound(f"no report {report_id!r}")
    return stored.report


@router.get("/reports/{report_id}.csv")
def report_csv_download(report_id: str, tx: Reading) -> Response:
    """The report's figures as CSV."""
    report = _report(tx, report_id)
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{report.id}.csv"'},
    )


@router.get("/reports/{report_id}.json")
def report_json_download(report_id: str, tx: Reading) -> Response:
    """The report as published (the input of ``pallmall report verify``)."""
    report = _report(tx, report_id)
    return Response(
        report.dumps(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{report.id}.json"'},
    )


@router.get("/reports/{report_id}.pdf")
def report_pdf(report_id: str, request: Request, tx: Reading) -> Response:
    """The report as PDF (WeasyPrint), the same content as the page."""
    report = _report(tx, report_id)
    pdf = _pdf(report.digest, report_html(request, report))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{report.id}.pdf"'},
    )


@lru_cache(maxsize=16)
def _pdf(_digest: str, html: str) -> bytes:
    return html_to_pdf(html)


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(report_id: str, request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """One report: figures, charts with their tables, self-assessment, the checkpoint."""
    report = _report(tx, report_id)
    return render(request, "portal/report.html", caller=caller, **report_context(report))


def report_context(report: Report) -> dict[str, Any]:
    """What the report templates need (page and print version)."""
    lic = report.figures.get("licences", {})
    inc = report.figures.get("incidents", {})
    charts = [
        decisions_chart(lic.get("by_destination", {}), "destination"),
        decisions_chart(lic.get("by_category", {}), "capability category"),
        counts_chart(inc.get("by_category", {}), "Confirmed incidents by category", "incidents"),
    ]
    return {
        "report": report,
        "f": report.figures,
        "charts": [c for c in charts if c is not None],
        "code": load_code(),
        "figure_count": len(flatten(report.figures)),
    }


def report_html(request: Request, report: Report) -> str:
    """The report as a standalone HTML document (inline CSS and SVG, for the PDF)."""
    template = TEMPLATES.get_template("portal/report_print.html")
    return template.render(request=request, **report_context(report))


# -- statistics and the observatory ------------------------------------------------------


def _all(store: RegistryStore, query: RecordQuery) -> Iterator[Any]:
    return every_record(store, query)


@lru_cache(maxsize=4)
def _observe(vendors: tuple[Dated, ...]) -> tuple[Growth, Chart | None]:
    growth = observe(vendors, claim_years=CLAIM_YEARS)
    return growth, growth_chart(growth)


@router.get("/statistics", response_class=HTMLResponse)
def statistics(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """Market statistics and the market-growth observatory, with its method."""
    vendors = registry_vendors(tx.registry)
    growth, chart = _observe(tuple(vendors))
    kinds = Counter(
        k.value
        for s in _all(tx.registry, RecordQuery(type=RecordType.ORGANISATION))
        for k in getattr(s.record, "kinds", ())
    )
    dated = sorted((v for v in vendors if v.year is not None), key=lambda v: (v.year, v.name))
    return render(
        request,
        "portal/statistics.html",
        caller=caller,
        growth=growth,
        chart=chart,
        kinds=sorted(kinds.items(), key=lambda kv: -kv[1]),
        dated=dated,
        biases=BIASES,
        claim=CLAIM,
        claim_source=CLAIM_SOURCE,
    )


# -- incidents and restrictions -----------------------------------------------------------


def _public_incidents(tx: Tx, caller: Principal) -> list[dict[str, Any]]:
    desk = incident_desk(tx, caller)
    return list(reversed(desk.list(caller, IncidentStatus.CONFIRMED)))


@router.get("/incidents", response_class=HTMLResponse)
def incidents(
    request: Request,
    caller: Caller,
    tx: Reading,
    record: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Confirmed abuse incidents the caller may see, optionally linked to one record."""
    found = [_summary(i) for i in _public_incidents(tx, caller)]
    if record:
        found = [i for i in found if any(a["target"] == record for a in i["attributions"])]
    names = _names(tx, {a["target"] for i in found for a in i["attributions"]})
    return render(
        request,
        "portal/incidents.html",
        caller=caller,
        incidents=found,
        names=names,
        record=record,
        record_name=names.get(record, record) if record else "",
    )


def _summary(view: dict[str, Any]) -> dict[str, Any]:
    """The view with its attributions keyed ``target`` (the registry id)."""
    links = [{**a, "target": a.get("target") or a.get("target_id")} for a in view["attributions"]]
    counts = view.get("victim_counts")
    if counts is None:
        counts = dict(Counter(v["category"] for v in view.get("victims") or []))
    return {**view, "attributions": links, "victim_counts": dict(sorted(counts.items()))}


def _names(tx: Tx, ids: set[str]) -> dict[str, str]:
    out = {}
    for rid in ids:
        stored = tx.registry.get(rid)
        if stored is not None and stored.record.visibility.value == "public":
            out[rid] = stored.record.name
    return out


@router.get("/restrictions", response_class=HTMLResponse)
def restrictions(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """Designated organisations and persons, with each designation."""
    rows = [
        s
        for s in _all(tx.registry, RecordQuery(designated=True))
        if getattr(s.record, "designations", ())
    ]
    authorities = Counter(d.authority for s in rows for d in s.record.designations)
    return render(
        request,
        "portal/restrictions.html",
        caller=caller,
        rows=rows,
        authorities=sorted(authorities.items()),
    )


# -- the log explorer ---------------------------------------------------------------------


@router.get("/transparency-log", response_model=None)
def log_explorer(
    request: Request,
    caller: Caller,
    tx: Reading,
    index: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    leaf_hash_hex: Annotated[str, Query(alias="leaf_hash", max_length=64)] = "",
    subject: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The current checkpoint, entry lookup (index, leaf hash or subject), latest entries."""
    tlog = transparency_log(request)
    signed = tlog.checkpoint()
    error = ""
    if leaf_hash_hex and not _is_hex(leaf_hash_hex):
        error, leaf_hash_hex = "A leaf hash is 64 hexadecimal characters.", ""
    searched = bool(subject or leaf_hash_hex)
    page = tx.outbox.logged(PageRequest(0, 25), subject or None, leaf_hash_hex or None)
    if index is not None:
        if index < signed.checkpoint.size:
            return RedirectResponse(f"/transparency-log/entries/{index}", status_code=303)
        error = f"Entry {index} is not in the log yet (size {signed.checkpoint.size})."
    about = [
        describe(i.change.kind, i.change.subject, i.change.public, tx.registry) for i in page.items
    ]
    return render(
        request,
        "portal/log.html",
        caller=caller,
        about=about,
        checkpoint=signed.checkpoint,
        note=signed.note.decode(),
        vkey=tlog.vkey,
        items=page.items,
        total=page.total,
        searched=searched,
        subject=subject,
        leaf_hash=leaf_hash_hex,
        error=error,
    )


def _is_hex(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


@router.get("/transparency-log/entries/{index}", response_class=HTMLResponse)
def log_entry(index: int, request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """One entry, its inclusion proof in the current checkpoint, and a button that checks
    the proof and the checkpoint signature in the browser."""
    tlog = transparency_log(request)
    signed = tlog.checkpoint()
    size = signed.checkpoint.size
    if not 0 <= index < size:
        raise NotFound(f"entry {index} is not in the published log of size {size}")
    data = tlog.entry(index)
    proof = tlog.inclusion_proof(index, size)
    try:
        parsed: Any = parse_entry(data).to_json()
    except InvalidInput:
        parsed = None
    about = None
    if parsed:
        about = describe(parsed["kind"], parsed["subject"], parsed["public"], tx.registry)
    return render(
        request,
        "portal/entry.html",
        caller=caller,
        about=about,
        kind=parsed["kind"] if parsed else "",
        time=parsed["time"] if parsed else "",
        index=index,
        size=size,
        entry_b64=base64.b64encode(data).decode(),
        entry_json=json.dumps(parsed, indent=2, ensure_ascii=False) if parsed else "",
        leaf_hex=leaf_hash(data).hex(),
        proof=[base64.b64encode(h).decode() for h in proof.proof],
        root_b64=base64.b64encode(signed.checkpoint.root).decode(),
        note=signed.note.decode(),
        vkey=tlog.vkey,
    )


@router.get("/transparency-log/verify", response_class=HTMLResponse)
def how_to_verify(request: Request, caller: Caller) -> HTMLResponse:
    """How to verify the log (and a report) without trusting us, in plain language."""
    tlog = transparency_log(request)
    return render(
        request,
        "portal/verify.html",
        caller=caller,
        vkey=tlog.vkey,
        base=str(request.base_url).rstrip("/"),
        today=date.today().isoformat(),
    )
