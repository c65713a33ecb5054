"""The KPI numbers computed in the database: the definitions of ``definitions.py``, compiled to SQL.

Each source (``definitions.SOURCES``) is one GROUP BY per unit over the period, with one
``SUM(CASE …)`` per count, so a dashboard on a million orders reads a few index ranges rather
than loading rows (bench/kpi_dashboard.py times them).  What is counted comes from the
definitions; what lives here is only *where* each field is (``_frame``) and the hints that keep
the plans fast (``_HINTS``).  ``tests/integration/test_kpi_definitions.py`` checks, for every count,
that these numbers equal the pure formulas and the drill-down's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Date, and_, case, cast, exists, func, not_, select
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.callbacks.models import Evaluation
from hotline.city.service import city_tz
from hotline.kpi import definitions as d
from hotline.kpi.formulas import Counts, Period
from hotline.kpi.models import AssignmentLimit
from hotline.orders.models import Assignment, Order, OrderRequest
from hotline.org.memo import TransactionMemo

L, A, E, R = AssignmentLimit, Assignment, Evaluation, OrderRequest
#: KPI reads a page repeats (the same period's counts, the days with facts), once per transaction that writes nothing
READS = TransactionMemo("hotline.kpi.reads", None)


def _designated() -> Any:
    return select(UnitRequest.order_id).where(UnitRequest.kind == "designation", UnitRequest.state == "accepted")


def _objected(order_id: Any, unit_id: Any) -> Any:
    """This unit's 派单异议 on this order was sustained (correlated: per record's order and unit)."""
    return exists().where(UnitRequest.order_id == order_id, UnitRequest.unit_id == unit_id,
                          UnitRequest.kind == "objection", UnitRequest.state == "accepted")


def _n(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _in(col: Any, p: Period) -> Any:
    return and_(col >= p.start, col < p.end)


@dataclass(frozen=True)
class Frame:
    """Where a family's fields are: the columns (or, for a flag, the condition) of each field name,
    the tables to read, the scope every record of the family has, and the drill-down's columns."""

    cols: dict[str, Any]
    tables: Callable[[Any], Any]  # adds FROM/JOIN to a select
    scope: tuple[Any, ...]
    order_id: Any
    detail: Any


_LIMIT_FIELDS = {"sign_due_at", "due_at", "first_due_at"}


def _frame(family: d.Family, fields: set[str]) -> Frame:
    if family is d.ASSIGNMENT:
        if fields & _LIMIT_FIELDS or "assigned_at" in fields:  # the limits it was given: join their row
            # (assigned_at, unit_id and order_id are equal on both rows: facts.record_limits copies them;
            # reading them from the limit row lets PostgreSQL read its covering index)
            cols: dict[str, Any] = {"unit_id": L.unit_id, "assigned_at": L.assigned_at, "sign_due_at": L.sign_due_at,
                    "due_at": L.due_at, "first_due_at": L.first_due_at, "order_id": L.order_id}
            tables: Callable[[Any], Any] = lambda q: q.select_from(L).join(A, A.id == L.assignment_id)  # noqa: E731
        else:
            cols = {"unit_id": A.unit_id, "assigned_at": A.assigned_at, "order_id": A.order_id}
            tables = lambda q: q.select_from(A)  # noqa: E731
        cols |= {"signed_at": A.signed_at, "replied_at": A.replied_at, "ended_at": A.ended_at,
                 "end_reason": A.end_reason, "designated": cols["order_id"].in_(_designated()),
                 "objected": _objected(cols["order_id"], cols["unit_id"])}
        return Frame(cols, tables, (A.role == "lead",), cols["order_id"], A.end_reason)
    if family is d.RETURN:
        return Frame({"unit_id": R.unit_id, "at": R.decided_at, "designated": R.order_id.in_(_designated()),
                      "objected": _objected(R.order_id, R.unit_id)},
                     lambda q: q.select_from(R), (R.kind == "return", R.state == "approved"), R.order_id, R.reason)
    if family is d.EVALUATION:
        return Frame({"unit_id": E.unit_id, "at": E.at, "solved": E.solved.is_(True), "satisfaction": E.satisfaction,
                      "excluded_reason": E.excluded_reason, "objected": _objected(E.order_id, E.unit_id)}, lambda q: q.select_from(E), (), E.order_id, E.satisfaction)
    if family is d.INTAKE:
        o = Order
        return Frame({"created_at": o.created_at, "first_contact_resolved": o.first_contact_resolved.is_(True),
                      "enterprise": o.requester_type == "enterprise",
                      "merged": o.status == "merged"}, lambda q: q.select_from(o), (), o.id, o.status)
    raise ValueError(f"no columns for the family {family.key}")


def _fields(src: d.Source) -> set[str]:
    out = {src.dated_by} | src.where.fields() | src.family.exclusion().fields()
    for c in src.counts:
        out |= c.when.fields()
    return out


def frame_of(src: d.Source) -> Frame:
    return _frame(src.family, _fields(src))


def _hint_dispatched(db: Session, p: Period) -> list[Any] | None:
    # A.assigned_at equals L.assigned_at (facts.record_limits copies it): the repeated range lets
    # PostgreSQL join two index-only range scans instead of reading every assignment
    return [_in(A.assigned_at, p)]


def _hint_due(db: Session, p: Period) -> list[Any] | None:
    # the same invariant bounds the assignments to join: those made between the earliest and the latest
    # dispatch of the period's due rows (an exact bound, read from the index; no scan of all assignments)
    # (coalesce on a NOT NULL column: keeps PostgreSQL from walking the assigned_at index for min/max)
    at = func.coalesce(L.assigned_at, L.due_at)
    lo, hi = db.execute(select(func.min(at), func.max(at)).where(_in(L.due_at, p))).one()
    if lo is None:
        return None  # no assignment is due in the period
    return [A.assigned_at >= lo, A.assigned_at <= hi]


# Query-plan hints per source: extra conditions that change no result (None: nothing to count)
_HINTS: dict[str, Callable[[Session, Period], list[Any] | None]] = {"dispatched": _hint_dispatched,
                                                                     "due": _hint_due}


def env_of(db: Session, as_of: datetime, rules: frozenset[str] | None = None) -> dict[str, Any]:
    """What a compiled definition may need: the moment of computation, the SQL dialect, and the
    exclusion rules that are on (None: those of the KPI settings in force)."""
    if rules is None:
        from hotline.city.kpi_settings import kpi_settings

        rules = kpi_settings().exclusions.enabled()
    return {"as_of": as_of, "dialect": db.get_bind().dialect.name, "rules": rules}


def source_where(src: d.Source, fr: Frame, p: Period, env: dict[str, Any], *, counted: bool = True) -> list[Any]:
    """The source's records in the period (``counted``: without the excluded ones)."""
    out = [*fr.scope, _in(fr.cols[src.dated_by], p), src.where.sql(fr.cols, env)]
    if counted:
        out.append(not_(src.family.exclusion().sql(fr.cols, env)))
    return out


def _aggregates(src: d.Source, fr: Frame, env: dict[str, Any]) -> list[Any]:
    return [func.count() if c.when is d.ALWAYS else _n(c.when.sql(fr.cols, env)) for c in src.counts]


def _facts(live: bool) -> Any:
    """The daily facts module when figures may be read from it (``daily.active``), else None."""
    if live:
        return None
    from hotline.kpi import daily

    return daily if daily.active() else None


def unit_counts(db: Session, period: Period, *, as_of: datetime,
                rules: frozenset[str] | None = None, live: bool = False) -> dict[int, Counts]:
    """Counts per unit (not rolled up): every source of ``definitions.SOURCES``, one query each
    (``rules``: the exclusion rules that are on; None: the KPI settings in force).  Unless ``live``,
    the clean settled days come from the daily facts (``daily.py``), equal by construction."""
    env = env_of(db, as_of, rules)
    if (facts := _facts(live)) is not None:
        return facts.unit_counts(db, period, as_of=as_of, rules=env["rules"])
    out: dict[int, Counts] = defaultdict(Counts)
    for src in d.SOURCES:
        hint = _HINTS.get(src.key, lambda db, p: [])(db, period)
        if hint is None:
            continue
        fr = frame_of(src)
        q = fr.tables(select(fr.cols["unit_id"], *_aggregates(src, fr, env))).where(
            *source_where(src, fr, period, env), *hint).group_by(fr.cols["unit_id"])
        for uid, *ns in db.execute(q):
            c = out[uid]
            for cnt, n in zip(src.counts, ns, strict=True):
                setattr(c, cnt.key, int(n))
    return {k: v for k, v in out.items() if any(v.as_dict().values())}


def first_contact(db: Session, period: Period, rules: frozenset[str] | None = None,
                  live: bool = False) -> tuple[int, int]:
    """首呼解决率 numerator and denominator (``definitions.CENTRE_RATES``) for the whole centre:
    counts of its source (``centre_counts``)."""
    rate = d.RATE_OF["first_contact"]
    if d.SOURCE_OF[rate.den] is not d.SOURCE_OF["received"]:
        raise ValueError("first_contact: its base is no longer the intake source (centre_counts)")
    row = centre_counts(db, period, rules, live=live)
    return sum(int(row[k]) for k in rate.num), int(row[rate.den])


def centre_counts(db: Session, period: Period, rules: frozenset[str] | None = None,
                  live: bool = False) -> dict[str, int]:
    """Every count of the centre's intake source (``definitions.CENTRE_SOURCES``: received, first contact,
    enterprise demands) for the whole centre."""
    src = d.SOURCE_OF["received"]
    env = env_of(db, period.end, rules)
    facts = _facts(live)

    def build() -> dict[str, int]:
        if facts is not None:
            return facts.centre_counts(db, period, env["rules"])
        fr = frame_of(src)
        row = db.execute(fr.tables(select(*_aggregates(src, fr, env))).where(*source_where(src, fr, period, env))).one()
        return {c.key: int(n or 0) for c, n in zip(src.counts, row, strict=True)}

    # a monthly report asks for the same period's centre counts from three sections: read once while
    # the transaction writes nothing (READS is forgotten at any write, commit or rollback)
    return dict(READS.get(db, ("centre_counts", period, env["rules"], facts is not None), build))


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


def daily_volume(db: Session, period: Period, live: bool = False) -> list[tuple[str, int]]:
    if (facts := _facts(live)) is not None:
        return facts.daily_volume(db, period)
    day = _local_day(db, Order.created_at, period).label("day")
    q = select(day, func.count()).where(_in(Order.created_at, period)).group_by(day).order_by(day)
    return [(str(d), int(n)) for d, n in db.execute(q)]  # str(date) and SQLite's date() are both YYYY-MM-DD


def category_raw(db: Session, period: Period, live: bool = False) -> dict[str | None, int]:
    """Orders per category code (as filed): one GROUP BY."""
    if (facts := _facts(live)) is not None:
        return facts.category_raw(db, period)
    q = select(Order.category_code, func.count()).where(_in(Order.created_at, period)).group_by(Order.category_code)
    return {code: int(n) for code, n in db.execute(q)}


def category_mix(db: Session, period: Period, live: bool = False) -> list[tuple[str | None, int]]:
    """Orders per first-level category, by the live category tree (``routing.service.branches``: a
    category moved in the catalogue counts under its new branch), from the counts per code."""
    from hotline.routing.service import branches

    top_of = branches(db)
    out: dict[str | None, int] = defaultdict(int)
    for code, n in category_raw(db, period, live=live).items():
        out[None if code is None else top_of.get(code, code[:2])] += int(n)
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0] or ""))


def territory_counts(db: Session, period: Period, live: bool = False) -> dict[int | None, int]:
    if (facts := _facts(live)) is not None:
        return facts.territory_counts(db, period)
    q = select(Order.territory_unit_id, func.count()).where(_in(Order.created_at, period)).group_by(
        Order.territory_unit_id)
    return {u: int(n) for u, n in db.execute(q)}


def funnel(db: Session, period: Period, live: bool = False) -> dict[str, int]:
    if (facts := _facts(live)) is not None:
        return facts.funnel(db, period)
    o = Order
    row = db.execute(select(func.count(), func.count(o.first_dispatched_at), func.count(o.signed_at),
                            func.count(o.replied_at), func.count(o.completed_at), func.count(o.closed_at))
                     .where(_in(o.created_at, period))).one()
    return dict(zip(("received", "dispatched", "signed", "replied", "completed", "closed"),
                    (int(x) for x in row), strict=True))
