"""``/api/v1/reports``: transparency reports (read by anyone, published by authorities) and
the market-growth observatory."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from pallmall.api import problems
from pallmall.api.deps import Caller, Reading, Workers, database, transparency_log
from pallmall.core.auth import Permission, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import NotFound
from pallmall.core.ids import new_id
from pallmall.log import TransparencyLog
from pallmall.reports import (
    Report,
    ReportSpec,
    build_report,
    make_spec,
    observe,
    parse_period,
    parse_statements,
)
from pallmall.reports import read_log as read_transparency_log
from pallmall.reports.growth import CLAIM_YEARS, registry_vendors
from pallmall.reports.ports import StoredReport, publish_report, require_publisher
from pallmall.storage.database import Database
from pallmall.storage.reports import SqlReportStore

Statements = dict[str, dict[str, str]]
router = APIRouter(prefix="/api/v1", tags=["reports"], responses=problems.RESPONSES)


class PublishRequest(BaseModel):
    """A report to build from this node's log now and publish."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    state: str = Field(
        min_length=2, max_length=2, examples=["GB"], description="ISO 3166-1 alpha-2"
    )
    period: str = Field(min_length=4, max_length=30, examples=["2026", "2026-Q2"])
    statements: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="self-assessment: {C1: {status, statement}, ...}"
    )


def _summary(stored: StoredReport) -> dict[str, Any]:
    r = stored.report
    return {
        "id": r.id,
        "spec": r.spec.to_json(),
        "checkpoint": {k: v for k, v in r.checkpoint.to_json().items() if k != "note"},
        "digest": r.digest,
        "published_at": stored.published_at.isoformat(),
        "links": {f: f"/reports/{r.id}.{f}" for f in ("json", "csv", "pdf")},
    }


@router.get("/reports")
def list_reports(caller: Caller, tx: Reading) -> dict[str, Any]:
    """Published reports, newest first."""
    caller.require(Permission.REGISTRY_READ_PUBLIC)
    items = [_summary(s) for s in SqlReportStore(tx.conn).list()]
    return {"items": items, "total": len(items)}


@router.get("/reports/{report_id}")
def get_report(report_id: str, caller: Caller, tx: Reading) -> JSONResponse:
    """One report as published (what ``pallmall report verify`` takes)."""
    caller.require(Permission.REGISTRY_READ_PUBLIC)
    stored = SqlReportStore(tx.conn).get(report_id)
    if stored is None:
        raise NotFound(f"no report {report_id!r}")
    return JSONResponse(stored.report.to_json())


@router.post("/reports", status_code=201)
async def publish(
    body: PublishRequest,
    request: Request,
    caller: Caller,
    workers: Workers,
) -> dict[str, Any]:
    """Build a report from the log's current checkpoint and publish it: stored, and
    ``report.published`` with its digest appended to the log. Only the state's own
    regulators (``reports:publish``, an account acting for ``state``) or an admin publish a
    state's report (403 otherwise). Reading the log and building run in the worker pool,
    before the write transaction opens."""
    caller.require(Permission.REPORTS_PUBLISH)
    start, end, label = parse_period(body.period)
    spec = make_spec(body.state, start, end, label)
    require_publisher(caller, spec.state)
    said = parse_statements(body.statements)
    tlog: TransparencyLog = transparency_log(request)
    now = utcnow()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    report = await workers.run(_build, tlog, spec, new_id("rpt"), stamp, said)
    return await workers.run(_publish, database(request), caller, report, now)


def _build(
    tlog: TransparencyLog, spec: ReportSpec, report_id: str, stamp: str, said: Statements
) -> Report:
    snapshot = read_transparency_log(tlog.store.root, tlog.vkey)
    return build_report(snapshot, spec, report_id, stamp, said)


def _publish(db: Database, caller: Principal, report: Report, now: datetime) -> dict[str, Any]:
    with db.write() as tx:
        stored = publish_report(caller, report, SqlReportStore(tx.conn), tx.outbox, tx.audit, now)
    return _summary(stored)


@router.get("/observatory")
def observatory(caller: Caller, tx: Reading) -> dict[str, Any]:
    """The market-growth observatory on the public registry (method: /statistics)."""
    caller.require(Permission.REGISTRY_READ_PUBLIC)
    g = observe(registry_vendors(tx.registry), claim_years=CLAIM_YEARS)
    fit = g.fit
    return {
        "vendors": g.total,
        "dated": g.dated,
        "coverage": round(g.coverage, 4),
        "by_source": g.by_source,
        "years": list(g.years),
        "cumulative": list(g.cumulative),
        "doubling_time_years": _num(fit.doubling_time) if fit else None,
        "ci95_years": [_num(g.ci_low), _num(g.ci_high)] if fit else None,
        "fit": {"start": fit.start, "end": fit.end, "rate": fit.rate, "r_squared": fit.r_squared}
        if fit
        else None,
        "claim_years": g.claim_years,
        "claim_in_interval": g.claim_in_interval,
    }


def _num(value: float | None) -> float | None:
    return None if value is None or math.isinf(value) else round(value, 3)
