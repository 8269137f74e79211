"""The figures of a transparency report, computed from log entries alone.

Pure functions of the authenticated entries and the spec: the same entries always give the
same figures, which is what lets anyone recompute a report (``pallmall report verify``).

What is counted is the log's own vocabulary (:mod:`pallmall.disclosure.kinds`): each kind a
report counts adds one to one figure, by its public ``outcome``
(:data:`~pallmall.disclosure.kinds.REPORT_FIGURES`), and a decision that decides an appeal
(public ``appeal`` true) adds one to ``appeals.allowed`` as well, unless it dismisses it.

- **The state's decisions**: a decision counts in the report for state S when its public
  ``state`` is S, and only then (another state's, or one naming no state, is counted under
  ``entries.other_states`` or ``entries.no_state`` and nowhere else). Licences granted,
  denied, amended, revoked, expired; appeals dismissed and allowed; restrictions imposed,
  cleared, lifted; procurement checks go / no go; use authorisations authorised, refused,
  revoked, expired; reports published for S. Granted, denied and revoked licences are also
  broken down by destination and capability category (``unstated`` when not public).
- **The node's**: confirmed incidents (by category, victims by role: counts only) and the
  registry (changes by kind, designations listed in the period by authority, designated
  parties at the period's end) are the node's public record, the same in every state's
  report.
- **The state's equities register** (:mod:`pallmall.reports.equities`): decisions by outcome
  and openings are counted like the decisions above; first review or reconsideration, the
  median days to disclose and reviews overdue at the period's end are read from the same
  entries.
- **Once per change**: an entry carries the id of the change it records; a change appended
  twice (an older publisher after a crash) counts once, at its first index; the other copies
  are ``entries.repeated``.
- ``sources`` lists, for every counted figure, the log indexes of the entries behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pallmall.disclosure.kinds import (
    INCIDENT_CONFIRMED,
    NODE_FIGURES,
    REPORT_PUBLISHED,
    counted_figures,
    report_figures,
)
from pallmall.log import Entry
from pallmall.reports.equities import equities_figures
from pallmall.reports.source import LogRecord
from pallmall.reports.spec import ReportSpec

__all__ = ["REPORT_PUBLISHED", "compute_figures", "flatten"]

UNSTATED = "unstated"
_BROKEN_DOWN = {
    "licences.granted": "granted",
    "licences.denied": "denied",
    "licences.revoked": "revoked",
}
_PERSONS_AND_ORGS = ("registry.organisation.", "registry.person.")
_DECISIONS = "cases."


@dataclass(frozen=True)
class _Item:
    index: int
    entry: Entry


def compute_figures(records: Sequence[LogRecord], spec: ReportSpec) -> dict[str, Any]:
    """Every figure of the report for ``spec`` from ``records`` (the log's first N entries).

    Returns nested dicts of ints (and lists of log indexes under ``sources``), keys sorted,
    ready for canonical JSON.
    """
    items, repeated = once_per_change(records)
    period = [i for i in items if spec.covers(i.entry.time)]
    until_end = [i for i in items if i.entry.time[:10] <= spec.end.isoformat()]
    counts, sources = _counted(period, spec)
    figures: dict[str, Any] = {}
    for path, n in counts.items():
        section, _, name = path.partition(".")
        figures.setdefault(section, {})[name] = n
    figures["licences"] |= _breakdown(period, spec)
    figures["incidents"] |= _incidents(period)
    figures["registry"] = _registry(period, until_end, spec)
    ours = [(i.index, i.entry) for i in items if _state(i.entry) == spec.state.upper()]
    extra, extra_sources = equities_figures(ours, spec.start, spec.end)
    figures["equities"] |= extra
    sources |= extra_sources
    figures["entries"] = _entries(records, period, repeated, spec)
    figures["sources"] = sources
    result: dict[str, Any] = _sorted(figures)
    return result


def once_per_change(records: Iterable[LogRecord]) -> tuple[list[_Item], list[int]]:
    """The pallmall entries of ``records``, each change once (its first index), and the
    indexes of the other copies."""
    seen: set[str] = set()
    items: list[_Item] = []
    repeated: list[int] = []
    for r in records:
        if r.entry is None:
            continue
        change = r.entry.change
        if change is not None and change in seen:
            repeated.append(r.index)
            continue
        if change is not None:
            seen.add(change)
        items.append(_Item(r.index, r.entry))
    return items, repeated


def _state(entry: Entry) -> str | None:
    state = entry.public.get("state")
    return state.upper() if isinstance(state, str) and state else None


def _outcome(entry: Entry) -> str | None:
    value = entry.public.get("outcome")
    return value if isinstance(value, str) else None


def _figures_of(entry: Entry) -> tuple[str, ...]:
    return report_figures(entry.kind, _outcome(entry), entry.public.get("appeal") is True)


def _counts_for(entry: Entry, spec: ReportSpec) -> tuple[str, ...]:
    """The figures ``entry`` adds one to in the report for ``spec``."""
    figures = _figures_of(entry)
    if not figures:
        return ()
    if all(f in NODE_FIGURES for f in figures):
        return figures
    return figures if _state(entry) == spec.state.upper() else ()


def _counted(period: list[_Item], spec: ReportSpec) -> tuple[dict[str, int], dict[str, Any]]:
    counts = dict.fromkeys(counted_figures(), 0)
    sources: dict[str, list[int]] = {f: [] for f in counts}
    for i in period:
        for figure in _counts_for(i.entry, spec):
            counts[figure] += 1
            sources[figure].append(i.index)
    return counts, {k: sorted(v) for k, v in sources.items()}


# -- licences by destination and category ---------------------------------------------


def destination(entry: Entry) -> str:
    """The public destination of a licence entry, or ``unstated``."""
    value = entry.public.get("destination")
    return str(value).strip() if isinstance(value, str) and value.strip() else UNSTATED


def categories(entry: Entry) -> list[str]:
    """The capability category of a licence entry (``unstated`` when not public)."""
    value = entry.public.get("product_category")
    return [value] if isinstance(value, str) and value else [UNSTATED]


def _breakdown(period: list[_Item], spec: ReportSpec) -> dict[str, Any]:
    names = sorted(_BROKEN_DOWN.values())
    by_destination: dict[str, Counter[str]] = {}
    by_category: dict[str, Counter[str]] = {}
    for i in period:
        for figure in _counts_for(i.entry, spec):
            word = _BROKEN_DOWN.get(figure)
            if word is None:
                continue
            by_destination.setdefault(destination(i.entry), Counter())[word] += 1
            for c in categories(i.entry):
                by_category.setdefault(c, Counter())[word] += 1
    return {
        "by_destination": {k: {n: c[n] for n in names} for k, c in by_destination.items()},
        "by_category": {k: {n: c[n] for n in names} for k, c in by_category.items()},
    }


# -- the node's: incidents and the registry ---------------------------------------------


def _incidents(period: list[_Item]) -> dict[str, Any]:
    confirmed = [i for i in period if i.entry.kind == INCIDENT_CONFIRMED]
    cats: Counter[str] = Counter()
    victims: Counter[str] = Counter()
    for i in confirmed:
        cats.update(str(c) for c in i.entry.public.get("categories") or [])
        raw = i.entry.public.get("victims")
        if isinstance(raw, Mapping):
            victims.update({str(k): int(v) for k, v in raw.items() if isinstance(v, int)})
    return {"by_category": dict(cats), "victims_by_category": dict(victims)}


def _registry(period: list[_Item], until_end: list[_Item], spec: ReportSpec) -> dict[str, Any]:
    changes = [i for i in period if i.entry.kind.startswith("registry.")]
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
        "changes": len(changes),
        "by_kind": dict(Counter(i.entry.kind for i in changes)),
        "new_designations_by_authority": dict(new),
        "designated_parties_at_end": active,
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


# -- the entries themselves -------------------------------------------------------------


def _entries(
    records: Sequence[LogRecord], period: list[_Item], repeated: list[int], spec: ReportSpec
) -> dict[str, Any]:
    decisions = [i for i in period if i.entry.kind.startswith(_DECISIONS)]
    states = [_state(i.entry) for i in decisions]
    return {
        "in_period": len(period),
        "by_kind": dict(Counter(i.entry.kind for i in period)),
        "foreign": sum(1 for r in records if r.entry is None),
        "repeated": len(repeated),
        "other_states": sum(1 for s in states if s is not None and s != spec.state.upper()),
        "no_state": sum(1 for s in states if s is None),
    }


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return value


def flatten(figures: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"licences.denied": 3, "licences.by_destination.XX.denied": 1, ...}``: each leaf
    figure by its dotted path (lists of indexes stay whole)."""
    out: dict[str, Any] = {}
    for key, value in figures.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out
