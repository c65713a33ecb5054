"""The KPI numbers computed in the database: the same definitions as ``formulas.py``, in SQL.

Each function aggregates one family of records per unit with GROUP BY over the
period, so a dashboard on a million orders reads a few index ranges rather than
loading rows (bench/kpi_dashboard.py times them).  ``tests/integration/test_kpi.py``
checks that these numbers equal the pure formulas on orders made through the real flows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.callbacks.models import Evaluation
from hotline.city.service import city_tz
from hotline.kpi.formulas import ENDED_EARLY, Counts, Period
from hotline.kpi.models import AssignmentLimit
from hotline.orders.models import Assignment, Order, OrderRequest

L, A, E = AssignmentLimit, Assignment, Evaluation


def _designated() -> Any:
    return select(UnitRequest.order_id).where(UnitRequest.kind == "designation", UnitRequest.state == "accepted")


def _n(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _in(col: Any, p: Period) -> Any:
    return and_(col >= p.start, col < p.end)


def unit_counts(db: Session, period: Period, *, as_of: datetime) -> dict[int, Counts]:
    """Counts per unit (not rolled up): dispatch, due, replied/reopened, returns, evaluations."""
    out: dict[int, Counts] = defaultdict(Counts)
    not_merged = or_(A.end_reason.is_(None), A.end_reason != "merged")
    not_desig = L.order_id.not_in(_designated())
    # 签收及时率 / 退单率 denominators
    q = (select(L.unit_id, func.count(), _n(and_(A.signed_at.is_not(None),
                                                 or_(L.sign_due_at.is_(None), A.signed_at <= L.sign_due_at))))
         .join(A, A.id == L.assignment_id)
         # A.assigned_at equals L.assigned_at (facts.record_limits copies it): the repeated range lets
         # PostgreSQL join two index-only range scans instead of reading every assignment
         .where(_in(L.assigned_at, period), _in(A.assigned_at, period), A.role == "lead", not_merged, not_desig)
         .group_by(L.unit_id))
    for uid, n, ok in db.execute(q):
        out[uid].dispatched, out[uid].signed_on_time = int(n), int(ok)
    # 按期办结率
    # the same invariant bounds the assignments to join: those made between the earliest and the latest
    # dispatch of the period's due rows (an exact bound, read from the index; no scan of all assignments)
    # (coalesce on a NOT NULL column: keeps PostgreSQL from walking the assigned_at index for min/max)
    at = func.coalesce(L.assigned_at, L.due_at)
    lo, hi = db.execute(select(func.min(at), func.max(at)).where(_in(L.due_at, period))).one()
    if lo is not None:  # else no assignment is due in the period
        q = (select(L.unit_id, func.count(), _n(A.replied_at <= L.due_at)).join(A, A.id == L.assignment_id)
             .where(_in(L.due_at, period), A.role == "lead", A.assigned_at >= lo, A.assigned_at <= hi, or_(A.end_reason.is_(None), A.end_reason.not_in(ENDED_EARLY)),
                    or_(L.due_at < as_of, A.replied_at.is_not(None)), not_desig)
             .group_by(L.unit_id))
        for uid, n, ok in db.execute(q):
            out[uid].due, out[uid].on_time = int(n), int(ok)
    # 重办率: reopened / replied, both by event time
    lead_ok = and_(A.role == "lead", not_merged, A.order_id.not_in(_designated()))
    for uid, n in db.execute(select(A.unit_id, func.count()).where(lead_ok, _in(A.replied_at, period))
                             .group_by(A.unit_id)):
        out[uid].replied = int(n)
    for uid, n in db.execute(select(A.unit_id, func.count()).where(  # "reopened" is never "merged"
            A.role == "lead", A.order_id.not_in(_designated()), A.end_reason == "reopened",
            _in(A.ended_at, period)).group_by(A.unit_id)):
        out[uid].reopened = int(n)
    # 退单 (approved returns, against the returning unit)
    R = OrderRequest
    for uid, n in db.execute(select(R.unit_id, func.count()).where(
            R.kind == "return", R.state == "approved", _in(R.decided_at, period),
            R.order_id.not_in(_designated())).group_by(R.unit_id)):
        out[uid].returns = int(n)
    # 解决率 / 满意率
    q = (select(E.unit_id, func.count(), _n(E.solved.is_(True)), _n(E.satisfaction == "satisfied"),
                _n(E.satisfaction == "basic"), _n(E.satisfaction == "dissatisfied"))
         .where(_in(E.at, period), E.excluded_reason.is_(None), E.unit_id.is_not(None)).group_by(E.unit_id))
    for uid, n, solved, sat, basic, dis in db.execute(q):
        c = out[uid]
        c.evaluated, c.solved, c.satisfied, c.basic, c.dissatisfied = (int(n), int(solved), int(sat), int(basic),
                                                                        int(dis))
    return {k: v for k, v in out.items() if any(v.as_dict().values())}


def first_contact(db: Session, period: Period) -> tuple[int, int]:
    row = db.execute(select(_n(Order.first_contact_resolved.is_(True)), func.count()).where(
        _in(Order.created_at, period), Order.status != "merged")).one()
    return int(row[0]), int(row[1])


# ---------------------------------------------------------------- dashboard figures


def _stretches(tz: tzinfo, p: Period) -> list[tuple[datetime, int]]:
    """(from, UTC offset in seconds) for each stretch of the period with one offset (a DST zone has several)."""
    def off(at: datetime) -> int:
        return int((at.astimezone(tz).utcoffset() or timedelta()).total_seconds())

    out = [(p.start, off(p.start))]
    at = p.start
    while at < p.end:
        nxt = min(at + timedelta(days=1), p.end - timedelta(seconds=1))  # a day ahead, inside the period
        if nxt <= at:
            break
        if off(nxt) != out[-1][1]:
            lo, hi = at, nxt  # lo has the old offset, hi the new one: find the minute of the change
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if off(mid) == out[-1][1] else (lo, mid)
            whole = hi.replace(second=0, microsecond=0)  # zones change on a whole minute
            out.append((whole if whole > lo else hi, off(hi)))
        at = nxt
    return out


def _local_day(db: Session, col: Any, p: Period) -> Any:
    """The city's calendar day (``city_tz``) of a UTC timestamp, for the rows of period ``p``."""
    tz = city_tz()
    if db.get_bind().dialect.name == "postgresql":
        # a date, not to_char(): formatting a string per row cost seconds on a year of orders
        return cast(func.timezone(str(tz), col), Date)
    # SQLite knows no zones: shift by the offset in force (one stretch per offset within the period)
    parts = _stretches(tz, p)
    if len(parts) == 1:
        return func.date(col, f"{parts[0][1]:+d} seconds")
    return case(*((col < nxt, func.date(col, f"{o:+d} seconds")) for (_, o), (nxt, _) in zip(parts, parts[1:], strict=False)),
                else_=func.date(col, f"{parts[-1][1]:+d} seconds"))


def daily_volume(db: Session, period: Period) -> list[tuple[str, int]]:
    day = _local_day(db, Order.created_at, period).label("day")
    q = select(day, func.count()).where(_in(Order.created_at, period)).group_by(day).order_by(day)
    return [(str(d), int(n)) for d, n in db.execute(q)]  # str(date) and SQLite's date() are both YYYY-MM-DD


def category_mix(db: Session, period: Period) -> list[tuple[str | None, int]]:
    top = func.substr(Order.category_code, 1, 2).label("top")
    q = select(top, func.count()).where(_in(Order.created_at, period)).group_by(top).order_by(func.count().desc())
    return [(t, int(n)) for t, n in db.execute(q)]


def territory_counts(db: Session, period: Period) -> dict[int | None, int]:
    q = select(Order.territory_unit_id, func.count()).where(_in(Order.created_at, period)).group_by(
        Order.territory_unit_id)
    return {u: int(n) for u, n in db.execute(q)}


def funnel(db: Session, period: Period) -> dict[str, int]:
    o = Order
    row = db.execute(select(func.count(), func.count(o.first_dispatched_at), func.count(o.signed_at),
                            func.count(o.replied_at), func.count(o.completed_at), func.count(o.closed_at))
                     .where(_in(o.created_at, period))).one()
    return dict(zip(("received", "dispatched", "signed", "replied", "completed", "closed"),
                    (int(x) for x in row), strict=True))
