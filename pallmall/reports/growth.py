"""The market-growth observatory: how fast does the number of known vendors grow?

Method (stated on the portal's observatory page):

1. Each vendor gets a year: ``founded`` if the registry has it, else ``first_seen``;
   vendors with neither are left out and counted as not covered.
2. ``N(t)``: the cumulative number of dated vendors founded in or before year ``t``.
3. Fit ``ln N(t) = a + b·t`` by least squares over the years from the first year with
   ``N(t) >= min_count`` to the last dated year (small counts are dominated by chance).
   Doubling time ``T = ln 2 / b`` years.
4. Confidence interval: percentile bootstrap — resample the dated vendors with
   replacement ``rounds`` times, redo steps 2-3, and take the 2.5th and 97.5th percentiles
   of ``T`` (resamples with ``b <= 0`` count as an infinite doubling time).

If a constant fraction of firms founded each year survives and is recorded, that fraction
cancels in ``ln N``; what biases ``b`` is a fraction that changes with the founding year
(survivorship, and recording that favours firms in the news). See :data:`BIASES`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pallmall.core.paging import PageRequest
from pallmall.registry.model import OrgKind, RecordType
from pallmall.registry.store import RecordQuery, RegistryStore, Stored

CLAIM_YEARS = 10.0
"""The doubling time the observatory tests, in years (NCSC: the sector doubles every
decade)."""
CLAIM = (
    "The UK's National Cyber Security Centre (NCSC) says the commercial cyber intrusion "
    "sector doubles every decade."
)
CLAIM_SOURCE = "https://www.ncsc.gov.uk/report/commercial-cyber-proliferation-assessment"
_PAGE = 500

BIASES = (
    "Survivorship: the registry lists firms known today; firms that closed or merged "
    "before anyone documented them are missing, and more so the older they are. Early "
    "counts are too low, which makes growth look faster (doubling time too short).",
    "Selective dating: founding years come from the free-text descriptions of the MISP "
    "galaxies, which name a year mostly for firms in the news (spyware vendors exposed by "
    "researchers), not a random sample of the market.",
    "Scope: the registry mixes intrusion vendors with wider surveillance firms (forensics, "
    "facial recognition, data brokers) from the MISP surveillance-vendor galaxy.",
    "Small numbers: a few dozen dated firms; the bootstrap interval shows how much the "
    "estimate moves with the sample, not the biases above.",
)


@dataclass(frozen=True)
class Dated:
    """One registry organisation in the observatory: its year, or None when undated."""

    id: str
    name: str
    year: int | None
    source: str  # "founded", "first_seen" or "none"
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fit:
    """Least-squares fit of ``ln N(t) = intercept + rate·t`` over ``start..end``."""

    rate: float
    intercept: float
    start: int
    end: int
    r_squared: float

    @property
    def doubling_time(self) -> float:
        """Years for the cumulative count to double (``inf`` when not growing)."""
        return math.log(2) / self.rate if self.rate > 0 else math.inf


@dataclass(frozen=True)
class Growth:
    """The observatory's result: coverage, the counts over time, the fit and its interval."""

    total: int
    dated: int
    by_source: dict[str, int]
    years: tuple[int, ...]
    cumulative: tuple[int, ...]
    fit: Fit | None
    ci_low: float | None
    ci_high: float | None
    rounds: int
    claim_years: float
    countries: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        """Share of the organisations that have a year (0..1)."""
        return self.dated / self.total if self.total else 0.0

    @property
    def claim_in_interval(self) -> bool | None:
        """Whether the claimed doubling time lies in the interval (None without one)."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low <= self.claim_years <= self.ci_high


def date_organisation(
    org_id: str,
    name: str,
    founded: int | None,
    first_seen: int | None,
    countries: Sequence[str] = (),
) -> Dated:
    """The observatory's year for one organisation: ``founded``, else ``first_seen``."""
    if founded is not None:
        return Dated(org_id, name, founded, "founded", tuple(countries))
    if first_seen is not None:
        return Dated(org_id, name, first_seen, "first_seen", tuple(countries))
    return Dated(org_id, name, None, "none", tuple(countries))


def registry_vendors(store: RegistryStore) -> list[Dated]:
    """Every public vendor organisation in ``store`` with the observatory's year for it."""
    return [
        date_organisation(s.id, r.name, r.founded, r.first_seen, r.jurisdictions)
        for s in every_record(store, RecordQuery(type=RecordType.ORGANISATION, kind=OrgKind.VENDOR))
        if (r := s.record).type is RecordType.ORGANISATION
    ]


def every_record(store: RegistryStore, query: RecordQuery) -> Iterator[Stored]:
    """Every record ``query`` finds in ``store``, read page by page."""
    offset = 0
    while True:
        page = store.search(query, PageRequest(offset, _PAGE))
        yield from page.items
        if not page.has_more:
            return
        offset += _PAGE


def cumulative_counts(years: Sequence[int]) -> tuple[list[int], list[int]]:
    """Every year from the first to the last of ``years`` and ``N(t)`` for each."""
    if not years:
        return [], []
    counts = Counter(years)
    span = list(range(min(years), max(years) + 1))
    running, out = 0, []
    for year in span:
        running += counts.get(year, 0)
        out.append(running)
    return span, out


def fit_growth(years: Sequence[int], min_count: int = 5) -> Fit | None:
    """Fit ``ln N(t)`` on the years where ``N(t) >= min_count``; None with < 3 such years."""
    span, cum = cumulative_counts(years)
    pairs = [(t, n) for t, n in zip(span, cum, strict=True) if n >= min_count]
    if len(pairs) < 3:
        return None
    t = np.array([p[0] for p in pairs], dtype=float)
    y = np.log(np.array([p[1] for p in pairs], dtype=float))
    rate, intercept = np.polyfit(t, y, 1)
    residual = y - (rate * t + intercept)
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else 1.0
    return Fit(float(rate), float(intercept), int(t[0]), int(t[-1]), r2)


def bootstrap_interval(
    years: Sequence[int], rounds: int = 2000, min_count: int = 5, seed: int = 20250404
) -> tuple[float, float] | None:
    """Percentile bootstrap 95 % interval of the doubling time (years); None if no fit.

    Each resample is fitted exactly as :func:`fit_growth` fits the data (years from the
    resample's first to its last, those with ``N(t) >= min_count``), all resamples at once
    as arrays. Deterministic for a given ``seed`` (the report must be reproducible).
    """
    if fit_growth(years, min_count) is None:
        return None
    data = np.asarray(years, dtype=int)
    first = int(data.min())
    offsets = data - first
    span = int(offsets.max()) + 1
    rng = np.random.default_rng(seed)
    picks = offsets[rng.integers(0, len(data), size=(rounds, len(data)))]
    counts = np.zeros((rounds, span))
    np.add.at(counts, (np.arange(rounds)[:, None], picks), 1)
    cum = counts.cumsum(axis=1)
    t = np.arange(span, dtype=float)[None, :]
    mask = (cum >= min_count) & (t <= picks.max(axis=1)[:, None])
    rates = _masked_slopes(t, np.log(np.maximum(cum, 1)), mask)
    times = np.where(rates > 0, math.log(2) / np.where(rates > 0, rates, 1), math.inf)
    times[mask.sum(axis=1) < 3] = math.inf
    low, high = np.percentile(times, [2.5, 97.5])
    return float(low), float(high)


def _masked_slopes(t: Any, y: Any, mask: Any) -> Any:
    """Least-squares slope of ``y`` on ``t`` per row, over the ``mask``ed cells."""
    w = mask.astype(float)
    n = np.maximum(w.sum(axis=1, keepdims=True), 1)
    tm = (w * t).sum(axis=1, keepdims=True) / n
    ym = (w * y).sum(axis=1, keepdims=True) / n
    sxx = (w * (t - tm) ** 2).sum(axis=1)
    sxy = (w * (t - tm) * (y - ym)).sum(axis=1)
    return np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1), 0.0)


def observe(
    organisations: Iterable[Dated],
    claim_years: float = 10.0,
    rounds: int = 2000,
    min_count: int = 5,
) -> Growth:
    """The whole observatory over ``organisations`` (see the module docstring)."""
    orgs = list(organisations)
    dated = [o for o in orgs if o.year is not None]
    years = [o.year for o in dated if o.year is not None]
    span, cum = cumulative_counts(years)
    fit = fit_growth(years, min_count)
    interval = bootstrap_interval(years, rounds, min_count) if fit else None
    return Growth(
        total=len(orgs),
        dated=len(dated),
        by_source=dict(Counter(o.source for o in orgs)),
        years=tuple(span),
        cumulative=tuple(cum),
        fit=fit,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        rounds=rounds,
        claim_years=claim_years,
        countries=_countries(orgs),
    )


def _countries(orgs: list[Dated]) -> dict[str, tuple[int, int]]:
    """Country → (organisations, dated organisations); ``unknown`` for none recorded."""
    table: dict[str, list[int]] = {}
    for org in orgs:
        for country in org.countries or ("unknown",):
            row = table.setdefault(country, [0, 0])
            row[0] += 1
            row[1] += org.year is not None
    return {k: (v[0], v[1]) for k, v in sorted(table.items())}
