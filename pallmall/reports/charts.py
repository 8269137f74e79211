"""Charts as SVG, each with a text alternative and the table it was drawn from.

The drawing is done by :mod:`pallmall.reports.plotting` (matplotlib), imported at the first
chart a process draws: a server's workers and the CLI import this module with the report
pages and commands, and most of them never draw (matplotlib was a quarter of the app's
import time, issue 16). The functions here are the contract; see ``plotting`` for how each
chart looks.
"""

from __future__ import annotations

from collections.abc import Mapping

from pallmall.core.deferred import DeferredModule
from pallmall.reports.chart import Chart
from pallmall.reports.growth import Growth

__all__ = ["Chart", "counts_chart", "decisions_chart", "growth_chart"]

PLOTTING = DeferredModule("pallmall.reports.plotting")


def decisions_chart(by_key: Mapping[str, Mapping[str, int]], what: str) -> Chart | None:
    """Horizontal bars of licences granted and denied per ``what`` (destination or
    category); None when there is nothing to draw."""
    chart: Chart | None = PLOTTING.load().decisions_chart(by_key, what)
    return chart


def counts_chart(counts: Mapping[str, int], title: str, what: str) -> Chart | None:
    """Horizontal bars of ``counts`` (e.g. incidents by category); None when empty."""
    chart: Chart | None = PLOTTING.load().counts_chart(counts, title, what)
    return chart


def growth_chart(growth: Growth) -> Chart | None:
    """Cumulative dated vendors per year on a log scale, with the fitted line, the band of
    its doubling time's 95 % interval, and a line doubling every ``claim_years`` through the
    same end point; None without data."""
    chart: Chart | None = PLOTTING.load().growth_chart(growth)
    return chart
