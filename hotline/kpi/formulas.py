"""The KPI formulas as pure functions over small records: no database, no clock.

Why pure: the formulas are the contract with the units being ranked (docs/kpi.md
writes each one down with a worked example).  Keeping them free of SQL lets the
unit tests check the worked example by hand, and lets an integration test prove
that the SQL in ``queries.py`` computes exactly the same numbers.

Periods are half-open ``[start, end)`` in aware datetimes; callers build them in
Asia/Shanghai (``periods.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime

# Assignments that ended before the unit could finish: they are not "due to complete".
ENDED_EARLY = frozenset({"returned", "redispatched", "withdrawn", "merged"})

# The parts of the composite score (docs/kpi.md §3), in the order the formula is written,
# with their names; the city file's ``kpi.weights`` gives each a weight.
COMPOSITE_PARTS: tuple[tuple[str, str], ...] = (
    ("response", "签收及时率"), ("on_time", "按期办结率"), ("resolution", "解决率"), ("satisfaction", "满意率"))
DEFAULT_WEIGHTS: Mapping[str, float] = {"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30}


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
    due_at: datetime | None = None
    replied_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    designated: bool = False  # the order was designated unreasonable (accepted)

    @property
    def excluded(self) -> bool:
        return self.designated or self.end_reason == "merged"


@dataclass(frozen=True)
class ReturnRec:
    """An approved return (退单), counted against the unit that returned it."""

    unit_id: int
    at: datetime
    designated: bool = False


@dataclass(frozen=True)
class EvaluationRec:
    unit_id: int
    at: datetime
    solved: bool
    satisfaction: str  # satisfied | basic | dissatisfied
    excluded_reason: str | None = None  # appeal | designation


@dataclass(frozen=True)
class IntakeRec:
    created_at: datetime
    first_contact_resolved: bool
    merged: bool = False


@dataclass
class Counts:
    """Numerators and denominators of one unit in one period; they add up through the unit tree."""

    dispatched: int = 0
    signed_on_time: int = 0
    due: int = 0
    on_time: int = 0
    returns: int = 0
    replied: int = 0
    reopened: int = 0
    evaluated: int = 0
    solved: int = 0
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def count_units(period: Period, *, as_of: datetime, assignments: Iterable[AssignmentRec] = (),
                returns: Iterable[ReturnRec] = (), evaluations: Iterable[EvaluationRec] = ()) -> dict[int, Counts]:
    """Per unit: every numerator and denominator of docs/kpi.md §2."""
    out: dict[int, Counts] = defaultdict(Counts)
    for a in assignments:
        if a.excluded:
            continue
        c = out[a.unit_id]
        if a.assigned_at in period:
            c.dispatched += 1
            if a.signed_at is not None and (a.sign_due_at is None or a.signed_at <= a.sign_due_at):
                c.signed_on_time += 1
        if (a.due_at in period and a.end_reason not in ENDED_EARLY
                and (a.due_at < as_of or a.replied_at is not None)):
            c.due += 1
            if a.replied_at is not None and a.replied_at <= a.due_at:
                c.on_time += 1
        if a.replied_at in period:
            c.replied += 1
        if a.end_reason == "reopened" and a.ended_at in period:
            c.reopened += 1
    for r in returns:
        if not r.designated and r.at in period:
            out[r.unit_id].returns += 1
    for e in evaluations:
        if e.excluded_reason is None and e.at in period:
            c = out[e.unit_id]
            c.evaluated += 1
            c.solved += int(e.solved)
            c.satisfied += int(e.satisfaction == "satisfied")
            c.basic += int(e.satisfaction == "basic")
            c.dissatisfied += int(e.satisfaction == "dissatisfied")
    return {k: v for k, v in out.items() if any(v.as_dict().values())}


def ratio(num: int, den: int) -> float | None:
    """None when nothing was there to judge (shown as “—”, never as 0 % or 100 %)."""
    return num / den if den else None


@dataclass(frozen=True)
class Rates:
    response: float | None
    resolution: float | None
    satisfaction: float | None
    on_time: float | None
    return_rate: float | None
    reopen_rate: float | None
    composite: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def rates(c: Counts, *, weights: Mapping[str, float] = DEFAULT_WEIGHTS, basic_counts: bool = True) -> Rates:
    """The rates of docs/kpi.md §2 and the composite score (0–100) of §3."""
    response = ratio(c.signed_on_time, c.dispatched)
    resolution = ratio(c.solved, c.evaluated)
    satisfaction = ratio(c.satisfied + (c.basic if basic_counts else 0), c.evaluated)
    on_time = ratio(c.on_time, c.due)
    return Rates(response=response, resolution=resolution, satisfaction=satisfaction,
                 on_time=on_time, return_rate=ratio(c.returns, c.dispatched),
                 reopen_rate=ratio(c.reopened, c.replied),
                 composite=composite({"response": response, "on_time": on_time, "resolution": resolution,
                                      "satisfaction": satisfaction}, weights))


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


def first_contact(period: Period, intakes: Iterable[IntakeRec]) -> tuple[int, int]:
    """首呼解决率 numerator and denominator: answered at first contact / received at the centre."""
    rows = [i for i in intakes if not i.merged and i.created_at in period]
    return sum(1 for i in rows if i.first_contact_resolved), len(rows)


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
