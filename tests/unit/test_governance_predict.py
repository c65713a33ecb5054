"""未诉先办's season finder and backtest on synthetic counts: a November peak in two years is predicted,
a steady demand is not (the naive baseline predicts it and is scored a false prediction)."""

from __future__ import annotations

from hotline.governance import predict


def _counts() -> predict.Counts:
    c: predict.Counts = {}
    for year in (2023, 2024, 2025):
        for month in range(1, 13):
            predict.add(c, ("heat", 1), year, month, 30 if month == 11 else 1)  # seasonal
            predict.add(c, ("steady", 1), year, month, 8)  # every month the same
    predict.add(c, ("once", 2), 2024, 7, 20)  # one year only: not a season
    return c


def test_a_peak_in_two_years_is_a_season_and_a_steady_demand_is_not() -> None:
    found = predict.seasons(_counts(), before_year=2025)
    assert [(s.category_code, s.month, s.years, s.predicted) for s in found] == [("heat", 11, (2023, 2024), 30)]


def test_backtest_scores_ours_against_the_naive_baseline() -> None:
    out = predict.backtest(_counts(), year=2025)
    assert out["seasonal"] == {"predicted": 1, "actual": 1, "hits": 1, "false_predictions": 0, "missed": 0,
                               "hit_rate": 1.0, "precision": 1.0}
    # naive: every month of "steady" (8 ≥ 5) and the November peak; 2024-07 "once" → 2025-07 false too
    assert out["naive"]["hits"] == 1 and out["naive"]["false_predictions"] == 13
