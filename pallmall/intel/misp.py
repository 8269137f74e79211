"""MISP event JSON and MISP-style CSV turned into STIX 2.1 indicators and reports.

MISP attributes map to single-comparison patterns (STIX 2.1 §9) by attribute type; types
without a STIX observable (free text, registrant names, named pipes) are skipped with a
reason, and so are attributes whose ``to_ids`` flag is false (MISP's "not for detection",
e.g. a legitimate DLL used for side-loading). An event becomes a ``report`` (§4.14) that
refers to its indicators; ``link`` attributes become its external references.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput
from pallmall.intel.report import ImportReport
from pallmall.intel.tlp import marking_ref, parse_tlp

_NAMESPACE = uuid.UUID("a4b2b0d4-3c55-4d60-8f7e-6d6973702d63")
_HASHES = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}
_PATHS = {
    "domain": "domain-name:value",
    "hostname": "domain-name:value",
    "ip-dst": "ipv4-addr:value",
    "ip-src": "ipv4-addr:value",
    "url": "url:value",
    "uri": "url:value",
    "email": "email-addr:value",
    "email-src": "email-addr:value",
    "email-dst": "email-addr:value",
    "whois-registrant-email": "email-addr:value",
    "filename": "file:name",
    "mutex": "mutex:name",
    **{kind: f"file:hashes.'{key}'" for kind, key in _HASHES.items()},
}
_COLUMNS = {
    "domain": "domain",
    "domain_name": "domain",
    "domains": "domain",
    "hostname": "domain",
    "c2": "host",
    "ip": "ip-dst",
    "ip_address": "ip-dst",
    "url": "url",
    "email": "email-src",
    **{kind: kind for kind in _HASHES},
}
_MISP_HEADER = ["uuid", "event_id", "category", "type", "value", "comment", "to_ids", "date"]
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_DOMAIN = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)+$", re.I)


def is_misp_event(data: bytes | str) -> bool:
    """True when the JSON text looks like a MISP event export, not a STIX bundle."""
    head = data[:200] if isinstance(data, str) else data[:200].decode("utf-8", "replace")
    return '"response"' in head or '"Event"' in head


def events_to_stix(data: bytes | str, report: ImportReport) -> list[dict[str, Any]]:
    """STIX objects for every event of a MISP JSON export.

    Raises:
        InvalidInput: the text is not JSON or holds no MISP event.
    """
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise InvalidInput(report.source, f"not JSON: {exc}") from None
    events = doc.get("response", [doc]) if isinstance(doc, dict) else doc
    objects: list[dict[str, Any]] = []
    for item in events if isinstance(events, list) else []:
        if isinstance(item, dict) and isinstance(item.get("Event"), dict):
            objects += _event(item["Event"], report)
    if not objects and report.received == 0:
        raise InvalidInput(report.source, "no MISP Event found")
    return objects


def _event(event: dict[str, Any], report: ImportReport) -> list[dict[str, Any]]:
    tags = [str(tag.get("name", "")) for tag in event.get("Tag", []) if isinstance(tag, dict)]
    tlps = [t for t in (parse_tlp(tag) for tag in tags) if t is not None]
    markings = [marking_ref(max(tlps, key=lambda t: t.rank))] if tlps else []
    indicators: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    for attribute in event.get("Attribute", []):
        report.received += 1
        if attribute.get("type") == "link":
            links.append({"source_name": "misp-link", "url": str(attribute.get("value", ""))})
            continue
        indicators += _attribute(attribute, report, markings)
    if not indicators:
        return []
    return [*indicators, _report(event, tags, indicators, links, markings)]


def _timestamp(epoch: Any) -> str:
    seconds = int(epoch) if str(epoch).isdigit() else 0
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _attribute(
    attribute: dict[str, Any], report: ImportReport, markings: list[str]
) -> list[dict[str, Any]]:
    where = f"misp-attribute {attribute.get('uuid', '?')}"
    if attribute.get("to_ids") in (False, "0", 0):
        report.skip(where, "to_ids is false: MISP marks it as not for detection")
        return []
    kind, value = str(attribute.get("type", "")), str(attribute.get("value", "")).strip()
    stamp = _timestamp(attribute.get("timestamp"))
    return indicator(kind, value, str(attribute.get("uuid", "")), stamp, report, where, markings)


def indicator(
    kind: str,
    value: str,
    source_uuid: str,
    stamp: str,
    report: ImportReport,
    where: str,
    markings: list[str] | None = None,
    description: str = "",
) -> list[dict[str, Any]]:
    """STIX indicators for one MISP attribute of type ``kind`` (``domain|ip`` gives two).

    Unknown types and empty values are skipped with a note in ``report``.
    """
    if "|" in kind:
        return _compound(kind, value, source_uuid, stamp, report, where, markings or [])
    if kind == "yara":
        pattern, pattern_type = value, "yara"
    elif kind in _PATHS and value:
        pattern, pattern_type = f"[{_PATHS[kind]} = '{_escape(value)}']", "stix"
    else:
        report.skip(where, f"MISP type {kind!r} has no STIX observable" if value else "empty value")
        return []
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{_uuid(source_uuid, pattern)}",
        "created": stamp,
        "modified": stamp,
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": pattern_type,
        "valid_from": stamp,
    }
    if description:
        obj["description"] = description
    if markings:
        obj["object_marking_refs"] = markings
    return [obj]


def _compound(
    kind: str,
    value: str,
    source: str,
    stamp: str,
    report: ImportReport,
    where: str,
    markings: list[str],
) -> list[dict[str, Any]]:
    kinds, values = kind.split("|"), value.split("|")
    if len(kinds) != len(values):
        report.skip(where, f"MISP {kind!r} value does not have {len(kinds)} parts")
        return []
    out: list[dict[str, Any]] = []
    for part_kind, part in zip(kinds, values, strict=True):
        part_kind = {"ip": "ip-dst"}.get(part_kind, part_kind)
        out += indicator(part_kind, part, source, stamp, report, where, markings)
    return out


def _uuid(source_uuid: str, pattern: str) -> uuid.UUID:
    try:
        return uuid.uuid5(uuid.UUID(source_uuid), pattern)
    except ValueError:
        return uuid.uuid5(_NAMESPACE, source_uuid + pattern)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _report(
    event: dict[str, Any],
    tags: list[str],
    indicators: list[dict[str, Any]],
    links: list[dict[str, str]],
    markings: list[str],
) -> dict[str, Any]:
    stamp = _timestamp(event.get("timestamp"))
    published = f"{event.get('date', stamp[:10])}T00:00:00.000Z"
    obj: dict[str, Any] = {
        "type": "report",
        "spec_version": "2.1",
        "id": f"report--{_uuid(str(event.get('uuid', '')), 'misp-event')}",
        "created": stamp,
        "modified": stamp,
        "name": str(event.get("info", "MISP event")),
        "published": published,
        "report_types": ["threat-report"],
        "object_refs": [i["id"] for i in indicators],
        "labels": [t for t in tags if parse_tlp(t) is None] or ["misp-event"],
    }
    if links:
        obj["external_references"] = links
    if markings:
        obj["object_marking_refs"] = markings
    return obj


def csv_to_stix(text: str, source: str, report: ImportReport) -> list[dict[str, Any]]:
    """STIX indicators from a CSV: a MISP CSV export, a CSV with known column names
    (``domain``, ``ip_address``, ``md5``, ``sha256``, ``C2`` …), or one with no header row,
    whose cells are recognised by their shape.
    """
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    if header[: len(_MISP_HEADER)] == _MISP_HEADER:
        return _misp_rows(rows[1:], source, report)
    columns = [_COLUMNS.get(name) for name in header]
    if any(columns):
        _note_ignored(header, columns, source, report)
        return _rows(rows[1:], columns, source, report)
    return _rows(rows, [None] * max(len(r) for r in rows), source, report)


def _misp_rows(rows: list[list[str]], source: str, report: ImportReport) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):
        report.received += 1
        record = dict(zip(_MISP_HEADER, row, strict=False))
        where = f"{source}:{line}"
        if record.get("to_ids", "1").strip() in ("0", "false", "False"):
            report.skip(where, "to_ids is false: MISP marks it as not for detection")
            continue
        date = record.get("date", "")
        stamp = f"{date[:4]}-{date[4:6]}-{date[6:8]}T00:00:00.000Z" if len(date) == 8 else _now()
        out += indicator(
            record.get("type", ""),
            record.get("value", "").strip(),
            record.get("uuid", ""),
            stamp,
            report,
            where,
            description=record.get("comment", ""),
        )
    return out


def _note_ignored(
    header: list[str], columns: list[str | None], source: str, report: ImportReport
) -> None:
    for name, column in zip(header, columns, strict=True):
        if column is None:
            report.repair(source, f"column {name!r} is not an indicator column; ignored")


def _rows(
    rows: list[list[str]], columns: list[str | None], source: str, report: ImportReport
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stamp = _now()
    for line, row in enumerate(rows, start=1):
        report.received += 1
        for column, cell in zip(columns, row, strict=False):
            value = cell.strip()
            kind = _sniff(value) if column in (None, "host") else column
            if kind is None or not value:
                continue
            out += indicator(kind, value, "", stamp, report, f"{source}:{line}")
    return out


def _now() -> str:
    # hand-made CSVs carry no dates: the indicators are as old as the import
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _sniff(value: str) -> str | None:
    lowered = value.lower()
    if re.fullmatch(r"[0-9a-f]+", lowered) and len(lowered) in (32, 40, 64):
        return {32: "md5", 40: "sha1", 64: "sha256"}[len(lowered)]
    if _IPV4.match(value):
        return "ip-dst"
    if "@" in value:
        return "email-src"
    if "/" in value:
        return "url"
    return "domain" if _DOMAIN.match(value) else None
