"""The observatory's chart draws the 95 % interval of the doubling time, not only the text."""

from __future__ import annotations

from pallmall.reports.charts import growth_chart
from pallmall.reports.growth import Growth, fit_growth

YEARS = [2000 + i // 3 for i in range(60)]  # 3 vendors a year for 20 years


def growth(low: float | None, high: float | None) -> Growth:
    fit = fit_growth(YEARS)
    assert fit is not None
    cumulative = tuple(sum(1 for y in YEARS if y <= t) for t in range(2000, 2020))
    return Growth(
        total=60,
        dated=60,
        by_source={"founded": 60},
        years=tuple(range(2000, 2020)),
        cumulative=cumulative,
        fit=fit,
        ci_low=low,
        ci_high=high,
        rounds=1000,
        claim_years=10.0,
    )


def test_the_chart_shades_the_interval_and_says_so() -> None:
    chart = growth_chart(growth(6.5, 9.0))
    assert chart is not None
    assert "95 % interval: doubles every 6.5 to 9.0 years" in chart.svg
    assert "95 % interval 6.5 to 9.0 years, the shaded band" in chart.alt
    without = growth_chart(growth(None, None))
    assert without is not None and "95 % interval" not in without.svg
