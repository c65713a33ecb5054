"""The KPI formulas on the worked example of docs/kpi.md §5, computed by hand there."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotline.city.kpi_settings import KpiSettings
from hotline.kpi import formulas as f
from hotline.kpi import periods


def t(m: int, d: int, h: int = 4) -> datetime:  # 04:00 UTC = 12:00 in Asia/Shanghai
    return datetime(2026, m, d, h, tzinfo=UTC)


NOV = periods.month(2026, 11)
AS_OF = t(12, 5)
A = [
    f.AssignmentRec(1, t(11, 2), sign_due_at=t(11, 2, 6), signed_at=t(11, 2, 2), due_at=t(11, 9), replied_at=t(11, 8)),
    f.AssignmentRec(1, t(11, 3), sign_due_at=t(11, 3, 6), signed_at=t(11, 3, 9), due_at=t(11, 10),
                    replied_at=t(11, 12), ended_at=t(11, 14), end_reason="reopened"),
    f.AssignmentRec(1, t(11, 20), sign_due_at=t(11, 20, 6), ended_at=t(11, 21), end_reason="returned"),
    f.AssignmentRec(1, t(11, 25), sign_due_at=t(11, 25, 6), signed_at=t(11, 25, 5), due_at=t(12, 3)),
    f.AssignmentRec(1, t(11, 5), sign_due_at=t(11, 5, 6), signed_at=t(11, 5, 9), due_at=t(11, 12), designated=True),
    f.AssignmentRec(1, t(10, 28), sign_due_at=t(10, 28, 6), signed_at=t(10, 28, 5), due_at=t(11, 4),
                    replied_at=t(11, 3)),
]
R = [f.ReturnRec(1, t(11, 21))]
E = [
    f.EvaluationRec(1, t(11, 10), True, "satisfied"),
    f.EvaluationRec(1, t(11, 15), False, "dissatisfied"),
    f.EvaluationRec(1, t(11, 16), True, "basic"),
    f.EvaluationRec(1, t(11, 17), True, "dissatisfied", excluded_reason="appeal"),
]


def test_worked_example_counts() -> None:
    c = f.count_units(NOV, as_of=AS_OF, assignments=A, returns=R, evaluations=E)[1]
    assert c.as_dict() == {"dispatched": 4, "signed_on_time": 2, "signed_24h": 3, "due": 3, "on_time": 2, "returns": 1,
                           "replied": 3, "reopened": 1, "evaluated": 3, "solved": 2, "satisfied": 1,
                           "basic": 1, "dissatisfied": 1}


def test_worked_example_rates_and_composite() -> None:
    c = f.count_units(NOV, as_of=AS_OF, assignments=A, returns=R, evaluations=E)[1]
    r = f.rates(c)
    assert r.response == 0.5 and r.return_rate == 0.25 and r.sign_24h == 0.75
    assert r.resolution == pytest.approx(2 / 3) and r.satisfaction == pytest.approx(2 / 3)
    assert r.on_time == pytest.approx(2 / 3) and r.reopen_rate == pytest.approx(1 / 3)
    assert r.composite == pytest.approx(63.3333, abs=1e-4)  # 10 + 13.333 + 20 + 20 (docs/kpi.md §5)
    strict = f.rates(c, basic_counts=False)
    assert strict.satisfaction == pytest.approx(1 / 3)
    assert strict.composite == pytest.approx(10 + 20 * 2 / 3 + 30 * 2 / 3 + 30 / 3, abs=1e-9)
    # the three-part score some cities use: on-time weight 0
    three = f.rates(c, weights={"response": 30, "on_time": 0, "resolution": 35, "satisfaction": 35})
    assert three.composite == pytest.approx(61.6667, abs=1e-4)


def test_on_time_completion_counts_in_the_composite() -> None:
    """Issue #12 item 10: a unit that completes nothing on time no longer scores 100."""
    late = f.Counts(dispatched=30, signed_on_time=30, due=30, on_time=0, evaluated=10, solved=10, satisfied=10)
    r = f.rates(late)
    assert r.on_time == 0.0 and r.composite == pytest.approx(80.0)
    punctual = f.Counts(dispatched=30, signed_on_time=30, due=30, on_time=30, evaluated=10, solved=10, satisfied=10)
    assert f.rates(punctual).composite == pytest.approx(100.0)
    ranked, _ = f.rank([(1, late), (2, punctual)], min_orders=20)
    assert [r.unit_id for r in ranked] == [2, 1]


def test_formula_shown_is_the_formula_used() -> None:
    shares = dict(f.composite_formula(f.DEFAULT_WEIGHTS))
    assert shares == {"签收及时率": 20, "按期办结率": 20, "解决率": 30, "满意率": 30}
    c = f.Counts(dispatched=10, signed_on_time=5, due=10, on_time=8, evaluated=10, solved=6, satisfied=9)
    by_hand = sum(share / 100 * rate for share, rate in zip(shares.values(), (0.5, 0.8, 0.6, 0.9), strict=True))
    assert f.rates(c).composite == pytest.approx(100 * by_hand)


def test_not_yet_due_is_not_late() -> None:
    """An unreplied assignment whose deadline is still ahead is not in the on-time base."""
    assert 1 not in f.count_units(periods.month(2026, 12), as_of=t(12, 2), assignments=A)
    c = f.count_units(periods.month(2026, 12), as_of=t(12, 4), assignments=A)[1]
    assert (c.due, c.on_time) == (1, 0)


def test_no_denominator_means_no_rate_and_weights_renormalise() -> None:
    assert f.rates(f.Counts()).composite is None
    c = f.Counts(dispatched=10, signed_on_time=9)
    assert f.rates(c).composite == pytest.approx(90.0)  # only the response part is known


def test_ranking_minimum_ties_and_summons() -> None:
    good = f.Counts(dispatched=30, signed_on_time=30, evaluated=10, solved=10, satisfied=10)
    poor = f.Counts(dispatched=30, signed_on_time=30, evaluated=10, solved=10, satisfied=8, dissatisfied=2)
    small = f.Counts(dispatched=5, signed_on_time=5, evaluated=5, solved=5, satisfied=5)
    ranked, few = f.rank([(3, poor), (1, good), (2, good), (4, small)], min_orders=20)
    assert [(r.unit_id, r.rank) for r in ranked] == [(1, 1), (2, 1), (3, 3)]
    assert ranked[2].summoned and not ranked[0].summoned
    assert [r.unit_id for r in few] == [4] and few[0].rank is None


def test_roll_up_through_the_tree() -> None:
    counts = {10: f.Counts(dispatched=1), 11: f.Counts(dispatched=2), 12: f.Counts(dispatched=4)}
    assert f.roll_up(counts, {1: [10, 11], 11: [12]}, 1).dispatched == 7


def test_first_contact() -> None:
    rows = [f.IntakeRec(t(11, 1), True), f.IntakeRec(t(11, 2), False), f.IntakeRec(t(11, 3), True, merged=True),
            f.IntakeRec(t(10, 3), True)]
    assert f.first_contact(NOV, rows) == (1, 2)


def test_periods_in_shanghai_and_month_start_day() -> None:
    p = periods.month(2026, 11)
    assert p.start == datetime(2026, 10, 31, 16, tzinfo=UTC) and p.end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    h = periods.month(2026, 11, start_day=26)  # Hangzhou: 10-26 .. 11-25
    assert h.start == datetime(2026, 10, 25, 16, tzinfo=UTC) and h.end == datetime(2026, 11, 25, 16, tzinfo=UTC)
    assert periods.month(2027, 1, 26).start == datetime(2026, 12, 25, 16, tzinfo=UTC)
    assert periods.containing(date(2026, 11, 26), 26) == (2026, 12)
    q = periods.quarter(2026, 4)
    assert q.start == p.start.replace(month=9, day=30) and q.end == periods.month(2026, 12).end
    with pytest.raises(Exception, match="bad_period"):
        periods.parse(kind="month", value="2026-13")
    y, label = periods.parse(kind="year", value="2026")
    assert label == "2026" and y.start == p.start.replace(month=12, day=31, year=2025) and y.end == p.end.replace(month=12, day=31)


def test_settings_defaults_and_refusals() -> None:
    s = KpiSettings()
    assert s.weights.as_map() == {"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30}
    assert KpiSettings.model_validate({"weights": {"on_time": 0}}).weights.on_time == 0
    assert s.basic_counts_as_satisfied and s.min_orders_for_ranking == 20 and s.month_start_day == 1
    with pytest.raises(ValueError):
        KpiSettings.model_validate({"weight": {}})
    with pytest.raises(ValueError):
        KpiSettings.model_validate({"month_start_day": 31})


def test_24_hour_sign_rate_ignores_the_sign_limit_and_stops_at_24_hours() -> None:
    """24小时签收率: signed at most 24 h after dispatch, whatever sign limit the order had."""
    at = t(11, 2)
    recs = [f.AssignmentRec(1, at, sign_due_at=t(11, 2, 6), signed_at=t(11, 3, 4)),  # late for its limit, 24 h
            f.AssignmentRec(1, at, sign_due_at=t(11, 4), signed_at=t(11, 3, 5)),  # in time, but after 25 h
            f.AssignmentRec(1, at)]  # never signed
    c = f.count_units(NOV, as_of=AS_OF, assignments=recs)[1]
    assert (c.dispatched, c.signed_24h, c.signed_on_time) == (3, 1, 1)
    assert f.rates(c).sign_24h == pytest.approx(1 / 3)


def test_wilson_interval_by_hand() -> None:
    """docs/kpi.md §4: 8 of 10 is 49.0 %–94.3 %; 10 of 10 is 72.2 %–100 %, not a sure 100 %."""
    lo, hi = f.wilson(8, 10)  # type: ignore[misc]
    assert (round(lo, 3), round(hi, 3)) == (0.490, 0.943)
    lo, hi = f.wilson(10, 10)  # type: ignore[misc]
    assert (round(lo, 3), hi) == (0.722, 1.0)
    assert f.wilson(0, 0) is None
    narrow, wide = f.wilson(160, 200), f.wilson(8, 10)
    assert narrow and wide and narrow[1] - narrow[0] < wide[1] - wide[0]  # more orders, narrower


def test_a_sustained_objection_leaves_only_the_objecting_units_figures() -> None:
    period = f.Period(t(11, 1), t(12, 1))
    recs = [f.AssignmentRec(1, t(11, 2), ended_at=t(11, 3), end_reason="redispatched", objected=True),
            f.AssignmentRec(2, t(11, 3))]  # the same order, redispatched to unit 2
    ev = [f.EvaluationRec(1, t(11, 10), True, "satisfied", objected=True), f.EvaluationRec(2, t(11, 10), True, "satisfied")]
    c = f.count_units(period, as_of=t(12, 1), assignments=recs, evaluations=ev,
                      returns=[f.ReturnRec(1, t(11, 3), objected=True)])
    assert 1 not in c and (c[2].dispatched, c[2].evaluated) == (1, 1)
