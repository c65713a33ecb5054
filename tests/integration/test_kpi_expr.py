"""The KPI predicate language (hotline/kpi/expr.py) means the same in Python and in SQL, missing
values included: every expression, negated or not, selects the same rows both ways."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from hotline.db import UTCDateTime
from hotline.kpi.expr import AS_OF, F

T0 = datetime(2026, 3, 1, tzinfo=UTC)
meta = MetaData()
rows_t = Table("kpi_expr_probe", meta, Column("id", Integer, primary_key=True), Column("a", UTCDateTime),
               Column("b", UTCDateTime), Column("s", String(16)), Column("flag", Boolean))
TIMES = [None, T0, T0 + timedelta(hours=23, minutes=59), T0 + timedelta(hours=24, minutes=1)]
EXPRS = {
    "a <= b": F.a <= F.b, "a < as_of": F.a < AS_OF, "s == x": F.s == "x", "s in": F.s.in_({"x", "y"}),
    "s not in": F.s.not_in({"x"}), "a is none": F.a.is_none(), "flag": F.flag.is_true(),
    "a within 24h of b": F.a.within(F.b, hours=24), "or": (F.a <= F.b) | F.s.is_not_none(),
    "and": (F.s == "y") & (F.b < AS_OF),
}


@pytest.fixture
def probe(db: Session) -> list[SimpleNamespace]:
    rows_t.create(db.connection(), checkfirst=True)
    recs = []
    for i, (a, b, s, flag) in enumerate(itertools.product(TIMES, TIMES[:2] + [T0 + timedelta(hours=2)],
                                                          [None, "x", "y"], [None, True, False])):
        recs.append(SimpleNamespace(id=i + 1, a=a, b=b, s=s, flag=flag))
    db.execute(rows_t.insert(), [vars(r) for r in recs])
    return recs


@pytest.mark.parametrize("name", list(EXPRS))
def test_python_and_sql_select_the_same_rows(db: Session, probe: list[SimpleNamespace], name: str) -> None:
    env = {"as_of": T0 + timedelta(hours=1), "dialect": db.get_bind().dialect.name}
    cols = {"a": rows_t.c.a, "b": rows_t.c.b, "s": rows_t.c.s, "flag": rows_t.c.flag.is_(True)}
    for expr in (EXPRS[name], ~EXPRS[name]):
        want = {r.id for r in probe if expr.test(r, env)}
        got = set(db.scalars(select(rows_t.c.id).where(expr.sql(cols, env))))
        assert got == want, name
        assert 0 < len(want) < len(probe) or name == "flag"  # the probe tells the rows apart
    assert db.scalar(select(func.count()).select_from(rows_t)) == len(probe)
