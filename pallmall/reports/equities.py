"""The equities figures of a transparency report, from log entries alone (like every other
figure: ``pallmall report verify`` recomputes them).

How entries are read (the vocabulary's ``equities.decision.committed`` and
``equities.decision.opened``, public fields only):

- ``decisions``: approved decisions in the period, by public ``outcome``.
- ``disclosed``: disclose decisions in the period; ``disclosed_on_first_review`` those that
  were the vulnerability's first decision, ``disclosed_on_reconsideration`` the others (the US
  VEP's own split of its yearly total).
- ``median_days_to_disclose``: over the disclose decisions in the period, the median (the
  lower middle value for an even count) of whole days from the vulnerability's first decision
  entry to its disclose entry; 0 when nothing was disclosed. The entry times are the log's,
  so the figure does not depend on a date the node could backdate.
- ``reviews_overdue_at_end``: vulnerabilities whose latest decision up to the period's end
  retains them (not ``disclose``) with a public ``review_on`` before the end.
- ``opened``: openings logged in the period.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from statistics import median_low
from typing import Any

from pallmall.log import Entry

COMMITTED = "equities.decision.committed"  # pallmall.disclosure.kinds.EQUITIES_COMMITTED
OPENED = "equities.decision.opened"
DISCLOSE = "disclose"

Indexed = tuple[int, Entry]


def equities_figures(
    mine: Sequence[Indexed], period: Sequence[Indexed], until_end: Sequence[Indexed], end: date
) -> dict[str, Any]:
    """The equities figures: ``mine`` every entry of the report's state, ``period`` those
    in the period, ``until_end`` those up to its last day (each as ``(index, entry)``)."""
    decisions = [(i, e) for i, e in period if e.kind == COMMITTED]
    first: dict[str, Indexed] = {}
    for i, e in mine:
        if e.kind == COMMITTED:
            first.setdefault(e.subject, (i, e))
    disclosed = [(i, e) for i, e in decisions if e.public.get("outcome") == DISCLOSE]
    on_first = [(i, e) for i, e in disclosed if first[e.subject][0] == i]
    days = [(_day(e) - _day(first[e.subject][1])).days for _, e in disclosed]
    opened = [(i, e) for i, e in period if e.kind == OPENED]
    overdue = _overdue(until_end, end)
    return {
        "decisions": dict(Counter(str(e.public.get("outcome")) for _, e in decisions)),
        "disclosed": len(disclosed),
        "disclosed_on_first_review": len(on_first),
        "disclosed_on_reconsideration": len(disclosed) - len(on_first),
        "median_days_to_disclose": median_low(days) if days else 0,
        "reviews_overdue_at_end": len(overdue),
        "opened": len(opened),
        "sources": sorted({i for i, _ in decisions} | {i for i, _ in opened} | set(overdue)),
    }


def _overdue(until_end: Sequence[Indexed], end: date) -> list[int]:
    latest: dict[str, Indexed] = {}
    for i, e in until_end:
        if e.kind == COMMITTED:
            latest[e.subject] = (i, e)
    due = []
    for i, e in latest.values():
        review = e.public.get("review_on")
        retained = e.public.get("outcome") != DISCLOSE
        if retained and isinstance(review, str) and review and review < end.isoformat():
            due.append(i)
    return due


def _day(entry: Entry) -> date:
    return date.fromisoformat(entry.time[:10])
