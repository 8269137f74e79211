"""Building a report from the log, and verifying one against the log alone."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.disclosure.kinds import REPORT_PUBLISHED
from pallmall.log import LogFetcher, verifier_from_vkey, verify_checkpoint
from pallmall.log.note import parse_vkey
from pallmall.reports.assessment import assess
from pallmall.reports.errors import ReportMismatch
from pallmall.reports.figures import compute_figures, flatten
from pallmall.reports.model import CheckpointRef, Report, report_from_json
from pallmall.reports.recount import check_recount
from pallmall.reports.source import LogSnapshot, read_log
from pallmall.reports.spec import ReportSpec


def build_report(
    snapshot: LogSnapshot,
    spec: ReportSpec,
    report_id: str,
    generated_at: str,
    statements: Mapping[str, Mapping[str, str]] | None = None,
) -> Report:
    """The report for ``spec`` over the entries of ``snapshot`` (see :func:`read_log`).

    ``snapshot`` MUST be a whole signed checkpoint (not a prefix): the report carries that
    checkpoint's signed note so anyone can check the operator signed it.
    """
    cp = snapshot.checkpoint
    ref = CheckpointRef(cp.origin, cp.size, base64.b64encode(cp.root).decode(), snapshot.note)
    figures = compute_figures(snapshot.records, spec)
    return Report(report_id, spec, ref, generated_at, figures, assess(figures, statements or {}))


@dataclass(frozen=True)
class Verified:
    """What :func:`verify_report` checked: the report, the log size it was read at, how
    many figures it recomputed, and how many decision figures an independent recount
    confirmed."""

    report: Report
    log_size: int
    figures_checked: int
    recounted: int = 0
    published_at: int | None = None
    """The index of the log's ``report.published`` entry for this report (None when the
    log holds none: a report built but not published)."""


def verify_report(data: Mapping[str, Any], source: str | Path | LogFetcher, vkey: str) -> Verified:
    """Recompute every figure of the report ``data`` (its JSON) from the log alone.

    Checks, in order: the checkpoint note the report names is signed by ``vkey`` and says
    the origin, size and root the report states; the log at ``source`` (any later size)
    is authentic and its first ``size`` entries give that root; every figure and every
    piece of self-assessment evidence equals the one recomputed; every decision figure and
    the entries behind it equal an independent recount (:mod:`.recount`, which does not
    share the builder's reading of entry kinds); the digest matches; and when the log holds
    the report's ``report.published`` entry, it commits to this digest, state and period.

    Raises:
        ReportMismatch: a figure, the checkpoint, the recount or the digest differs (names
            which).
        NoteError, CheckpointError: the log or the note does not verify (e.g. an entry
            was changed).
        InvalidInput: the report JSON is malformed.
    """
    report, claimed = report_from_json(data)
    _check_note(report.checkpoint, vkey)
    snapshot = read_log(source, vkey, size=report.checkpoint.size)
    if snapshot.checkpoint.root != report.checkpoint.root_bytes:
        raise ReportMismatch(
            f"the first {report.checkpoint.size} entries of the log give another root than "
            "the report's checkpoint: the log was rewritten, or the report names another log"
        )
    figures = compute_figures(snapshot.records, report.spec)
    _compare("figures", report.figures, figures)
    _compare("assessment", _evidence(report.assessment), _evidence(assess(figures, {})))
    recounted = check_recount(snapshot.records, report.spec, report.figures)
    if claimed is not None and claimed != report.digest:
        raise ReportMismatch("the report's digest does not match its content")
    published = _published(snapshot, report)
    return Verified(report, snapshot.head_size, len(flatten(figures)), recounted, published)


def _published(snapshot: LogSnapshot, report: Report) -> int | None:
    """The index of the log's ``report.published`` entry for ``report``, checked: it must
    commit to this report's digest and, where it states them, its state and period.

    Raises:
        ReportMismatch: the log published another text (or scope) under this report's id.
    """
    for record in (*snapshot.records, *snapshot.later):
        entry = record.entry
        if entry is None or entry.kind != REPORT_PUBLISHED or entry.subject != report.id:
            continue
        public = entry.public
        stated = {
            "digest": report.digest,
            "state": report.spec.state,
            "period": report.spec.to_json(),
        }
        differs = sorted(k for k, v in stated.items() if k in public and public[k] != v)
        if "digest" not in public or differs:
            raise ReportMismatch(
                f"the log's report.published entry {record.index} for {report.id} commits to "
                f"another {', '.join(differs) or 'digest'} than this report's"
            )
        return record.index
    return None


def _check_note(ref: CheckpointRef, vkey: str) -> None:
    name, _, _ = parse_vkey(vkey)
    try:
        signed = verify_checkpoint(ref.note.encode(), [verifier_from_vkey(vkey)], origin=name)
    except InvalidInput as exc:
        raise ReportMismatch(f"the report's checkpoint note is malformed: {exc}") from exc
    cp = signed.checkpoint
    stated = (ref.origin, ref.size, ref.root_bytes)
    if (cp.origin, cp.size, cp.root) != stated:
        raise ReportMismatch(
            "the report's origin, size or root differs from the signed checkpoint note it "
            f"carries (note: {cp.origin} size {cp.size})"
        )


def _evidence(rows: list[Any]) -> dict[str, Any]:
    return {f"{r['id']}.{k}": v for r in rows for k, v in dict(r["evidence"]).items()}


def _compare(section: str, stated: Mapping[str, Any], computed: Mapping[str, Any]) -> None:
    a, b = flatten(stated), flatten(computed)
    diffs = tuple(
        (k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)
    )
    if diffs:
        shown = "; ".join(f"{k}: report says {x!r}, the log gives {y!r}" for k, x, y in diffs[:5])
        more = f" (and {len(diffs) - 5} more)" if len(diffs) > 5 else ""
        raise ReportMismatch(f"{len(diffs)} {section} differ from the log: {shown}{more}", diffs)
