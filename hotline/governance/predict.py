"""未诉先办: recurring seasonal demands found in the order history, and the coming window predicted.

A *key* is a leaf category × a district (the order's territory, walked up to its district).  For one year
the key's month ``m`` is a *peak* when it has at least ``MIN_CALLS`` orders and at least ``RATIO`` times the
key's mean over the other months of that year.  A key-month is *seasonal* when it peaked in at least
``MIN_YEARS`` earlier years; the prediction for the coming season is the mean of the peaks' volumes.

The naive baseline (docs/benchmarks.md) predicts every key-month that had ``MIN_CALLS`` or more orders in
the same month last year.  ``backtest`` scores both on a year predicted from the years before it.
Pure functions over ``Counts`` (no database): ``service.history_counts`` builds them from orders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

MIN_CALLS = 5
RATIO = 3.0
MIN_YEARS = 2
LEAD_DAYS = 30  # a task is made this long before its window opens

Key = tuple[str, int | None]  # (category code, district unit id)
#: counts[key][(year, month)] = orders
Counts = dict[Key, dict[tuple[int, int], int]]


@dataclass(frozen=True)
class Season:
    category_code: str
    district_id: int | None
    month: int
    years: tuple[int, ...]  # the years it peaked
    predicted: int  # mean volume of the peaks


def is_peak(by_month: dict[tuple[int, int], int], year: int, month: int) -> bool:
    c = by_month.get((year, month), 0)
    if c < MIN_CALLS:
        return False
    others = [by_month.get((year, m), 0) for m in range(1, 13) if m != month]
    return c >= RATIO * max(sum(others) / len(others), 0.5)


def seasons(counts: Counts, *, before_year: int) -> list[Season]:
    """Key-months that peaked in ≥ ``MIN_YEARS`` of the years before ``before_year``."""
    out = []
    for key, by_month in counts.items():
        years = sorted({y for (y, _m) in by_month if y < before_year})
        for month in range(1, 13):
            hit = tuple(y for y in years if is_peak(by_month, y, month))
            if len(hit) >= MIN_YEARS:
                out.append(Season(key[0], key[1], month, hit,
                                  round(sum(by_month[(y, month)] for y in hit) / len(hit))))
    return sorted(out, key=lambda s: (s.month, s.category_code, s.district_id or 0))


def naive(counts: Counts, *, year: int) -> set[tuple[Key, int]]:
    """Baseline: the same month last year had at least ``MIN_CALLS`` orders."""
    return {(key, m) for key, by_month in counts.items() for (y, m), c in by_month.items()
            if y == year - 1 and c >= MIN_CALLS}


def actual(counts: Counts, *, year: int) -> set[tuple[Key, int]]:
    """What happened: the key-months that peaked in ``year``."""
    return {(key, m) for key, by_month in counts.items() for m in range(1, 13) if is_peak(by_month, year, m)}


def score(predicted: set[tuple[Key, int]], truth: set[tuple[Key, int]]) -> dict[str, float | int]:
    hits = len(predicted & truth)
    return {"predicted": len(predicted), "actual": len(truth), "hits": hits,
            "false_predictions": len(predicted - truth), "missed": len(truth - predicted),
            "hit_rate": round(hits / len(truth), 3) if truth else 0.0,
            "precision": round(hits / len(predicted), 3) if predicted else 0.0}


def backtest(counts: Counts, *, year: int) -> dict[str, dict[str, float | int]]:
    """Predict ``year``'s seasons from the years before it; the same for the naive baseline."""
    truth = actual(counts, year=year)
    ours = {((s.category_code, s.district_id), s.month) for s in seasons(counts, before_year=year)}
    return {"seasonal": score(ours, truth), "naive": score(naive(counts, year=year), truth)}


def add(counts: Counts, key: Key, year: int, month: int, n: int = 1) -> None:
    counts.setdefault(key, defaultdict(int))[(year, month)] += n
