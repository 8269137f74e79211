"""An independent recount of a report's decision figures, for ``pallmall report verify``.

The builder (:mod:`.figures`) reads entry kinds through the log's vocabulary
(:mod:`pallmall.disclosure.kinds`). If that reading were wrong (say it looked for kinds no
writer uses) a verifier sharing it would agree with every wrong report. So this module reads
the entries with its own small table, written separately from the vocabulary and the
builder, and imports neither: a builder bug then shows up as a difference.

The rules it applies (docs/reports.md says the same):

- an entry counts once per change id (later copies of a change are skipped);
- an entry counts when its time falls in the report's period and, except for a confirmed
  incident (the node's, in every state's report), when its public ``state`` is the report's;
- the figure is found from the entry's kind, split at dots, and its public ``outcome``
  (:data:`TABLE`); a decision with public ``appeal`` true also counts as an appeal allowed,
  unless it is itself the dismissal of an appeal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pallmall.reports.errors import ReportMismatch
from pallmall.reports.source import LogRecord
from pallmall.reports.spec import ReportSpec

TABLE: Mapping[tuple[str, ...], Mapping[str | None, str]] = {
    ("cases", "licence", "decided"): {
        "approve_with_conditions": "licences.granted",
        "deny": "licences.denied",
    },
    ("cases", "licence", "amended"): {None: "licences.amended"},
    ("cases", "licence", "revoked"): {None: "licences.revoked"},
    ("cases", "licence", "expired"): {None: "licences.expired"},
    ("cases", "licence", "appeal_dismissed"): {None: "appeals.dismissed"},
    ("cases", "restriction", "decided"): {
        "restrict": "restrictions.imposed",
        "clear": "restrictions.cleared",
    },
    ("cases", "restriction", "lifted"): {None: "restrictions.lifted"},
    ("cases", "restriction", "appeal_dismissed"): {None: "appeals.dismissed"},
    ("cases", "procurement", "assessed"): {"go": "procurement.go", "no_go": "procurement.no_go"},
    ("cases", "use_authorisation", "signed_off"): {None: "use_authorisations.authorised"},
    ("cases", "use_authorisation", "refused"): {None: "use_authorisations.refused"},
    ("cases", "use_authorisation", "revoked"): {None: "use_authorisations.revoked"},
    ("cases", "use_authorisation", "expired"): {None: "use_authorisations.expired"},
    ("intel", "incident", "confirmed"): {None: "incidents.confirmed"},
    ("report", "published"): {None: "reports.published"},
    ("equities", "decision", "committed"): {
        "disclose": "equities.disclose",
        "restrict": "equities.restrict",
        "mitigate": "equities.mitigate",
        "limited_use": "equities.limited_use",
    },
    ("equities", "decision", "opened"): {None: "equities.opened"},
}
"""Kind (split at dots) → public outcome (None: any) → the figure it adds one to."""

ALLOWED = "appeals.allowed"
_NOT_OF_A_STATE = frozenset({("intel", "incident", "confirmed")})
_DISMISSALS = frozenset({"appeals.dismissed"})


def recount(records: Sequence[LogRecord], spec: ReportSpec) -> dict[str, list[int]]:
    """For each figure this module counts, the log indexes of the entries behind it."""
    found: dict[str, list[int]] = {f: [] for t in TABLE.values() for f in t.values()}
    found[ALLOWED] = []
    changes: set[str] = set()
    first, last = spec.start.isoformat(), spec.end.isoformat()
    for record in records:
        entry = record.entry
        if entry is None:
            continue
        if entry.change is not None:
            if entry.change in changes:
                continue
            changes.add(entry.change)
        if not first <= entry.time[:10] <= last:
            continue
        shape = tuple(entry.kind.split("."))
        table = TABLE.get(shape)
        if table is None:
            continue
        state = entry.public.get("state")
        ours = isinstance(state, str) and state.upper() == spec.state.upper()
        if shape not in _NOT_OF_A_STATE and not ours:
            continue
        outcome = entry.public.get("outcome")
        figure = table.get(outcome if isinstance(outcome, str) else None) or table.get(None)
        if figure is None:
            continue
        found[figure].append(record.index)
        if entry.public.get("appeal") is True and figure not in _DISMISSALS:
            found[ALLOWED].append(record.index)
    return found


def check_recount(
    records: Sequence[LogRecord], spec: ReportSpec, figures: Mapping[str, Any]
) -> int:
    """Compare the report's ``figures`` with the recount; return how many figures agreed.

    Raises:
        ReportMismatch: a figure, or the list of entries behind it, differs (names each).
    """
    diffs: list[tuple[str, object, object]] = []
    sources = figures.get("sources")
    sources = sources if isinstance(sources, Mapping) else {}
    counted = recount(records, spec)
    for path, indexes in sorted(counted.items()):
        section, _, name = path.partition(".")
        part = figures.get(section)
        stated = part.get(name) if isinstance(part, Mapping) else None
        if stated != len(indexes):
            diffs.append((path, stated, len(indexes)))
        if sources.get(path) != indexes:
            diffs.append((f"sources.{path}", sources.get(path), indexes))
    if diffs:
        shown = "; ".join(f"{p}: report says {a!r}, a recount gives {b!r}" for p, a, b in diffs[:5])
        more = f" (and {len(diffs) - 5} more)" if len(diffs) > 5 else ""
        raise ReportMismatch(
            f"{len(diffs)} figures differ from an independent recount of the log: {shown}{more}",
            tuple(diffs),
        )
    return len(counted)
