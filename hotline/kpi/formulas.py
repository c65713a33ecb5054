"""The KPI formulas as pure functions over small records: no database, no clock.

Why pure: the formulas are the contract with the units being ranked (docs/kpi.md
writes each one down with a worked example).  Keeping them free of SQL lets the
unit tests check the worked example by hand, and lets an integration test prove
that the SQL in ``queries.py`` computes exactly the same numbers.

What is counted is not written here: every count and rate is defined once in
``definitions.py``, and this module evaluates those definitions on plain records.

Periods are half-open ``[start, end)`` in aware datetimes; callers build them in
the city's time zone (``periods.py``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.city.kpi_settings import DEFAULT_WEIGHTS
from hotline.kpi import definitions as d

# The parts of the composite score (docs/kpi.md §3), in the order the formula is written,
# with their names; the city file's ``kpi.weights`` gives each a weight (defaults: DEFAULT_WEIGHTS).
COMPOSITE_PARTS: tuple[tuple[str, str], ...] = tuple((k, d.RATE_OF[k].label) for k in DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def __contains__(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end


@dataclass(frozen=True)
class AssignmentRec:
    """One lead assignment (主办) with the limits it was given (kpi_assignment_limits)."""

    unit_id: int
    assigned_at: datetime
    sign_due_at: datetime | None = None
    signed_at: datetime | None = None
    due_at: datetime | None = None  # the deadline in force (approved extensions included)
    replied_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    designated: bool = False  # the order was designated unreasonable (accepted); see definitions.ASSIGNMENT
    objected: bool = False  # this unit's 派单异议 on the order was sustained
    first_due_at: datetime | None = None  # the first deadline, before extensions (None: ``due_at``)

    def __post_init__(self) -> None:
        if self.first_due_at is None:
            object.__setattr__(self, "first_due_at", self.due_at)


@dataclass(frozen=True)
class ReturnRec:
    """An approved return (退单), counted against the unit that returned it."""

    unit_id: int
    at: datetime
    designated: bool = False
    objected: bool = False


@dataclass(frozen=True)
class EvaluationRec:
    unit_id: int
    at: datetime
    solved: bool
    satisfaction: str  # satisfied | basic | dissatisfied
    excluded_reason: str | None = None  # appeal | designation
    objected: bool = False  # this unit's 派单异议 on the order was sustained


@dataclass(frozen=True)
class IntakeRec:
    created_at: datetime
    first_contact_resolved: bool
    merged: bool = False
    enterprise: bool = False  # 涉企诉求 (orders.requester_type)


class Counts:
    """Numerators and denominators of one unit in one period, one per ``definitions.COUNTS``;
    they add up through the unit tree."""

    __slots__ = ("_n",)
    _n: dict[str, int]

    def __init__(self, **n: int) -> None:
        unknown = set(n) - set(d.COUNT_KEYS)
        if unknown:
            raise TypeError(f"unknown counts: {sorted(unknown)}")
        object.__setattr__(self, "_n", {k: int(n.get(k, 0)) for k in d.COUNT_KEYS})

    def __getattr__(self, name: str) -> int:
        try:
            return self._n[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: int) -> None:
        if name not in self._n:
            raise AttributeError(name)
        self._n[name] = int(value)

    def __add__(self, other: Counts) -> Counts:
        # both sides hold every key already: no second validation (a ranking adds hundreds up the unit tree)
        out = object.__new__(Counts)
        object.__setattr__(out, "_n", {k: v + other._n[k] for k, v in self._n.items()})
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Counts) and self._n == other._n

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Counts({', '.join(f'{k}={v}' for k, v in self._n.items())})"

    def as_dict(self) -> dict[str, int]:
        return dict(self._n)


def _tally(out: dict[Any, Counts], sources: Iterable[d.Source], records: Iterable[Any], period: Period,
           as_of: datetime, rules: frozenset[str] | None = None) -> None:
    env = {"as_of": as_of, "rules": rules}
    rows = list(records)
    for src in sources:
        for rec in rows:
            if d.holds(src, rec, period.start, period.end, env):
                c = out[rec.unit_id]
                for cnt in src.counts:
                    if cnt.when.test(rec, env):
                        c._n[cnt.key] += 1


def count_units(period: Period, *, as_of: datetime, assignments: Iterable[AssignmentRec] = (),
                returns: Iterable[ReturnRec] = (), evaluations: Iterable[EvaluationRec] = (),
                rules: frozenset[str] | None = None) -> dict[int, Counts]:
    """Per unit: every count of ``definitions.SOURCES`` (docs/kpi.md §2), evaluated on plain records
    (``rules``: the exclusion rules that are on, ``definitions.RULE_KEYS``; None: all of them)."""
    out: dict[int, Counts] = defaultdict(Counts)
    by_family = {d.ASSIGNMENT.key: assignments, d.RETURN.key: returns, d.EVALUATION.key: evaluations}
    for key, records in by_family.items():
        _tally(out, [s for s in d.SOURCES if s.family.key == key], records, period, as_of, rules)
    return {k: v for k, v in out.items() if any(v.as_dict().values())}


def ratio(num: int, den: int) -> float | None:
    """None when nothing was there to judge (shown as “—”, never as 0 % or 100 %)."""
    return num / den if den else None


def wilson(num: int, den: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of ``num / den`` (95 % for z = 1.96); None without a denominator.

    Why Wilson and not p ± z·√(p(1−p)/n): it stays inside [0, 1] and is honest for a small unit
    whose rate is 100 % (10 of 10 gives 72 %–100 %, not 100 %–100 %)."""
    if den <= 0:
        return None
    p = num / den
    z2 = z * z
    centre = (p + z2 / (2 * den)) / (1 + z2 / den)
    half = z * math.sqrt(p * (1 - p) / den + z2 / (4 * den * den)) / (1 + z2 / den)
    return max(0.0, centre - half), min(1.0, centre + half)


class Rates:
    """The rates of ``definitions.RATES`` (attributes ``response``, ``on_time`` …) and ``composite``."""

    __slots__ = ("_r",)
    _r: dict[str, float | None]

    def __init__(self, **r: float | None) -> None:
        object.__setattr__(self, "_r", {k: r.get(k) for k in (*d.RATE_KEYS, "composite")})

    def __getattr__(self, name: str) -> float | None:
        try:
            return self._r[name]
        except KeyError:
            raise AttributeError(name) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rates) and self._r == other._r

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rates({self._r})"

    def as_dict(self) -> dict[str, float | None]:
        return dict(self._r)


def rate_of(rate: d.Rate, c: Mapping[str, int], *, basic_counts: bool = True) -> float | None:
    num = rate.num + (rate.num_if_basic if basic_counts else ())
    return ratio(sum(c[k] for k in num), c[rate.den])


def rates(c: Counts, *, weights: Mapping[str, float] = DEFAULT_WEIGHTS, basic_counts: bool = True) -> Rates:
    """Every rate of ``definitions.RATES`` (docs/kpi.md §2) and the composite score (0–100) of §3."""
    values = {r.key: rate_of(r, c.as_dict(), basic_counts=basic_counts) for r in d.RATES}
    return Rates(**values, composite=composite(values, weights))


def composite(parts: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean ×100 over the parts of COMPOSITE_PARTS that have a denominator (weights renormalised)."""
    used = [(r, w) for r, w in ((parts.get(k), weights.get(k, 0)) for k, _ in COMPOSITE_PARTS)
            if r is not None and w > 0]
    total = sum(w for _, w in used)
    return 100 * sum(r * w for r, w in used) / total if total else None


def composite_formula(weights: Mapping[str, float]) -> list[tuple[str, float]]:
    """The composite's parts with their share of 100 (weights as given, normalised): what the pages show."""
    total = sum(weights.get(k, 0) for k, _ in COMPOSITE_PARTS)
    return [(name, 100 * weights.get(k, 0) / total) for k, name in COMPOSITE_PARTS
            if total and weights.get(k, 0) > 0]


def first_contact(period: Period, intakes: Iterable[IntakeRec],
                  rules: frozenset[str] | None = None) -> tuple[int, int]:
    """首呼解决率 numerator and denominator (``definitions.CENTRE_RATES``) on plain intake records."""
    rate = d.RATE_OF["first_contact"]
    src, env = d.SOURCE_OF[rate.den], {"as_of": period.end, "rules": rules}
    rows = [i for i in intakes if d.holds(src, i, period.start, period.end, env)]
    num = sum(1 for i in rows for k in rate.num if d.COUNT_OF[k].when.test(i, env))
    return num, sum(1 for i in rows if d.COUNT_OF[rate.den].when.test(i, env))


def centre_counts(period: Period, intakes: Iterable[IntakeRec],
                  rules: frozenset[str] | None = None) -> dict[str, int]:
    """Every count of the centre's intake source (受理量, 首呼解决数, 涉企诉求受理量) on plain records."""
    src, env = d.SOURCE_OF["received"], {"as_of": period.end, "rules": rules}
    rows = [i for i in intakes if d.holds(src, i, period.start, period.end, env)]
    return {c.key: sum(1 for i in rows if c.when.test(i, env)) for c in src.counts}


def roll_up(counts: dict[int, Counts], children: dict[int, list[int]], unit_id: int) -> Counts:
    """A unit's figures with everything below it (a district = its streets = their communities)."""
    total = counts.get(unit_id, Counts())
    for child in children.get(unit_id, []):
        total = total + roll_up(counts, children, child)
    return total


@dataclass(frozen=True)
class Ranked:
    unit_id: int
    counts: Counts
    rates: Rates
    rank: int | None  # None: below the minimum volume, listed apart
    summoned: bool  # satisfaction under the threshold: named and summoned (约谈)


def rank(items: Iterable[tuple[int, Counts]], *, weights: Mapping[str, float] = DEFAULT_WEIGHTS,
         basic_counts: bool = True, min_orders: int = 20, summon_below: float = 0.90
         ) -> tuple[list[Ranked], list[Ranked]]:
    """(ranked, too_few): ranked by composite (desc; ties share a rank), the rest listed apart."""
    scored = [(uid, c, rates(c, weights=weights, basic_counts=basic_counts)) for uid, c in items]

    def summoned(r: Rates) -> bool:
        return r.satisfaction is not None and r.satisfaction < summon_below

    eligible = [s for s in scored if s[1].dispatched >= min_orders and s[2].composite is not None]
    rest = [s for s in scored if s not in eligible]
    eligible.sort(key=lambda s: (-(s[2].composite or 0), s[0]))
    ranked: list[Ranked] = []
    for i, (uid, c, r) in enumerate(eligible):
        same = ranked and round(ranked[-1].rates.composite or 0, 6) == round(r.composite or 0, 6)
        ranked.append(Ranked(uid, c, r, ranked[-1].rank if same else i + 1, summoned(r)))
    return ranked, [Ranked(uid, c, r, None, summoned(r)) for uid, c, r in sorted(rest, key=lambda s: s[0])]
