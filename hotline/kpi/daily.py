"""The daily facts table: each KPI count per unit per local day, so a year is a sum of days.

Why: every count is additive over the local days of its source's ``dated_by`` field, so a period's
counts are the sum of its days' counts — provided a day is *settled* (its end is before the moment
of computation: the only AS_OF predicate, ``definitions.PAST_DUE``, is then true for every record
due in that day) and its facts were computed under the same exclusion rules.  A year's rankings on a
million orders then read ~365 × units rows instead of a million (bench/kpi_dashboard.py --facts).

Nothing here is a second copy of a formula: a day's facts are the live queries of ``queries.py``
over that one day (``refresh_day``), and a period is the facts of its clean settled days plus the
same live queries over the rest (today, dirty days, days without facts, partial days) — so the
result is identical to the live path (tests/integration/test_kpi_daily_facts.py checks both ways).

What dirties a day (``_before_flush`` / ``_after_flush``): any flush that adds, changes or deletes
an order, an assignment, its limits, an order request (returns), an evaluation or a unit request
(designation, objection) marks every local day that order contributes to, read from the database
before the flush (the old values: a moved deadline) and after it (the new ones), in the same
transaction.  A Core bulk INSERT/UPDATE/DELETE on those tables (``_bulk``) cannot say which orders
it touched: it marks every day that has facts.  A refresh clears a mark only at the version it
read, so a write that lands while the day is recomputed leaves it dirty (``refresh_day``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, or_, select, text, update
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.callbacks.models import Evaluation
from hotline.db import transaction_scoped
from hotline.kpi import definitions as d
from hotline.kpi import periods
from hotline.kpi.formulas import Counts, Period
from hotline.kpi.models import AssignmentLimit, DailyFact, DirtyDay, FactDay
from hotline.orders.models import Assignment, Order, OrderRequest

log = logging.getLogger(__name__)
N = (DailyFact.n1, DailyFact.n2, DailyFact.n3, DailyFact.n4, DailyFact.n5, DailyFact.n6)
FUNNEL = ("received", "dispatched", "signed", "replied", "completed", "closed")
_SRC = {s.key: s for s in d.SOURCES}
_live: ContextVar[bool] = ContextVar("hotline_kpi_live", default=False)


# ---------------------------------------------------------------- switches and days


@contextmanager
def live_only() -> Any:
    """Compute every figure from the raw rows inside the block (tests, comparisons)."""
    token = _live.set(True)
    try:
        yield
    finally:
        _live.reset(token)


def active() -> bool:
    """Whether reads use the facts: the setting ``HOTLINE_KPI_FACTS`` and no ``live_only`` block."""
    from hotline.config import get_settings

    return get_settings().kpi_facts and not _live.get()


def rules_key(rules: Iterable[str]) -> str:
    return ",".join(sorted(rules))


def current_rules() -> frozenset[str]:
    from hotline.city.kpi_settings import kpi_settings

    return kpi_settings().exclusions.enabled()


#: A day is computed only this long after its end, and a write marks only days that have ended.  So the
#: day every intake writes to (today) takes no row lock on kpi_dirty_days (one hot row serialized every
#: intake of the day, bench/intake.py: 17 → 5 orders/s), and a write flushed before the day's end is
#: seen by the refresh unless its transaction stays open more than this long after that flush.
SETTLE_LAG = timedelta(hours=1)


def last_settled(now: datetime) -> date:
    """The last local day a refresh at ``now`` computes: ended at least ``SETTLE_LAG`` ago."""
    day = periods.local_date(now)
    while periods._at(day + timedelta(days=1)) + SETTLE_LAG > now:
        day -= timedelta(days=1)
    return day


def day_period(day: date) -> Period:
    """A local day as a UTC period (``periods._at``: where every period boundary falls)."""
    return Period(periods._at(day), periods._at(day + timedelta(days=1)))


def plan(db: Session, period: Period, rules: frozenset[str] | None, *, settled_by: datetime | None
         ) -> tuple[list[tuple[date, date]], list[Period]]:
    """Split a period into runs of days read from the facts (inclusive local dates) and the periods to
    compute live.  A day is read from the facts when it lies whole inside the period, its end is not
    after ``settled_by`` (None: any day that has facts), its facts are of these rules (None: of any
    rules, for the orders figures that no rule touches) and it is clean."""
    first = periods.local_date(period.start)
    if periods._at(first) < period.start:
        first += timedelta(days=1)
    last = periods.local_date(period.end - timedelta(microseconds=1))
    if periods._at(last + timedelta(days=1)) > period.end:
        last -= timedelta(days=1)
    if settled_by is not None:
        while last >= first and periods._at(last + timedelta(days=1)) > settled_by:
            last -= timedelta(days=1)
    if last < first:
        return [], [period]
    have = _clean_fact_days(db, first, last, rules)
    runs: list[tuple[date, date]] = []
    live: list[Period] = []
    at = period.start  # the start of the stretch not yet placed

    def live_to(end: datetime) -> None:
        if end > at:
            if live and live[-1].end == at:
                live[-1] = Period(live[-1].start, end)
            else:
                live.append(Period(at, end))

    day = first
    while day <= last:
        if day not in have:
            day += timedelta(days=1)
            continue
        run_end = day
        while run_end + timedelta(days=1) <= last and run_end + timedelta(days=1) in have:
            run_end += timedelta(days=1)
        live_to(periods._at(day))
        runs.append((day, run_end))
        at = periods._at(run_end + timedelta(days=1))
        day = run_end + timedelta(days=1)
    live_to(period.end)
    return runs, live


def _clean_fact_days(db: Session, first: date, last: date, rules: frozenset[str] | None) -> set[date]:
    """The days in [first, last] that have facts (of ``rules``; None: of any) and are clean: read once per
    transaction that writes nothing (a report plans the same month for several sections)."""
    from hotline.kpi.queries import READS

    def build() -> frozenset[date]:
        q = select(FactDay.day).where(FactDay.day >= first, FactDay.day <= last)
        have = set(db.scalars(q if rules is None else q.where(FactDay.rules == rules_key(rules))))
        if have:
            have -= set(db.scalars(select(DirtyDay.day).where(DirtyDay.day >= first, DirtyDay.day <= last,
                                                              DirtyDay.version > DirtyDay.clean)))
        return frozenset(have)

    return set(READS.get(db, ("fact_days", first, last, None if rules is None else rules_key(rules)), build))


def _days(runs: list[tuple[date, date]]) -> Any:
    return or_(*(DailyFact.day.between(a, b) for a, b in runs))


def _unit(uid: int) -> int | None:
    return None if uid == 0 else uid


# ---------------------------------------------------------------- the read path (queries.py delegates here)


def unit_counts(db: Session, period: Period, *, as_of: datetime, rules: frozenset[str]) -> dict[int, Counts]:
    from hotline.kpi import queries

    runs, live = plan(db, period, rules, settled_by=as_of)
    out: dict[Any, Counts] = defaultdict(Counts)
    if runs:
        q = (select(DailyFact.kind, DailyFact.unit_id, *(func.sum(n) for n in N[:5]))
             .where(DailyFact.kind.in_(list(_SRC)), _days(runs)).group_by(DailyFact.kind, DailyFact.unit_id))
        for kind, uid, *ns in db.execute(q):
            c = out[_unit(uid)]
            for cnt, n in zip(_SRC[kind].counts, ns, strict=False):
                setattr(c, cnt.key, getattr(c, cnt.key) + int(n or 0))
    for p in live:
        for uid, c in queries.unit_counts(db, p, as_of=as_of, rules=rules, live=True).items():
            out[uid] = out[uid] + c
    return {k: v for k, v in out.items() if any(v.as_dict().values())}


def centre_counts(db: Session, period: Period, rules: frozenset[str]) -> dict[str, int]:
    from hotline.kpi import queries

    src = d.SOURCE_OF["received"]
    runs, live = plan(db, period, rules, settled_by=None)
    out = {c.key: 0 for c in src.counts}
    if runs:
        row = db.execute(select(*(func.sum(n) for n in N[:len(src.counts)]))
                         .where(DailyFact.kind == "received", _days(runs))).one()
        for c, n in zip(src.counts, row, strict=True):
            out[c.key] += int(n or 0)
    for p in live:
        for k, n in queries.centre_counts(db, p, rules, live=True).items():
            out[k] += n
    return out


def _order_facts(db: Session, period: Period) -> tuple[list[tuple[date, date]], list[Period]]:
    # volume, categories, territory and funnel count every order (no exclusion rule, no AS_OF)
    return plan(db, period, None, settled_by=None)


def daily_volume(db: Session, period: Period) -> list[tuple[str, int]]:
    from hotline.kpi import queries

    runs, live = _order_facts(db, period)
    out: dict[str, int] = defaultdict(int)
    if runs:
        for day, n in db.execute(select(DailyFact.day, DailyFact.n1).where(DailyFact.kind == "funnel", _days(runs))):
            out[str(day)] += int(n)
    for p in live:
        for day_s, n in queries.daily_volume(db, p, live=True):
            out[day_s] += n
    return sorted((k, v) for k, v in out.items() if v)


def category_raw(db: Session, period: Period) -> dict[str | None, int]:
    from hotline.kpi import queries

    runs, live = _order_facts(db, period)
    out: dict[str | None, int] = defaultdict(int)
    if runs:
        q = select(DailyFact.code, func.sum(DailyFact.n1)).where(DailyFact.kind == "category", _days(runs)).group_by(
            DailyFact.code)
        for code, n in db.execute(q):
            out[code[2:] if code else None] += int(n)
    for p in live:
        for k, n in queries.category_raw(db, p, live=True).items():
            out[k] += n
    return {k: v for k, v in out.items() if v}


def territory_counts(db: Session, period: Period) -> dict[int | None, int]:
    from hotline.kpi import queries

    runs, live = _order_facts(db, period)
    out: dict[int | None, int] = defaultdict(int)
    if runs:
        q = select(DailyFact.unit_id, func.sum(DailyFact.n1)).where(DailyFact.kind == "territory", _days(runs)
                                                                    ).group_by(DailyFact.unit_id)
        for uid, n in db.execute(q):
            out[_unit(uid)] += int(n)
    for p in live:
        for k, n in queries.territory_counts(db, p, live=True).items():
            out[k] += n
    return {k: v for k, v in out.items() if v}


def funnel(db: Session, period: Period) -> dict[str, int]:
    from hotline.kpi import queries

    runs, live = _order_facts(db, period)
    out = dict.fromkeys(FUNNEL, 0)
    if runs:
        row = db.execute(select(*(func.sum(n) for n in N)).where(DailyFact.kind == "funnel", _days(runs))).one()
        for k, n in zip(FUNNEL, row, strict=True):
            out[k] += int(n or 0)
    for p in live:
        for k, n in queries.funnel(db, p, live=True).items():
            out[k] += n
    return out


# ---------------------------------------------------------------- refresh


def _fact_rows(db: Session, day: date, now: datetime, rules: frozenset[str]) -> list[dict[str, Any]]:
    """The day's facts: the live queries over that one day (``queries.py``), as rows."""
    from hotline.kpi import queries

    p = day_period(day)
    rows: list[dict[str, Any]] = []

    def add(kind: str, ns: Iterable[int], unit_id: int | None = None, code: str = "") -> None:
        vals = [int(n) for n in ns]
        vals += [0] * (len(N) - len(vals))
        if any(vals):
            rows.append({"day": day, "kind": kind, "unit_id": unit_id or 0, "code": code,
                         **{f"n{i + 1}": v for i, v in enumerate(vals)}})

    for uid, c in queries.unit_counts(db, p, as_of=now, rules=rules, live=True).items():
        for src in d.SOURCES:
            add(src.key, (getattr(c, cnt.key) for cnt in src.counts), uid)
    centre = queries.centre_counts(db, p, rules, live=True)
    add("received", (centre[c.key] for c in d.SOURCE_OF["received"].counts))
    fun = queries.funnel(db, p, live=True)
    add("funnel", (fun[k] for k in FUNNEL))
    for code, n in queries.category_raw(db, p, live=True).items():
        add("category", (n,), code="" if code is None else f"c:{code}")
    for tid, n in queries.territory_counts(db, p, live=True).items():
        add("territory", (n,), tid)
    return rows


def _insert(db: Session) -> Any:
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _upsert(db: Session, model: Any, values: dict[str, Any], update: dict[str, Any]) -> None:
    stmt = _insert(db)(model.__table__).values(**values)
    db.connection().execute(stmt.on_conflict_do_update(index_elements=["city_id", "day"], set_=update))


def refresh_day(db: Session, day: date, *, now: datetime, rules: frozenset[str]) -> None:
    """Recompute one settled day and clear its dirty mark, in the caller's transaction (commit after).

    The order matters: the dirty mark's version is read first, then the day's row in kpi_fact_days
    is written (it locks the day against a second refresh), then the facts are computed and the mark
    is cleared up to the version read only — a write that marks the day meanwhile bumps it and stays."""
    from hotline.city.tenancy import current_city_id

    if day > last_settled(now):
        raise ValueError(f"{day} is not settled at {now.isoformat()}")
    city = current_city_id()
    seen = db.scalar(select(DirtyDay.version).where(DirtyDay.day == day))
    _upsert(db, FactDay, {"city_id": city, "day": day, "rules": rules_key(rules), "computed_at": now},
            {"rules": rules_key(rules), "computed_at": now})
    db.execute(delete(DailyFact).where(DailyFact.day == day))
    rows = _fact_rows(db, day, now, rules)
    if rows:
        db.connection().execute(DailyFact.__table__.insert(), [{"city_id": city, **r} for r in rows])
    if seen is not None:
        db.execute(update(DirtyDay).where(DirtyDay.day == day, DirtyDay.clean < seen).values(clean=seen))


def first_day(db: Session) -> date | None:
    """The earliest local day any source dates a record in (the facts start there)."""
    cols = (Order.created_at, AssignmentLimit.assigned_at, AssignmentLimit.due_at, Assignment.replied_at,
            Assignment.ended_at, OrderRequest.decided_at, Evaluation.at)
    at = [db.scalar(select(func.min(c))) for c in cols]
    found = [a for a in at if a is not None]
    return periods.local_date(min(found)) if found else None


def due_days(db: Session, *, now: datetime, rules: frozenset[str], rebuild: bool = False) -> list[date]:
    """The settled days to compute: dirty ones, those without facts (or with facts of other rules),
    or every one (``rebuild``)."""
    start = first_day(db)
    if start is None:
        return []
    last = last_settled(now)
    every = [start + timedelta(days=i) for i in range((last - start).days + 1)]
    if rebuild:
        return every
    have = set(db.scalars(select(FactDay.day).where(FactDay.rules == rules_key(rules))))
    dirty = set(db.scalars(select(DirtyDay.day).where(DirtyDay.version > DirtyDay.clean)))
    return [x for x in every if x not in have or x in dirty]


def refresh_in(db: Session, *, now: datetime, rebuild: bool = False) -> int:
    """Recompute the acting city's due days in the caller's transaction (tests; the CLI commits per day)."""
    rules = current_rules()
    todo = due_days(db, now=now, rules=rules, rebuild=rebuild)
    for day in todo:
        refresh_day(db, day, now=now, rules=rules)
    return len(todo)


def refresh(session_factory: Any, *, now: datetime, rebuild: bool = False, limit: int | None = None
            ) -> dict[str, Any]:
    """Recompute the acting city's due days (``due_days``), one transaction per day, the newest first:
    a pass cut short by ``limit`` (the worker's) has made the recent months' dashboards and the last
    monthly report fast first, and years of history follow in later passes (the demo seeds four)."""
    with session_factory() as db:
        rules = current_rules()
        todo = sorted(due_days(db, now=now, rules=rules, rebuild=rebuild), reverse=True)
    done = 0
    for day in todo[:limit] if limit is not None else todo:
        with session_factory() as db:
            refresh_day(db, day, now=now, rules=rules)
            db.commit()
        done += 1
    if rebuild and done:
        with session_factory() as db:
            if db.get_bind().dialect.name == "postgresql":  # fresh statistics: else the first sums plan
                db.execute(text("ANALYZE kpi_daily_facts"))  # for one row and sort on disk (×3 slower)
                db.commit()
    return {"days": done, "left": len(todo) - done}


_last_run: dict[int, datetime] = {}
EVERY = timedelta(minutes=5)


def refresh_task(*, now: datetime) -> dict[str, Any]:
    """The worker's maintenance task, at most every 5 minutes per city, 62 days per pass (a first
    pass over years of history is spread over passes; until then those days are read live)."""
    from hotline.city.tenancy import current_scope
    from hotline.config import get_settings
    from hotline.db import session_factory

    if not get_settings().kpi_facts:
        return {"skipped": "off"}
    city = current_scope().id or 0
    if city in _last_run and timedelta(0) <= now - _last_run[city] < EVERY:
        return {"skipped": "fresh"}
    _last_run[city] = now
    try:
        return refresh(session_factory(), now=now, limit=62)
    except Exception:  # noqa: BLE001  (a race with another worker, or worse: never the pass's deliveries)
        _last_run.pop(city, None)  # the next pass tries again; until then the days are read live
        log.exception("kpi facts refresh failed")
        return {"failed": True}


# ---------------------------------------------------------------- what dirties a day

_WATCHED = (Order, Assignment, AssignmentLimit, OrderRequest, Evaluation, UnitRequest)
_WATCHED_TABLES = frozenset(m.__table__.name for m in _WATCHED)  # type: ignore[attr-defined]


def days_of(db: Session, order_ids: set[int]) -> set[date]:
    """Every local day the orders contribute a figure to, as the database holds them now."""
    if not order_ids:
        return set()
    ids = sorted(order_ids)
    stamps: list[datetime | None] = list(db.scalars(select(Order.created_at).where(Order.id.in_(ids))))
    for row in db.execute(select(Assignment.assigned_at, Assignment.replied_at, Assignment.ended_at)
                          .where(Assignment.order_id.in_(ids))):
        stamps.extend(row)
    for row in db.execute(select(AssignmentLimit.assigned_at, AssignmentLimit.due_at)
                          .where(AssignmentLimit.order_id.in_(ids))):
        stamps.extend(row)
    stamps.extend(db.scalars(select(OrderRequest.decided_at).where(OrderRequest.order_id.in_(ids))))
    stamps.extend(db.scalars(select(Evaluation.at).where(Evaluation.order_id.in_(ids))))
    return {periods.local_date(s) for s in stamps if s is not None}


def mark(db: Session, days: Iterable[date]) -> None:
    """Mark days dirty (or bump their version), on the session's connection: no flush, no ORM events."""
    from hotline.city.tenancy import current_city_id
    from hotline.db import utcnow

    now = utcnow()  # a day not yet ended has no facts, and gets none before SETTLE_LAG after its end
    days = sorted(x for x in set(days) if periods._at(x + timedelta(days=1)) <= now)
    if not days:
        return
    city = current_city_id()
    t = DirtyDay.__table__
    db.connection().execute(_insert(db)(t).on_conflict_do_update(index_elements=["city_id", "day"],
                                                                set_={"version": t.c.version + 1}),
                            [{"city_id": city, "day": day, "version": 1, "clean": 0} for day in days])


def _order_id(obj: Any) -> int | None:
    return obj.id if isinstance(obj, Order) else getattr(obj, "order_id", None)


_TODAY_KEY = "kpi_orders_of_today"  # order id → its local creation day, for orders inserted by this session


def _of_today(session: Session, ids: set[int]) -> set[int]:
    """The orders this session inserted whose local creation day has not ended.

    Such an order has no record dated on an ended day (assignments, limits, requests and evaluations all come
    after the order), so no figure of an ended day can change through it and ``days_of`` need not read its rows:
    a new intake's hooks flush several times, and each read was a round trip on the request path (issue #15).
    A record set to an earlier time by hand is still seen: ``_held_days`` reads the touched rows' own values."""
    from hotline.db import utcnow

    held: dict[int, date] = session.info.get(_TODAY_KEY) or {}
    now = utcnow()
    return {i for i in ids if (d := held.get(i)) is not None and periods._at(d + timedelta(days=1)) > now}


def _held_days(objs: Iterable[Any]) -> set[date]:
    """The local days of every time the touched rows hold, now and before this flush."""
    from sqlalchemy import inspect

    out: set[date] = set()
    for o in objs:
        st = inspect(o)
        for attr in st.mapper.column_attrs:
            h = st.attrs[attr.key].history
            for v in (*h.added, *h.unchanged, *h.deleted):
                if isinstance(v, datetime):
                    out.add(periods.local_date(v))
    return out


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, ctx: Any, instances: Any) -> None:
    touched = [o for o in (*session.new, *session.deleted) if isinstance(o, _WATCHED)]
    touched += [o for o in session.dirty if isinstance(o, _WATCHED) and session.is_modified(o)]
    if not touched:
        return
    old = {i for o in touched if o not in session.new and (i := _order_id(o)) is not None}
    today = _of_today(session, old)
    session.info.setdefault("kpi_dirty_objs", []).extend(touched)
    days = session.info.setdefault("kpi_dirty_days", set())
    days.update(days_of(session, old - today))
    if today:
        days.update(_held_days(o for o in touched if _order_id(o) in today))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, ctx: Any) -> None:
    objs = session.info.pop("kpi_dirty_objs", None)
    days = session.info.pop("kpi_dirty_days", set())
    if objs is None:
        return
    for o in objs:  # remember the orders inserted now, with their local creation day
        if isinstance(o, Order) and o in session.new and o.id is not None and o.created_at is not None:
            session.info.setdefault(_TODAY_KEY, {})[o.id] = periods.local_date(o.created_at)
    ids = {i for o in objs if (i := _order_id(o)) is not None}
    today = _of_today(session, ids)
    if today:
        days |= _held_days(o for o in objs if _order_id(o) in today)
    mark(session, days | days_of(session, ids - today))


transaction_scoped(_TODAY_KEY)  # forgotten at the transaction's end and at a savepoint rolled back


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: Any) -> None:
    """A Core INSERT/UPDATE/DELETE on a watched table names no orders: every day with facts is marked."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)  # ORM update(Order) and Core update(orders) alike
    if getattr(table, "name", None) not in _WATCHED_TABLES:
        return
    db = state.session
    if db.info.get("kpi_bulk_marking"):
        return
    db.info["kpi_bulk_marking"] = True
    try:
        mark(db, db.execute(select(FactDay.day)).scalars().all())
    finally:
        db.info.pop("kpi_bulk_marking", None)
