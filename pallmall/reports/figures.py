"""The figures of a transparency report, computed from log entries alone.

Pure functions of the authenticated entries and the spec: the same entries always give the
same figures, which is what lets anyone recompute a report (``pallmall report verify``).

How entries are read (tolerant, because capabilities log their own public summaries):

- licence entries: ``kind`` starts with ``cases.licence.``. The outcome is the public ``outcome``,
  ``decision`` or ``status`` field, else the last part of the kind; ``approv*``/``grant*``
  count as approved, ``den*``/``refus*`` as denied, ``revok*`` as revoked. A case's
  application is counted in the period holding its first ``cases.licence.`` entry. Destination is
  the public ``destination`` (a country code or name, or an object with ``country``);
  capability category is ``product_category``, ``capability_category``, ``category`` or
  ``capabilities`` (each listed category counted once). Missing values count as
  ``unstated``. An approval whose public ``conditions`` is non-empty counts as conditional.
- restrictions: ``cases.restriction.`` entries by kind and outcome; and the designations carried
  by registry organisation and person entries (the registry's restricted parties).
- incidents: ``intel.incident.confirmed`` entries, by category of irresponsible use.
- registry: ``registry.`` entries by kind.
- equities: ``equities.decision.`` entries (:mod:`pallmall.reports.equities`).

An entry with a public ``state`` other than the report's is left out (a node may hold
several authorities' entries).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pallmall.log import Entry
from pallmall.reports.equities import equities_figures
from pallmall.reports.source import LogRecord
from pallmall.reports.spec import ReportSpec

UNSTATED = "unstated"
INCIDENT_CONFIRMED = "intel.incident.confirmed"
REPORT_PUBLISHED = "report.published"
LICENCE = "cases.licence."  # the vocabulary's licence decisions (pallmall.disclosure.kinds)
RESTRICTION = "cases.restriction."
_CATEGORY_FIELDS = ("product_category", "capability_category", "category", "capabilities")
_PERSONS_AND_ORGS = ("registry.organisation.", "registry.person.")


@dataclass(frozen=True)
class _Item:
    index: int
    entry: Entry


def compute_figures(records: Sequence[LogRecord], spec: ReportSpec) -> dict[str, Any]:
    """Every figure of the report for ``spec`` from ``records`` (the log's first N entries).

    Returns nested dicts of ints (and lists of log indexes under ``sources``), keys sorted,
    ready for canonical JSON.
    """
    mine = [_Item(r.index, r.entry) for r in records if r.entry and _ours(r.entry, spec)]
    period = [i for i in mine if spec.covers(i.entry.time)]
    until_end = [i for i in mine if i.entry.time[:10] <= spec.end.isoformat()]
    figures = {
        "entries": _entries(records, period),
        "licences": _licences(mine, period),
        "restrictions": _restrictions(period, until_end, spec),
        "incidents": _incidents(period),
        "registry": _registry(period),
        "reports": {"published": sum(1 for i in period if i.entry.kind == REPORT_PUBLISHED)},
        "equities": equities_figures(_pairs(mine), _pairs(period), _pairs(until_end), spec.end),
    }
    result: dict[str, Any] = _sorted(figures)
    return result


def _pairs(items: list[_Item]) -> list[tuple[int, Entry]]:
    return [(i.index, i.entry) for i in items]


def _ours(entry: Entry, spec: ReportSpec) -> bool:
    state = entry.public.get("state")
    return not isinstance(state, str) or state.casefold() == spec.state.casefold()


def _entries(records: Sequence[LogRecord], period: list[_Item]) -> dict[str, Any]:
    return {
        "in_period": len(period),
        "by_kind": dict(Counter(i.entry.kind for i in period)),
        "foreign": sum(1 for r in records if r.entry is None),
    }


# -- licences ---------------------------------------------------------------------------


def outcome(entry: Entry) -> str:
    """The normalised outcome of a licence or restriction entry (see module docstring)."""
    for name in ("outcome", "decision", "status"):
        value = entry.public.get(name)
        if isinstance(value, str) and value:
            return _normalise(value)
    return _normalise(entry.kind.rsplit(".", 1)[-1])


def _normalise(word: str) -> str:
    w = word.casefold()
    if w.startswith(("approv", "grant")):
        return "approved"
    if w.startswith(("den", "refus")):
        return "denied"
    if w.startswith("revok"):
        return "revoked"
    return w


def destination(entry: Entry) -> str:
    """The public destination of a licence entry, or ``unstated``."""
    value = entry.public.get("destination")
    if isinstance(value, Mapping):
        value = value.get("country") or value.get("name")
    return str(value).strip() if value else UNSTATED


def categories(entry: Entry) -> list[str]:
    """The capability categories of a licence entry (at least ``unstated``)."""
    for name in _CATEGORY_FIELDS:
        value = entry.public.get(name)
        if isinstance(value, str) and value:
            return [value]
        if isinstance(value, list) and value:
            return sorted({str(v) for v in value})
    return [UNSTATED]


def _licences(mine: list[_Item], period: list[_Item]) -> dict[str, Any]:
    lic = [i for i in period if i.entry.kind.startswith(LICENCE)]
    first: dict[str, int] = {}
    for i in mine:
        if i.entry.kind.startswith(LICENCE):
            first.setdefault(i.entry.subject, i.index)
    applications = [i for i in lic if first.get(i.entry.subject) == i.index]
    decided = [i for i in lic if outcome(i.entry) in ("approved", "denied")]
    approved = [i for i in decided if outcome(i.entry) == "approved"]
    conditional = [i for i in approved if i.entry.public.get("conditions")]
    conditions = [i for i in lic if "condition" in i.entry.kind] + conditional
    revoked = [i for i in lic if outcome(i.entry) == "revoked"]
    return {
        "by_kind": dict(Counter(i.entry.kind for i in lic)),
        "applications": len(applications),
        "approvals": len(approved),
        "denials": len(decided) - len(approved),
        "conditions": len(conditions),
        "revocations": len(revoked),
        "by_destination": _cross(applications, decided, revoked, lambda e: [destination(e)]),
        "by_category": _cross(applications, decided, revoked, categories),
        "sources": sorted(i.index for i in lic),
    }


def _cross(
    applications: list[_Item], decided: list[_Item], revoked: list[_Item], key: Any
) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for label, items in (("applications", applications), ("revocations", revoked)):
        for i in items:
            for k in key(i.entry):
                table.setdefault(k, Counter())[label] += 1
    for i in decided:
        word = "approvals" if outcome(i.entry) == "approved" else "denials"
        for k in key(i.entry):
            table.setdefault(k, Counter())[word] += 1
    names = ("applications", "approvals", "denials", "revocations")
    return {k: {n: c[n] for n in names} for k, c in table.items()}


# -- restrictions -----------------------------------------------------------------------


def _restrictions(period: list[_Item], until_end: list[_Item], spec: ReportSpec) -> dict[str, Any]:
    cases = [i for i in period if i.entry.kind.startswith(RESTRICTION)]
    latest = _latest_parties(until_end)
    new: Counter[str] = Counter()
    active = 0
    for item in latest.values():
        designations = _designations(item.entry)
        if any(_active(d, spec) for d in designations):
            active += 1
        for d in designations:
            if spec.start.isoformat() <= str(d.get("listed_on", "")) <= spec.end.isoformat():
                new[str(d.get("authority", UNSTATED))] += 1
    return {
        "by_kind": dict(Counter(i.entry.kind for i in cases)),
        "decisions": dict(Counter(outcome(i.entry) for i in cases)),
        "new_designations_by_authority": dict(new),
        "designated_parties_at_end": active,
        "sources": sorted(
            {i.index for i in cases} | {i.index for i in latest.values() if _designations(i.entry)}
        ),
    }


def _latest_parties(items: Iterable[_Item]) -> dict[str, _Item]:
    latest: dict[str, _Item] = {}
    for i in items:
        if not i.entry.kind.startswith(_PERSONS_AND_ORGS):
            continue
        if i.entry.kind.endswith(".deleted"):
            latest.pop(i.entry.subject, None)
        else:
            latest[i.entry.subject] = i
    return latest


def _designations(entry: Entry) -> list[Mapping[str, Any]]:
    value = entry.public.get("designations")
    return [d for d in value if isinstance(d, Mapping)] if isinstance(value, list) else []


def _active(designation: Mapping[str, Any], spec: ReportSpec) -> bool:
    end = spec.end.isoformat()
    listed = str(designation.get("listed_on") or "")
    delisted = designation.get("delisted_on")
    return bool(listed) and listed <= end and (not delisted or str(delisted) > end)


# -- incidents and registry -------------------------------------------------------------


def _incidents(period: list[_Item]) -> dict[str, Any]:
    confirmed = [i for i in period if i.entry.kind == INCIDENT_CONFIRMED]
    cats: Counter[str] = Counter()
    victims: Counter[str] = Counter()
    for i in confirmed:
        cats.update(str(c) for c in i.entry.public.get("categories") or [])
        raw = i.entry.public.get("victims")
        if isinstance(raw, Mapping):
            victims.update({str(k): int(v) for k, v in raw.items() if isinstance(v, int)})
    return {
        "confirmed": len(confirmed),
        "by_category": dict(cats),
        "victims_by_category": dict(victims),
        "sources": sorted(i.index for i in confirmed),
    }


def _registry(period: list[_Item]) -> dict[str, Any]:
    changes = [i for i in period if i.entry.kind.startswith("registry.")]
    return {
        "changes": len(changes),
        "by_kind": dict(Counter(i.entry.kind for i in changes)),
        "sources": sorted(i.index for i in changes),
    }


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return value


def flatten(figures: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"licences.denials": 3, "licences.by_destination.XX.denials": 1, ...}``: each
    leaf figure by its dotted path (lists of indexes stay whole)."""
    out: dict[str, Any] = {}
    for key, value in figures.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out
