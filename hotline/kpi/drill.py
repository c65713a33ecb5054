"""Drill-down: the records behind one figure of one unit (its subtree) in one period.

The rows are the source's records (``definitions.SOURCES``) selected by the same compiled
definitions as the figures (``queries.source_where``), each with a flag per count it passes, so
the number of counted rows with a count's flag is that count, by construction.

Excluded records are listed too, with the reason ("excluded: appeal accepted"),
so a unit can check that what it won on appeal really left its rates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from hotline.kpi import definitions as d
from hotline.kpi import queries
from hotline.kpi.formulas import Period
from hotline.orders.models import Order

MEASURES = d.MEASURES
EXCLUDED_ZH = {"appeal": "申诉已采纳，不计入考核", "designation": "不合理诉求，不计入考核", "merged": "已并单，不计入",
               "objection": "派单异议成立，不计入本单位"}


def _flag(cond: Any) -> Any:
    return case((cond, 1), else_=0)


def records(db: Session, *, unit_ids: list[int], measure: str, period: Period, as_of: datetime,
            limit: int = 500, rules: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """The rows of source ``measure``: number, title, time, ``ok`` (its first predicate, e.g. signed in
    time), ``counts`` (count → passes), ``excluded`` (the reason, or None) and a detail.  Only the
    exclusion rules that are on (``rules``; None: the KPI settings in force) mark a row excluded."""
    src = next(s for s in d.SOURCES if s.key == measure)
    fr = queries.frame_of(src)
    env = queries.env_of(db, as_of, rules)
    dated = fr.cols[src.dated_by]
    reasons = [(r, _flag(e.sql(fr.cols, env))) for r, e in src.family.rules()]
    flags = [_flag(c.when.sql(fr.cols, env)) for c in src.counts]
    q = (fr.tables(select(Order.number, Order.title, dated, fr.detail, *(f for _, f in reasons), *flags))
         .join(Order, Order.id == fr.order_id)
         .where(fr.cols["unit_id"].in_(unit_ids), *queries.source_where(src, fr, period, env, counted=False))
         .order_by(dated).limit(limit))
    judged = next((c for c in src.counts if c.when is not d.ALWAYS), None)
    out: list[dict[str, Any]] = []
    for number, title, at, detail, *rest in db.execute(q):
        hit = dict(zip((r for r, _ in reasons), rest[:len(reasons)], strict=True))
        counts = {c.key: bool(v) for c, v in zip(src.counts, rest[len(reasons):], strict=True)}
        out.append({"number": number, "title": title, "at": at, "detail": detail, "counts": counts,
                    "ok": counts[judged.key] if judged is not None else None,
                    "excluded": next((r for r, v in hit.items() if v), None)})
    return out
