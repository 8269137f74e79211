"""Charts drawn as SVG (matplotlib, no pyplot state), each with a text alternative.

Imported only through :mod:`pallmall.reports.charts` at the first chart drawn, so that
processes that never draw do not import matplotlib (issue 16).

Every chart comes with ``alt`` (one or two sentences) and the table it was drawn from, so
nothing is conveyed by the picture alone (WCAG 2.2 SC 1.1.1). Colours pass 4.5:1 against
white and denials are hatched as well as coloured.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to files only
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pallmall.reports.chart import Chart
from pallmall.reports.growth import Growth

BLUE, RED, GREY = "#0b4f9c", "#7a1f1f", "#4a4a4a"
_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "pallmall", "font.size": 10}


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    # inline in HTML: the picture is described by the figure caption and table beside it
    return re.sub(r"<svg ", '<svg aria-hidden="true" focusable="false" ', text[start:], count=1)


def decisions_chart(by_key: Mapping[str, Mapping[str, int]], what: str) -> Chart | None:
    """Horizontal bars of licences granted and denied per ``what`` (destination or
    category); None when there is nothing to draw."""
    rows = sorted(by_key.items(), key=lambda kv: (-kv[1]["granted"] - kv[1]["denied"], kv[0]))
    rows = [r for r in rows if r[1]["granted"] + r[1]["denied"]]
    if not rows:
        return None
    labels = [k.replace("_", " ") for k, _ in rows]
    approvals = [v["granted"] for _, v in rows]
    denials = [v["denied"] for _, v in rows]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(6.4, 0.45 * len(rows) + 1.2))
        ax = fig.subplots()
        ax.barh(labels, approvals, color=BLUE, label="granted")
        ax.barh(labels, denials, left=approvals, color=RED, hatch="//", label="denied")
        ax.invert_yaxis()
        ax.set_xlabel("licence decisions")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="lower right", frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    title = f"Licence decisions by {what}"
    alt = f"{title}: " + "; ".join(
        f"{k}: {a} granted, {d} denied" for k, a, d in zip(labels, approvals, denials, strict=True)
    )
    table = [[what, "granted", "denied"]] + [
        [k, str(a), str(d)] for k, a, d in zip(labels, approvals, denials, strict=True)
    ]
    return Chart(title, _svg(fig), alt + ".", table)


def counts_chart(counts: Mapping[str, int], title: str, what: str) -> Chart | None:
    """Horizontal bars of ``counts`` (e.g. incidents by category); None when empty."""
    rows = sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))
    if not rows:
        return None
    labels = [k.replace("_", " ") for k, _ in rows]
    values = [v for _, v in rows]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(6.4, 0.45 * len(rows) + 1.0))
        ax = fig.subplots()
        ax.barh(labels, values, color=BLUE)
        ax.invert_yaxis()
        ax.set_xlabel(what)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    alt = f"{title}: " + "; ".join(f"{k}: {v}" for k, v in zip(labels, values, strict=True))
    table = [["category", what]] + [[k, str(v)] for k, v in zip(labels, values, strict=True)]
    return Chart(title, _svg(fig), alt + ".", table)


def growth_chart(growth: Growth) -> Chart | None:
    """Cumulative dated vendors per year on a log scale, with the fitted line, the band of
    its doubling time's 95 % interval, and a line doubling every ``claim_years`` through the
    same end point; None without data."""
    if not growth.years:
        return None
    years, cum = list(growth.years), list(growth.cumulative)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(6.4, 4.0))
        ax = fig.subplots()
        ax.step(years, cum, where="post", color=BLUE, label="vendors founded by year (cumulative)")
        ax.set_yscale("log")
        if growth.fit is not None:
            f = growth.fit
            xs = [f.start, f.end]
            ax.plot(
                xs,
                [math.exp(f.intercept + f.rate * x) for x in xs],
                color=RED,
                linestyle="--",
                label=f"fit: doubles every {f.doubling_time:.1f} years",
            )
            if growth.ci_low and growth.ci_high and math.isfinite(growth.ci_high):
                # the 95 % interval of the doubling time, as the band of lines through the
                # fit's centre year (where the slope's uncertainty matters least)
                mid = (f.start + f.end) / 2
                centre = math.exp(f.intercept + f.rate * mid)
                grid = [f.start + (f.end - f.start) * i / 20 for i in range(21)]
                bounds = [
                    [centre * math.exp(math.log(2) / d * (x - mid)) for x in grid]
                    for d in (growth.ci_low, growth.ci_high)
                ]
                ax.fill_between(
                    grid,
                    [min(a, b) for a, b in zip(*bounds, strict=True)],
                    [max(a, b) for a, b in zip(*bounds, strict=True)],
                    color=RED,
                    alpha=0.15,
                    linewidth=0,
                    label=f"95 % interval: doubles every {growth.ci_low:.1f}"
                    f" to {growth.ci_high:.1f} years",
                )
            end = math.exp(f.intercept + f.rate * f.end)
            claim = math.log(2) / growth.claim_years
            ax.plot(
                xs,
                [end * math.exp(claim * (x - f.end)) for x in xs],
                color=GREY,
                linestyle=":",
                label=f"doubling every {growth.claim_years:g} years (claim)",
            )
        ax.set_xlabel("year founded (or first seen)")
        ax.set_ylabel("vendors (log scale)")
        ax.legend(loc="upper left", frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    title = "Known vendors by founding year, cumulative"
    alt = (
        f"{title}: from {cum[0]} in {years[0]} to {cum[-1]} in {years[-1]}"
        + (
            f"; the fitted doubling time is {growth.fit.doubling_time:.1f} years"
            if growth.fit
            else ""
        )
        + (
            f" (95 % interval {growth.ci_low:.1f} to {growth.ci_high:.1f} years, the shaded band)"
            if growth.fit and growth.ci_low and growth.ci_high
            else ""
        )
        + "."
    )
    table = [["year", "vendors (cumulative)"]] + [
        [str(y), str(c)] for y, c in zip(years, cum, strict=True)
    ]
    return Chart(title, _svg(fig), alt, table)
