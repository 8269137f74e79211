"""Reading STIX 2.1 bundles tolerantly: check each object, repair what has a clear meaning.

The checks are the parts of STIX 2.1 that matter for storing and serving an object:
the bundle shape (§8), the common properties ``type``, ``id``, ``spec_version``,
``created``/``modified`` (§3.2, §3.3), and per type the required properties of indicator
(§4.7), malware (§4.11) and relationship (§5.1). Everything else passes through unchanged.
An object that fails a check is skipped with a reason; it never stops the import.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.intel.pattern import is_single_comparison, read_pattern
from pallmall.intel.record import content_key, stix_timestamp_us
from pallmall.intel.report import ImportReport

_ID = re.compile(r"^([a-z0-9][a-z0-9-]*[a-z0-9])--([0-9a-fA-F-]{36})$")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
_TIMESTAMP_KEYS = ("created", "modified", "valid_from", "valid_until", "first_seen", "last_seen")


@dataclass
class Candidate:
    """A checked object with its content key (None when it is deduplicated by id only)."""

    obj: dict[str, Any]
    key: str | None = None


@dataclass
class Reading:
    """The checked objects of one bundle, and which input ids became which stored ids."""

    candidates: list[Candidate] = field(default_factory=list)
    splits: dict[str, list[str]] = field(default_factory=dict)


def load_bundle(data: bytes | str, report: ImportReport) -> list[Any]:
    """Parse a bundle's JSON and return its ``objects`` list (STIX 2.1 §8).

    A malformed bundle ``id`` or a bundle-level ``spec_version`` (a STIX 2.0 habit) is noted
    and ignored: a bundle is a transient envelope whose id nothing refers to.

    Raises:
        InvalidInput: the text is not JSON, or not an object with ``type: bundle`` and an
            ``objects`` list.
    """
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise InvalidInput(report.source, f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "bundle":
        raise InvalidInput(report.source, "not a STIX bundle (no type: bundle)")
    objects = doc.get("objects", [])
    if not isinstance(objects, list):
        raise InvalidInput(f"{report.source}: objects", "not a list")
    _note_envelope(doc, report)
    return objects


def _note_envelope(doc: dict[str, Any], report: ImportReport) -> None:
    bundle_id = str(doc.get("id", ""))
    if not _valid_id(bundle_id, "bundle"):
        report.repair(report.source, f"bundle id {bundle_id!r} is not bundle--UUID; ignored")
    if "spec_version" in doc:
        report.repair(report.source, "bundle has spec_version (STIX 2.0 style); ignored")


def _valid_id(value: str, expected_type: str | None = None) -> bool:
    match = _ID.match(value)
    if match is None or (expected_type is not None and match[1] != expected_type):
        return False
    try:
        uuid.UUID(match[2])
    except ValueError:
        return False
    return True


def read_objects(objects: list[Any], report: ImportReport, *, count: bool = True) -> Reading:
    """Check and repair each object of a bundle; skipped ones are noted in ``report``.

    ``count`` False leaves ``report.received`` alone (for readers that count their own rows).
    """
    reading = Reading()
    for position, obj in enumerate(objects):
        where = (
            obj.get("id", f"objects[{position}]")
            if isinstance(obj, dict)
            else f"objects[{position}]"
        )
        report.received += count
        try:
            _read_one(obj, reading, report)
        except InvalidInput as exc:
            report.skip(str(where), exc.reason if exc.field == "pattern" else str(exc))
    return reading


def _read_one(obj: Any, reading: Reading, report: ImportReport) -> None:
    if not isinstance(obj, dict):
        raise InvalidInput("object", "not a JSON object")
    check_common(obj, report)
    kind = obj["type"]
    report.types[kind] += 1
    if kind == "indicator":
        _read_indicator(obj, reading, report)
    elif kind == "malware":
        reading.candidates.append(Candidate(_read_malware(obj, report), malware_key(obj["name"])))
    elif kind == "relationship":
        _check_relationship(obj)
        reading.candidates.append(Candidate(obj))
    else:
        reading.candidates.append(Candidate(obj))


def check_common(obj: dict[str, Any], report: ImportReport) -> None:
    """Check ``type``, ``id``, ``spec_version`` and the timestamps (STIX 2.1 §3.2, §3.3).

    A missing ``spec_version`` is set to ``2.1`` (every real bundle is 2.1) and noted.

    Raises:
        InvalidInput: a property is missing or malformed, naming it.
    """
    kind = obj.get("type")
    if not isinstance(kind, str) or not _TYPE.match(kind):
        raise InvalidInput("type", f"{kind!r} is not a STIX type name")
    if not _valid_id(str(obj.get("id", "")), kind):
        raise InvalidInput("id", f"{obj.get('id')!r} is not {kind}--UUID")
    if obj.get("spec_version") != "2.1":
        if "spec_version" in obj:
            raise InvalidInput("spec_version", f"{obj['spec_version']!r} is not 2.1")
        obj["spec_version"] = "2.1"
        report.repair(obj["id"], "spec_version missing: set to 2.1")
    for key in _TIMESTAMP_KEYS:
        if key in obj:
            _check_timestamp(key, obj[key])


def _check_timestamp(key: str, value: Any) -> None:
    try:
        stix_timestamp_us(str(value))
    except ValueError:
        raise InvalidInput(key, f"{value!r} is not a STIX timestamp") from None


def malware_key(name: str) -> str:
    """The content key of a malware object: its name, case-folded (dedup across releases)."""
    return content_key("malware", " ".join(name.casefold().split()))


def _read_malware(obj: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name", "malware without a name cannot be linked or deduplicated")
    if not isinstance(obj.get("is_family"), bool):
        obj["is_family"] = False
        report.repair(obj["id"], "is_family missing: set to false (STIX 2.1 §4.11)")
    return obj


def _check_relationship(obj: dict[str, Any]) -> None:
    for key in ("source_ref", "target_ref"):
        if not _valid_id(str(obj.get(key, ""))):
            raise InvalidInput(key, f"{obj.get(key)!r} is not an identifier")
    if not isinstance(obj.get("relationship_type"), str):
        raise InvalidInput("relationship_type", "missing")


def _read_indicator(obj: dict[str, Any], reading: Reading, report: ImportReport) -> None:
    pattern = obj.get("pattern")
    if not isinstance(pattern, str):
        raise InvalidInput("pattern", "indicator without a pattern")
    if "valid_from" not in obj:
        obj["valid_from"] = obj.get("created")
        report.repair(obj["id"], "valid_from missing: set to created")
    pattern_type = str(obj.get("pattern_type", "stix"))
    if pattern_type == "stix" and is_single_comparison(pattern):
        _split_indicator(obj, reading, report)
        return
    if pattern_type == "stix":
        check_compound_pattern(pattern)
    reading.candidates.append(
        Candidate(obj, indicator_key(pattern_type, " ".join(pattern.split())))
    )


def indicator_key(pattern_type: str, pattern: str) -> str:
    """The content key of an indicator: its pattern type and canonical pattern."""
    return content_key("indicator", pattern_type, pattern)


def check_compound_pattern(pattern: str) -> None:
    """Validate a pattern that is not a single comparison with the STIX pattern grammar.

    Raises:
        InvalidInput: the grammar (STIX 2.1 §9) rejects the pattern.
    """
    # slow to load and rarely needed: imported here; the package ships no type information
    from stix2patterns.validator import run_validator  # type: ignore[import-untyped]  # stix2patterns ships no type information

    errors = run_validator(pattern, stix_version="2.1")
    if errors:
        raise InvalidInput("pattern", f"invalid STIX pattern: {errors[0]}")


def _split_indicator(obj: dict[str, Any], reading: Reading, report: ImportReport) -> None:
    parsed = read_pattern(obj["pattern"])
    for note in parsed.notes:
        report.repair(obj["id"], note)
    ids: list[str] = []
    for index, observable in enumerate(parsed.observables):
        copy = dict(obj)
        if index:
            copy["id"] = f"indicator--{uuid.uuid5(uuid.UUID(obj['id'][11:]), observable.pattern)}"
        if parsed.notes or len(parsed.observables) > 1:
            copy["pattern"] = observable.pattern
            copy["x_pallmall_original_pattern"] = obj["pattern"]
        ids.append(copy["id"])
        reading.candidates.append(Candidate(copy, indicator_key("stix", observable.pattern)))
    if len(ids) > 1:
        reading.splits[obj["id"]] = ids
