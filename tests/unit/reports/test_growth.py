"""The observatory's arithmetic on synthetic data with a known doubling time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pallmall.reports.growth import (
    bootstrap_interval,
    cumulative_counts,
    date_organisation,
    fit_growth,
    observe,
)


def exponential_market(doubling: float, firms: int, seed: int, last: int = 2024) -> list[int]:
    """Founding years of the firms alive in ``last`` when their number N(t) doubled every
    ``doubling`` years: years before ``last`` are exponential with rate ln 2 / doubling."""
    rng = np.random.default_rng(seed)
    rate = math.log(2) / doubling
    return np.floor(last + np.log(rng.random(firms)) / rate).astype(int).tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("doubling", [6.0, 10.0])
def test_a_known_doubling_time_is_recovered_within_the_interval(doubling: float, seed: int) -> None:
    years = exponential_market(doubling, 200, seed)
    fit = fit_growth(years)
    interval = bootstrap_interval(years, rounds=1000)
    assert fit is not None and interval is not None
    low, high = interval
    assert low <= doubling <= high
    assert low < fit.doubling_time < high
    assert fit.doubling_time == pytest.approx(doubling, rel=0.3)


def test_the_interval_narrows_with_more_firms() -> None:
    small = bootstrap_interval(exponential_market(10, 60, 5), rounds=500)
    large = bootstrap_interval(exponential_market(10, 2000, 5), rounds=500)
    assert small is not None and large is not None
    assert large[1] - large[0] < small[1] - small[0]


def test_the_bootstrap_is_reproducible() -> None:
    years = exponential_market(10, 100, 7)
    assert bootstrap_interval(years, rounds=300) == bootstrap_interval(years, rounds=300)


def test_cumulative_counts_fill_every_year() -> None:
    assert cumulative_counts([2001, 2003, 2003]) == ([2001, 2002, 2003], [1, 1, 3])
    assert cumulative_counts([]) == ([], [])


def test_a_flat_market_never_doubles() -> None:
    fit = fit_growth([2000] * 30 + [2010])
    assert fit is not None and fit.rate > 0
    assert fit_growth([2000] * 30) is None  # one year: nothing to fit


def test_coverage_counts_founded_first_seen_and_undated() -> None:
    years = exponential_market(10, 40, 3)
    orgs = [
        date_organisation(f"org-{i}", f"Firm {i}", y, None, ("IL",)) for i, y in enumerate(years)
    ]
    orgs += [
        date_organisation("org-x", "Seen", None, 2015),
        date_organisation("org-y", "?", None, None),
    ]
    result = observe(orgs, rounds=200)
    assert (result.total, result.dated) == (42, 41)
    assert result.by_source == {"founded": 40, "first_seen": 1, "none": 1}
    assert result.coverage == pytest.approx(41 / 42)
    assert result.countries["IL"] == (40, 40)
    assert result.countries["unknown"] == (2, 1)
    assert result.claim_in_interval is not None


def test_too_few_dated_firms_give_no_fit_and_say_so() -> None:
    result = observe([date_organisation("a", "A", 2001, None)], rounds=10)
    assert result.fit is None and result.ci_low is None and result.claim_in_interval is None
