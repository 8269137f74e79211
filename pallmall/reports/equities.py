"""The equities figures a report reads beyond its counts, from log entries alone (so
``pallmall report verify`` recomputes them like every other figure).

Decisions by outcome (``equities.disclose``, ``.restrict``, ``.mitigate``, ``.limited_use``) and
openings (``equities.opened``) are counted through the vocabulary's report table like every
decision. This module adds, from the state's ``equities.decision.committed`` entries
(one per change, public fields only):

- ``disclosed_on_first_review``: disclose decisions in the period that were the
  vulnerability's first decision; ``disclosed_on_reconsideration`` the others (the US VEP's own
  split of its yearly total).
- ``median_days_to_disclose``: over the disclose decisions in the period, the median (the
  lower middle value for an even count) of whole days from the vulnerability's first decision
  entry to its disclose entry; 0 when nothing was disclosed. The times are the log's, so the
  figure does not rest on a date the node could backdate.
- ``reviews_overdue_at_end``: vulnerabilities whose latest decision up to the period's end
  retains them (not ``disclose``) with a public ``review_on`` before the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from statistics import median_low
from typing import Any

from pallmall.log import Entry

COMMITTED = "equities.decision.committed"  # pallmall.disclosure.kinds.EQUITIES_COMMITTED
DISCLOSE = "disclose"

Indexed = tuple[int, Entry]


def equities_figures(
    ours: Sequence[Indexed], start: date, end: date
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The figures above and, by figure path, the log indexes behind each; ``ours`` is every
    entry of the report's state, once per change, in log order (``(index, entry)``)."""
    decisions = [(i, e) for i, e in ours if e.kind == COMMITTED]
    first: dict[str, int] = {}
    times: dict[int, date] = {}
    for i, e in decisions:
        first.setdefault(e.subject, i)
        times[i] = _day(e)
    period = [(i, e) for i, e in decisions if start <= _day(e) <= end]
    disclosed = [(i, e) for i, e in period if e.public.get("outcome") == DISCLOSE]
    on_first = [i for i, e in disclosed if first[e.subject] == i]
    again = [i for i, e in disclosed if first[e.subject] != i]
    days = [(times[i] - times[first[e.subject]]).days for i, e in disclosed]
    overdue = _overdue([(i, e) for i, e in decisions if _day(e) <= end], end)
    figures = {
        "disclosed_on_first_review": len(on_first),
        "disclosed_on_reconsideration": len(again),
        "median_days_to_disclose": median_low(days) if days else 0,
        "reviews_overdue_at_end": len(overdue),
    }
    sources = {
        "equities.disclosed_on_first_review": on_first,
        "equities.disclosed_on_reconsideration": again,
        "equities.median_days_to_disclose": sorted(
            {i for i, _ in disclosed} | {first[e.subject] for _, e in disclosed}
        ),
        "equities.reviews_overdue_at_end": overdue,
    }
    return figures, sources


def _overdue(decisions: Sequence[Indexed], end: date) -> list[int]:
    latest: dict[str, Indexed] = {}
    for i, e in decisions:
        latest[e.subject] = (i, e)
    due = []
    for i, e in latest.values():
        review = e.public.get("review_on")
        retained = e.public.get("outcome") != DISCLOSE
        if retained and isinstance(review, str) and review and review < end.isoformat():
            due.append(i)
    return sorted(due)


def _day(entry: Entry) -> date:
    return date.fromisoformat(entry.time[:10])
