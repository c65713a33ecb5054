"""The expected level of a daily count and the surge test: pure functions (docs/hotspots.md, "Surges").

Why a model and not a fixed threshold: a hotline's volume follows the week (Mondays high, Sundays
low), the season (water and heat in summer, heating in winter) and China's calendar (statutory
holidays are quiet; a 调休 Saturday is a working day; the first working day after 国庆 or 春节 is
busy).  A fixed threshold either fires every Monday or misses a burst on a quiet Sunday.

The model, for series *s* on local day *d*::

    expected(s, d) = base(s) × W[key(d)] × S[month(d)]

- ``key(d)`` is the day's kind on the city's calendar: its weekday (Mon … Sun) on an ordinary day,
  ``holiday`` on a statutory day off (a weekend inside a holiday run included), ``makeup`` on a
  调休 working weekend day, ``after`` on the first working day after a holiday run of 3+ days;
- ``W`` and ``S`` are fitted on the city's total daily counts of the history (log-linear, by
  iterative proportional fitting); a kind or month seen too rarely falls back (makeup / after →
  the mean working day, a month → 1);
- ``base(s)`` is the series' level in its base window (the ``BASE_DAYS`` days ending ``GUARD_DAYS``
  before *d*, so a two-day burst does not raise its own baseline): the Gamma posterior of the
  daily rate, ``(N + ½) / E`` with ``N`` the series' orders and ``E`` the sum of ``W × S`` over the
  window.

The test is count-aware: under the model, the day's count follows the posterior predictive
negative binomial (shape ``N + ½``, p = ``E / (E + W×S(d))``).  A day is a surge when it has at least
``MIN_COUNT`` orders and ``P(X ≥ observed) ≤ ALPHA``; its score is ``−log10`` of that probability.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from scipy.stats import nbinom

BASE_DAYS = 56  # the series' base window (8 weeks: every weekday 8 times)
GUARD_DAYS = 2  # days before the tested day left out of the base (a burst over 2–3 days stays visible)
MIN_COUNT = 5  # fewer orders in a day are never a surge, however unusual
ALPHA = 1e-4  # upper-tail probability under the model
LONG_HOLIDAY = 3  # a holiday run of this many days makes the next working day an ``after`` day
MIN_DAYS_PER_KEY = 3  # a day kind seen fewer times in the history falls back
MIN_DAYS_PER_MONTH = 14  # a month seen less falls back to 1
PRIOR = 0.5  # the Gamma prior's shape: a series without orders in its window still has a level
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS_ZH = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六", "sun": "周日",
            "holiday": "法定节假日", "makeup": "调休上班日", "after": "长假后首个工作日"}

IsWorkday = Callable[[date], bool]


def day_keys(days: Sequence[date], is_workday: IsWorkday) -> dict[date, str]:
    """The kind of each day of a contiguous span (see the module docstring).

    A weekend day is ``holiday`` when its run of days off also holds a weekday off (so the
    Saturday inside 国庆 is a holiday, an ordinary Saturday is ``sat``)."""
    if not days:
        return {}
    lo, hi = min(days), max(days)
    span = [lo + timedelta(days=i) for i in range(-10, (hi - lo).days + 11)]  # runs cross the span's ends
    work = {d: is_workday(d) for d in span}
    out: dict[date, str] = {}
    run: list[date] = []
    prev_long = False
    for d in span:
        if not work[d]:
            run.append(d)
            continue
        if run:
            holiday = any(x.weekday() < 5 for x in run)
            for x in run:
                out[x] = "holiday" if holiday else WEEKDAYS[x.weekday()]
            prev_long = holiday and len(run) >= LONG_HOLIDAY
            run = []
        if prev_long:
            out[d] = "after"
            prev_long = False
        else:
            out[d] = "makeup" if d.weekday() >= 5 else WEEKDAYS[d.weekday()]
    for x in run:
        out[x] = "holiday" if any(y.weekday() < 5 for y in run) else WEEKDAYS[x.weekday()]
    wanted = set(days)
    return {d: k for d, k in out.items() if d in wanted}


@dataclass
class Shape:
    """The fitted day-kind factors ``W`` and month factors ``S`` (each averaging 1 over the week / year)."""

    kind: dict[str, float] = field(default_factory=lambda: dict.fromkeys(WEEKDAYS, 1.0))
    month: dict[int, float] = field(default_factory=lambda: dict.fromkeys(range(1, 13), 1.0))

    def factor(self, key: str, d: date) -> float:
        return self.kind.get(key, 1.0) * self.month.get(d.month, 1.0)

    def as_dict(self) -> dict[str, object]:
        return {"kind": {k: round(v, 3) for k, v in self.kind.items()},
                "month": {m: round(v, 3) for m, v in self.month.items()}}


def fit_shape(totals: dict[date, int], keys: dict[date, str], *, rounds: int = 8) -> Shape:
    """Fit ``W`` and ``S`` on the city's daily totals (every day of the history, zero days included)."""
    days = sorted(totals)
    shape = Shape()
    if len(days) < 14 or sum(totals.values()) == 0:
        return shape
    kinds_seen: dict[str, int] = defaultdict(int)
    months_seen: dict[int, int] = defaultdict(int)
    for d in days:
        kinds_seen[keys[d]] += 1
        months_seen[d.month] += 1
    fit_months = {m for m, n in months_seen.items() if n >= MIN_DAYS_PER_MONTH}
    fit_kinds = {k for k, n in kinds_seen.items() if n >= MIN_DAYS_PER_KEY}
    base = sum(totals.values()) / len(days)
    for _ in range(rounds):
        for k in fit_kinds:
            ds = [d for d in days if keys[d] == k]
            den = sum(base * shape.month.get(d.month, 1.0) for d in ds)
            shape.kind[k] = sum(totals[d] for d in ds) / den if den else 1.0
        week = sum(shape.kind[w] for w in WEEKDAYS) / 7
        shape.kind = {k: v / week for k, v in shape.kind.items()}
        if len(fit_months) >= 2:
            for m in fit_months:
                ds = [d for d in days if d.month == m]
                den = sum(base * shape.kind.get(keys[d], 1.0) for d in ds)
                shape.month[m] = sum(totals[d] for d in ds) / den if den else 1.0
            year = sum(shape.month[m] for m in fit_months) / len(fit_months)
            shape.month = {m: (shape.month[m] / year if m in fit_months else 1.0) for m in range(1, 13)}
        den = sum(shape.factor(keys[d], d) for d in days)
        base = sum(totals.values()) / den if den else base
    workday = sum(shape.kind[w] for w in WEEKDAYS[:5]) / 5
    for k in ("makeup", "after", "holiday"):
        if k not in fit_kinds:
            shape.kind[k] = workday if k != "holiday" else min(shape.kind["sat"], shape.kind["sun"])
    for k, v in list(shape.kind.items()):
        shape.kind[k] = max(v, 0.05)  # a kind never seen with orders still has some
    shape.month = {m: max(v, 0.05) for m, v in shape.month.items()}
    return shape


@dataclass(frozen=True)
class Verdict:
    observed: int
    expected: float
    p_value: float
    score: float
    surge: bool
    base_orders: int  # N: the series' orders in its base window


def base_window(day: date, *, base_days: int = BASE_DAYS, guard_days: int = GUARD_DAYS) -> list[date]:
    end = day - timedelta(days=guard_days + 1)
    return [end - timedelta(days=i) for i in range(base_days - 1, -1, -1)]


def judge(counts: dict[date, int], day: date, shape: Shape, keys: dict[date, str], *,
             base_days: int = BASE_DAYS, guard_days: int = GUARD_DAYS, min_count: int = MIN_COUNT,
             alpha: float = ALPHA, observed: int | None = None) -> Verdict:
    """Is ``day`` a surge of the series ``counts`` (orders per local day)?  ``keys`` covers the window and day."""
    window = base_window(day, base_days=base_days, guard_days=guard_days)
    n_hist = sum(counts.get(d, 0) for d in window)
    exposure = sum(shape.factor(keys[d], d) for d in window)
    f = shape.factor(keys[day], day)
    obs = counts.get(day, 0) if observed is None else observed
    r = n_hist + PRIOR
    expected = r * f / exposure if exposure else float(obs)
    p = 1.0 if obs <= 0 or not exposure else float(nbinom.sf(obs - 1, r, exposure / (exposure + f)))
    score = round(-math.log10(max(p, 1e-300)), 2)
    return Verdict(observed=obs, expected=round(expected, 2), p_value=p, score=score,
                   surge=obs >= min_count and p <= alpha, base_orders=n_hist)


def fixed_threshold(counts: dict[date, int], day: date, *, base_days: int = BASE_DAYS, guard_days: int = GUARD_DAYS,
                    sigmas: float = 3.0, min_count: int = MIN_COUNT) -> bool:
    """The baseline the bench compares with: mean + 3σ of the raw daily counts of the same window."""
    xs = [counts.get(d, 0) for d in base_window(day, base_days=base_days, guard_days=guard_days)]
    mean = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs))
    obs = counts.get(day, 0)
    return obs >= min_count and obs > mean + sigmas * sd


def series_for(levels: Sequence[tuple[str, str | None]], volume: dict[tuple[str, str | None], int],
               min_volume: int) -> tuple[str, str | None] | None:
    """The first (finest) level of an order's candidate series whose base window has volume."""
    for key in levels:
        if volume.get(key, 0) >= min_volume:
            return key
    return levels[-1] if levels else None


def daily(days: Iterable[date]) -> dict[date, int]:
    out: dict[date, int] = defaultdict(int)
    for d in days:
        out[d] += 1
    return dict(out)
