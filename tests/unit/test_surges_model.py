"""The surge model's pure functions: China's calendar, the fitted shape, the count-aware test."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hotline.sla.calendar import WorkCalendar
from hotline.surges.model import day_keys, fit_shape, fixed_threshold, judge
from hotline.surges.series import Hierarchy, Rec, find_surges, levels

CAL = WorkCalendar()
TRUE_KIND = {"mon": 1.3, "tue": 1.1, "wed": 1.0, "thu": 1.0, "fri": 0.9, "sat": 0.6, "sun": 0.5,
             "holiday": 0.4, "makeup": 1.0, "after": 1.6}


def _days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def _history(days: list[date], keys: dict[date, str], level: float, seed: int = 1) -> dict[date, int]:
    rng = random.Random(seed)
    out = {}
    for d in days:
        lam = level * TRUE_KIND[keys[d]] * (1.2 if d.month in (7, 8) else 1.0)
        out[d] = _poisson(rng, lam)
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth for small λ, normal approximation for large
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam ** 0.5)))
    k, p, limit = 0, 1.0, 2.718281828459045 ** -lam
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def test_day_keys_follow_chinas_calendar() -> None:
    keys = day_keys(_days(date(2025, 9, 26), 20), CAL.is_workday)
    assert keys[date(2025, 9, 28)] == "makeup"  # Sunday 调休: a working day
    assert keys[date(2025, 10, 4)] == "holiday"  # the Saturday inside 国庆
    assert keys[date(2025, 10, 9)] == "after"  # the first working day after the long holiday
    assert keys[date(2025, 10, 11)] == "makeup"  # Saturday 调休
    assert keys[date(2025, 10, 12)] == "sun"
    assert keys[date(2025, 10, 13)] == "mon"


def test_fit_recovers_the_weekly_and_holiday_shape() -> None:
    days = _days(date(2024, 10, 1), 400)
    keys = day_keys(days, CAL.is_workday)
    shape = fit_shape(_history(days, keys, 60.0), keys)
    assert shape.kind["mon"] > shape.kind["wed"] > shape.kind["sun"]
    assert 1.9 < shape.kind["mon"] / shape.kind["sun"] < 3.3  # truth 2.6
    assert shape.kind["holiday"] < shape.kind["sat"]
    assert shape.kind["makeup"] > shape.kind["sat"] * 1.3  # a 调休 Saturday is a working day
    assert shape.month[7] > shape.month[3] * 1.1  # the summer season


def test_the_day_after_national_day_is_not_a_surge_for_being_a_busy_workday() -> None:
    days = _days(date(2024, 9, 1), 420)  # ends 2025-10-25
    keys = day_keys(days, CAL.is_workday)
    hist = _history(days, keys, 60.0, seed=3)
    shape = fit_shape({d: c for d, c in hist.items() if d < date(2025, 10, 1)}, keys)
    after = date(2025, 10, 9)
    hist[after] = round(60 * TRUE_KIND["after"] * 1.1)  # a busy, but ordinary, day after 国庆
    v = judge(hist, after, shape, keys)
    assert not v.surge, v
    assert v.expected > 60  # the model expects the rebound
    flat = judge(hist, after, _flat(), keys)  # the same day with no calendar: every kind weighs 1
    assert flat.score > v.score
    hist[after] = 60 * 3  # three times the level is a surge, whatever the day
    assert judge(hist, after, shape, keys).surge


def _flat():  # noqa: ANN202
    from hotline.surges.model import Shape

    return Shape()


def test_a_burst_on_a_quiet_sunday_is_found_and_a_busy_monday_is_not() -> None:
    days = _days(date(2025, 1, 1), 200)
    keys = day_keys(days, CAL.is_workday)
    hist = _history(days, keys, 4.0, seed=5)
    shape = fit_shape(_history(days, keys, 60.0, seed=6), keys)
    sunday = next(d for d in reversed(days) if keys[d] == "sun")
    monday = next(d for d in reversed(days) if keys[d] == "mon")
    hist[sunday], hist[monday] = 12, 12
    assert judge(hist, sunday, shape, keys).surge
    assert not judge(hist, monday, shape, keys).surge
    assert fixed_threshold(hist, monday) == fixed_threshold(hist, sunday)  # the fixed rule cannot tell them apart


def test_a_minimum_count_and_a_sparse_series() -> None:
    days = _days(date(2025, 3, 1), 100)
    keys = day_keys(days, CAL.is_workday)
    shape = fit_shape(_history(days, keys, 60.0), keys)
    counts = {days[-1]: 4}  # nothing for 56 days, then 4: unusual, but under the minimum
    v = judge(counts, days[-1], shape, keys)
    assert not v.surge and v.p_value < 1e-4
    counts[days[-1]] = 6
    assert judge(counts, days[-1], shape, keys).surge
    counts.update({d: 2 for d in days[-60:-3]})  # a series with ~2 a day: 6 on a Sunday is not 1e-4 unusual
    assert not judge(counts, days[-1], shape, keys).surge


def test_series_levels_roll_up_and_a_street_burst_is_found() -> None:
    h = Hierarchy(cat_parent={"010501": "0105", "0105": "01", "01": None, "020101": "0201", "0201": "02", "02": None},
                  street_of={"c1": "s1", "c2": "s1", "c3": "s2"}, district_of={"c1": "d1", "c2": "d1", "c3": "d1"})
    r = Rec(1, date(2025, 6, 1), "010501", "c1")
    assert levels(r, h) == [("010501", "s1"), ("010501", "d1"), ("0105", "d1"), ("01", "d1"), ("01", "*")]
    days = _days(date(2025, 3, 1), 100)
    keys = day_keys(days, CAL.is_workday)
    shape = fit_shape(_history(days, keys, 60.0), keys)
    rng = random.Random(9)
    recs, n = [], 0
    for d in days:
        for _ in range(_poisson(rng, 3 * TRUE_KIND[keys[d]])):
            n += 1
            recs.append(Rec(n, d, rng.choice(["020101", "010501"]), rng.choice(["c1", "c2", "c3"])))
    day = days[-1]
    assert find_surges(recs, day, h, shape, keys) == []
    burst = []
    for _ in range(9):
        n += 1
        burst.append(n)
        recs.append(Rec(n, day, "010501", "c3"))
    found = find_surges(recs, day, h, shape, keys)
    assert len(found) == 1
    assert set(burst) <= set(found[0].order_ids)
    assert found[0].category.startswith("01") and found[0].verdict.observed >= 9
