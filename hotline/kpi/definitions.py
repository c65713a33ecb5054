"""Every KPI defined once: which records it counts, which of them pass, and the rate they make.

Why: the figures used to be written three times — as Python (``formulas.py``), as SQL
(``queries.py``) and as the drill-down's filter (``drill.py``) — kept equal by hand.  Here each
predicate is written once, in a small expression language over a record's fields, and
*evaluated* on a plain record (the pure formula), *compiled* to SQL (the GROUP BY figures) and
compiled again to list the drill-down's rows.  ``tests/integration/test_kpi_definitions.py``
checks on orders in the database, for every count, that the three agree.

The vocabulary (docs/kpi.md §1–§2):

- a **family** is one kind of record the figures are built from (lead assignments, approved
  returns, evaluations, intakes) with the rule that leaves a record out of every figure
  (designated unreasonable, merged, appeal accepted);
- a **source** is the records of one family that a period holds, dated by one of their times
  (an assignment is "dispatched" by its ``assigned_at``, "due" by its ``due_at``);
- a **count** is a source's records (its total) or those of them that pass a predicate;
- a **rate** is counts over a count (``num / den``), with its name, its drill-down and where it shows.

This module is pure: field names only.  ``queries.py`` maps them to columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------- the expression language


class Expr:
    """A yes/no question about one record.  ``test`` answers it in Python, ``sql`` in SQL.

    Both follow the same two-valued logic: a comparison with a missing value (None / NULL) is
    false, ``not_in`` counts a missing value as "not in", so NOT and OR mean the same on both sides.
    """

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def fields(self) -> set[str]:
        raise NotImplementedError

    def __and__(self, other: Expr) -> Expr:
        return _Bool("and", (self, other))

    def __or__(self, other: Expr) -> Expr:
        return _Bool("or", (self, other))

    def __invert__(self) -> Expr:
        return _Not(self)


class Field:
    """A record's field by name (``F.signed_at``); comparing it makes an ``Expr``."""

    __hash__ = object.__hash__

    def __init__(self, name: str) -> None:
        self.name = name

    def is_none(self) -> Expr:
        return _Null(self.name, True)

    def is_not_none(self) -> Expr:
        return _Null(self.name, False)

    def is_true(self) -> Expr:
        return _Flag(self.name)

    def in_(self, values: Iterable[str]) -> Expr:
        return _In(self.name, frozenset(values), False)

    def not_in(self, values: Iterable[str]) -> Expr:
        return _In(self.name, frozenset(values), True)

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return _Cmp(self.name, "==", other)

    def __lt__(self, other: object) -> Expr:
        return _Cmp(self.name, "<", other)

    def __le__(self, other: object) -> Expr:
        return _Cmp(self.name, "<=", other)

    def within(self, other: Field, *, hours: float) -> Expr:
        """At most ``hours`` after ``other`` (both present): ``F.signed_at.within(F.assigned_at, hours=24)``."""
        return _Within(self.name, other.name, hours)


class Param:
    """A value given at computation time (``AS_OF``: the moment the figures are computed for)."""

    def __init__(self, name: str) -> None:
        self.name = name


class _Fields:
    def __getattr__(self, name: str) -> Field:
        return Field(name)


F = _Fields()
AS_OF = Param("as_of")


def _value(x: object, rec: Any, env: Mapping[str, Any]) -> Any:
    if isinstance(x, Field):
        return getattr(rec, x.name)
    return env[x.name] if isinstance(x, Param) else x


def _column(x: object, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
    if isinstance(x, Field):
        return cols[x.name]
    return env[x.name] if isinstance(x, Param) else x


_OPS: dict[str, Callable[[Any, Any], Any]] = {"==": lambda a, b: a == b, "<": lambda a, b: a < b,
                                               "<=": lambda a, b: a <= b}


class _Cmp(Expr):
    def __init__(self, name: str, op: str, other: object) -> None:
        self.name, self.op, self.other = name, op, other

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        a, b = getattr(rec, self.name), _value(self.other, rec, env)
        return a is not None and b is not None and bool(_OPS[self.op](a, b))

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        from sqlalchemy import and_

        a, b = cols[self.name], _column(self.other, cols, env)
        guards = [a.is_not(None)] + ([b.is_not(None)] if isinstance(self.other, Field) else [])
        return and_(*guards, _OPS[self.op](a, b))

    def fields(self) -> set[str]:
        return {self.name} | ({self.other.name} if isinstance(self.other, Field) else set())


class _Within(Expr):
    def __init__(self, name: str, base: str, hours: float) -> None:
        self.name, self.base, self.hours = name, base, hours

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        from datetime import timedelta

        a, b = getattr(rec, self.name), getattr(rec, self.base)
        return a is not None and b is not None and a <= b + timedelta(hours=self.hours)

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        from sqlalchemy import and_, func, literal_column

        a, b = cols[self.name], cols[self.base]
        if env.get("dialect") == "postgresql":
            later = b + literal_column(f"interval '{int(self.hours * 3600)} seconds'")
            return and_(a.is_not(None), b.is_not(None), a <= later)
        # SQLite keeps times as text: compare them as Julian day numbers (days)
        return and_(a.is_not(None), b.is_not(None), func.julianday(a) <= func.julianday(b) + self.hours / 24)

    def fields(self) -> set[str]:
        return {self.name, self.base}


class _Null(Expr):
    def __init__(self, name: str, missing: bool) -> None:
        self.name, self.missing = name, missing

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        return (getattr(rec, self.name) is None) == self.missing

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        c = cols[self.name]
        return c.is_(None) if self.missing else c.is_not(None)

    def fields(self) -> set[str]:
        return {self.name}


class _Flag(Expr):
    """A yes/no field.  Its SQL is a condition the column map gives (``solved IS true``, or for
    ``designated`` a sub-query): a flag is often no column of the table at all."""

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        return bool(getattr(rec, self.name))

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        return cols[self.name]

    def fields(self) -> set[str]:
        return {self.name}


class _In(Expr):
    def __init__(self, name: str, values: frozenset[str], negated: bool) -> None:
        self.name, self.values, self.negated = name, values, negated

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        v = getattr(rec, self.name)
        return (v is None or v not in self.values) if self.negated else (v is not None and v in self.values)

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        from sqlalchemy import or_

        c, values = cols[self.name], sorted(self.values)
        return or_(c.is_(None), c.not_in(values)) if self.negated else c.in_(values)

    def fields(self) -> set[str]:
        return {self.name}


class _Bool(Expr):
    def __init__(self, op: str, parts: tuple[Expr, ...]) -> None:
        self.op, self.parts = op, parts

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        results = (p.test(rec, env) for p in self.parts)
        return all(results) if self.op == "and" else any(results)

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        from sqlalchemy import and_, or_

        return (and_ if self.op == "and" else or_)(*(p.sql(cols, env) for p in self.parts))

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))


class _Not(Expr):
    def __init__(self, inner: Expr) -> None:
        self.inner = inner

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        return not self.inner.test(rec, env)

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        from sqlalchemy import not_

        return not_(self.inner.sql(cols, env))

    def fields(self) -> set[str]:
        return self.inner.fields()


class _Always(Expr):
    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        return True

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        from sqlalchemy import true

        return true()

    def fields(self) -> set[str]:
        return set()


ALWAYS: Expr = _Always()


# ---------------------------------------------------------------- families, sources, counts, rates


@dataclass(frozen=True)
class Family:
    """One kind of record, and why a record of it is left out of every figure (still listed, marked)."""

    key: str
    excluded: tuple[tuple[str, Expr], ...]  # (reason shown in the drill-down, when) — first match names it

    def exclusion(self) -> Expr:
        out: Expr | None = None
        for _, e in self.excluded:
            out = e if out is None else out | e
        return out if out is not None else ~ALWAYS


@dataclass(frozen=True)
class Count:
    key: str  # a field of formulas.Counts
    label: str  # export column
    en: str
    when: Expr = ALWAYS  # which of the source's records it counts (ALWAYS: the source's total)


@dataclass(frozen=True)
class Source:
    key: str  # also the drill-down's ``measure``
    label: str  # the drill-down's title
    en: str
    family: Family
    dated_by: str  # the field whose time puts a record in a period (half-open [start, end))
    counts: tuple[Count, ...]
    where: Expr = ALWAYS  # which of the family's records belong to the source at all
    per_unit: bool = True  # False: a centre-wide figure (first contact)


def holds(src: Source, rec: Any, start: Any, end: Any, env: Mapping[str, Any]) -> bool:
    """Whether a plain record is one of the source's counted records in ``[start, end)``."""
    at = getattr(rec, src.dated_by)
    return (at is not None and start <= at < end and not src.family.exclusion().test(rec, env)
            and src.where.test(rec, env))


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    en: str
    num: tuple[str, ...]  # counts summed into the numerator
    den: str
    drill: str  # the source its figure links to
    num_if_basic: tuple[str, ...] = ()  # added to ``num`` when 基本满意 counts as satisfied (a setting)
    on_dashboard: bool = True  # in the dashboard's totals line (every rate is on /kpi and in the export)
    public: bool = False  # on /public/performance


ASSIGNMENT = Family("assignment", (("designation", F.designated.is_true()), ("merged", F.end_reason == "merged")))
RETURN = Family("return", (("designation", F.designated.is_true()),))
EVALUATION = Family("evaluation", (("appeal", F.excluded_reason == "appeal"),
                                   ("designation", F.excluded_reason.is_not_none())))
INTAKE = Family("intake", (("merged", F.merged.is_true()),))

# Assignments that ended before the unit could finish are not "due to complete" (merged ones are
# out of every figure already, ASSIGNMENT.excluded, and listed as such in the drill-down).
ENDED_EARLY = frozenset({"returned", "redispatched", "withdrawn"})

SOURCES: tuple[Source, ...] = (
    Source("dispatched", "派单（签收及时率、退单率分母）", "Dispatches (response and return rate base)",
           ASSIGNMENT, "assigned_at", (
               Count("dispatched", "派单数", "Dispatches"),
               Count("signed_on_time", "按时签收数", "Signed in time",
                     F.signed_at.is_not_none() & (F.sign_due_at.is_none() | (F.signed_at <= F.sign_due_at))),
               Count("signed_24h", "24小时内签收数", "Signed within 24 h", F.signed_at.within(F.assigned_at, hours=24)),
           )),
    Source("due", "应办结（按期办结率分母）", "Due to complete (on-time base)", ASSIGNMENT, "due_at", (
        Count("due", "应办结数", "Due to complete"),
        Count("on_time", "按期办结数", "Completed on time", F.replied_at <= F.due_at),
    ), where=F.end_reason.not_in(ENDED_EARLY) & ((F.due_at < AS_OF) | F.replied_at.is_not_none())),
    Source("returns", "退单", "Returns", RETURN, "at", (Count("returns", "退单数", "Returns"),)),
    Source("replied", "答复（重办率分母）", "Replies (reopen rate base)", ASSIGNMENT, "replied_at", (
        Count("replied", "答复数", "Replies"),)),
    Source("reopened", "重办", "Reopened", ASSIGNMENT, "ended_at", (Count("reopened", "重办数", "Reopened"),),
           where=F.end_reason == "reopened"),
    Source("evaluated", "评价（解决率、满意率分母）", "Evaluations (resolution and satisfaction base)",
           EVALUATION, "at", (
               Count("evaluated", "评价数", "Evaluations"),
               Count("solved", "解决数", "Solved", F.solved.is_true()),
               Count("satisfied", "满意数", "Satisfied", F.satisfaction == "satisfied"),
               Count("basic", "基本满意数", "Fairly satisfied", F.satisfaction == "basic"),
               Count("dissatisfied", "不满意数", "Dissatisfied", F.satisfaction == "dissatisfied"),
           ), where=F.unit_id.is_not_none()),
)
CENTRE_SOURCES: tuple[Source, ...] = (
    Source("received", "受理", "Received", INTAKE, "created_at", (
        Count("received", "受理量", "Orders received"),
        Count("first_contact_resolved", "首呼解决数", "Resolved at first contact", F.first_contact_resolved.is_true()),
    ), per_unit=False),
)

RATES: tuple[Rate, ...] = (
    Rate("response", "签收及时率", "Response rate", ("signed_on_time",), "dispatched", "dispatched", public=True),
    Rate("resolution", "解决率", "Resolution rate", ("solved",), "evaluated", "evaluated", public=True),
    Rate("satisfaction", "满意率", "Satisfaction rate", ("satisfied",), "evaluated", "evaluated",
         num_if_basic=("basic",), public=True),
    Rate("on_time", "按期办结率", "On-time completion rate", ("on_time",), "due", "due"),
    # Zhungeer Banner's 24-hour sign rate (DOMAIN.md), whatever sign limit the order had
    Rate("sign_24h", "24小时签收率", "24-hour sign rate", ("signed_24h",), "dispatched", "dispatched"),
    Rate("return_rate", "退单率", "Return rate", ("returns",), "dispatched", "returns", on_dashboard=False),
    Rate("reopen_rate", "重办率", "Reopen rate", ("reopened",), "replied", "reopened", on_dashboard=False),
)
CENTRE_RATES: tuple[Rate, ...] = (
    Rate("first_contact", "首呼解决率", "First-contact resolution rate", ("first_contact_resolved",), "received",
         "received"),
)

COUNTS: tuple[Count, ...] = tuple(c for s in SOURCES for c in s.counts)
COUNT_KEYS: tuple[str, ...] = tuple(c.key for c in COUNTS)
RATE_KEYS: tuple[str, ...] = tuple(r.key for r in RATES)
RATE_OF: dict[str, Rate] = {r.key: r for r in RATES + CENTRE_RATES}
SOURCE_OF: dict[str, Source] = {c.key: s for s in SOURCES + CENTRE_SOURCES for c in s.counts}
COUNT_OF: dict[str, Count] = {c.key: c for s in SOURCES + CENTRE_SOURCES for c in s.counts}
MEASURES: dict[str, str] = {s.key: s.label for s in SOURCES}  # the drill-down's measures


def row_key(count: str) -> str:
    """The key of a count in a ranking row: a count named like a rate (on_time) is ``<name>_count``."""
    return f"{count}_count" if count in RATE_KEYS else count


def english() -> dict[str, str]:
    """The English of every label here (collected into the KPI package's i18n catalogue)."""
    out = {r.label: r.en for r in RATES + CENTRE_RATES}
    out.update({c.label: c.en for c in COUNTS})
    out.update({s.label: s.en for s in SOURCES + CENTRE_SOURCES})
    return out


def check() -> None:
    """Definitions that cannot work are refused at import (a typo would otherwise count nothing)."""
    keys = [c.key for s in SOURCES + CENTRE_SOURCES for c in s.counts]
    if len(keys) != len(set(keys)):
        raise ValueError(f"a count is defined twice: {keys}")
    for r in RATES + CENTRE_RATES:
        for k in (*r.num, *r.num_if_basic, r.den):
            if k not in COUNT_OF:
                raise ValueError(f"rate {r.key}: unknown count {k}")
        if r.drill not in {s.key for s in SOURCES + CENTRE_SOURCES}:
            raise ValueError(f"rate {r.key}: unknown drill-down {r.drill}")


check()
