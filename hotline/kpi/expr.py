"""A small expression language for the KPI predicates (``definitions.py``): one predicate, two readings.

``Expr.test`` answers it on a plain record (the pure formulas), ``Expr.sql`` compiles it to a SQL
condition given where each field is (``queries._frame``).  Only what the KPIs need is here;
a new kind of comparison is one more ``Expr`` with both readings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any


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
        from sqlalchemy import and_, or_

        c, values = cols[self.name], sorted(self.values)
        # spelled out for NULL, so that NOT of it is the Python ``not`` too
        return or_(c.is_(None), c.not_in(values)) if self.negated else and_(c.is_not(None), c.in_(values))

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


class Rule(Expr):
    """An exclusion rule's switch (``kpi.exclusions`` of the KPI settings in force): true when the rule
    is on.  ``env["rules"]`` holds the rules that are on; without it every rule is on (the defaults).
    In SQL it is a constant, so a rule that is off drops its condition from the query."""

    def __init__(self, name: str) -> None:
        self.name = name

    def on(self, env: Mapping[str, Any]) -> bool:
        rules = env.get("rules")
        return rules is None or self.name in rules

    def test(self, rec: Any, env: Mapping[str, Any]) -> bool:
        return self.on(env)

    def sql(self, cols: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
        from sqlalchemy import false, true

        return true() if self.on(env) else false()

    def fields(self) -> set[str]:
        return set()

