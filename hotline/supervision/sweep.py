"""The deadline sweep: 催办 when an order turns yellow, 督办 when a deadline passes.

What it looks at: orders whose clock runs (dispatched, in_progress,
return_requested, replied; a suspended order's clock is paused, so it is
skipped).  For each crossing it raises exactly once:

- ``due_soon``: the complete deadline's light turned yellow (share of time used
  ≥ the city's ``due_soon_ratio``, measured in the limit's kind of time) →
  an automatic 催办 (``urge``) by the system to the lead unit;
- ``sign_overdue`` / ``reply_overdue`` / ``overdue``: the sign, reply or
  complete deadline passed → 督办 (``supervise``) by the system, which
  notifies the lead unit and its leaders.  The deadlines one order has passed
  by the time of a sweep are one trigger: the first kind claims the others'
  alerts too and names them in its note, so an order found long overdue gets
  one 督办, not three.  A later crossing (say the reply deadline, days after
  the sign 督办) raises the order's open notice one level
  (``hotline.supervision.flows``: one open notice per order).

Once: an ``sla_alerts`` row keyed (order, kind, deadline) is inserted in the
same transaction as the action, with ``ON CONFLICT DO NOTHING``; a second
sweep, or a second worker racing this one, gets no row back and does nothing.
A moved deadline (extension, resume) is a new key and may raise again.

Cheap: each kind is one indexed query for candidates (``status`` + deadline
range, anti-joined with the alerts already raised), walked by id in batches,
each batch in its own transaction.  Yellow candidates come from ``warn_at``, the
instant the light turns yellow, stored when the deadline is set, so a steady-state
sweep over a million open orders touches only the few that crossed since the last
one; the exact working-time test then confirms each.  On PostgreSQL the candidate rows are
locked ``FOR UPDATE SKIP LOCKED``, so several workers split the work.

Also: unanswered supervision notices past their respond-by date are flagged
``overdue`` (once, by a conditional UPDATE).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session, selectinload

from hotline.errors import AppError
from hotline.orders.actor import SYSTEM_ACTOR
from hotline.orders.enums import AWAITING_SIGN, BEFORE_REPLY, CLOCKED, Action, Status
from hotline.orders.flows import do_action
from hotline.orders.models import Order
from hotline.sla import models as m
from hotline.sla.config import LimitUnit, limit_unit
from hotline.sla.policy import TrafficLight, light
from hotline.sla.service import bound

log = logging.getLogger("hotline.supervision.sweep")

BATCH = 500


@dataclass
class SweepStats:
    scanned: int = 0
    raised: dict[str, int] = field(default_factory=lambda: dict.fromkeys(m.KINDS, 0))
    supervisions_overdue: int = 0
    skipped: int = 0
    batches: int = 0

    @property
    def total_raised(self) -> int:
        return sum(self.raised.values())

    def __str__(self) -> str:
        parts = " ".join(f"{k}={v}" for k, v in self.raised.items())
        return (f"scanned={self.scanned} {parts} supervision_overdue={self.supervisions_overdue} "
                f"skipped={self.skipped} batches={self.batches}")


@dataclass(frozen=True)
class _Kind:
    name: str
    column: Any  # the deadline column
    statuses: frozenset[Status]  # where this deadline runs (hotline/orders/enums.py)


KIND_DEFS = (
    _Kind(m.OVERDUE, Order.due_at, CLOCKED),
    _Kind(m.SIGN_OVERDUE, Order.sign_due_at, AWAITING_SIGN),
    _Kind(m.REPLY_OVERDUE, Order.reply_due_at, BEFORE_REPLY),
    _Kind(m.DUE_SOON, Order.due_at, CLOCKED),
)


def _candidates(kind: _Kind, *, now: datetime, after: int, limit: int) -> Any:
    col = kind.column
    conds: list[ColumnElement[bool]] = [Order.status.in_(kind.statuses), col.is_not(None), Order.id > after]
    if kind.name == m.DUE_SOON:
        # warn_at is stored when the deadline is set (orders.flows): an indexed test, not a computation
        conds += [Order.warn_at <= now, col >= now, Order.clock_started_at.is_not(None)]
    else:
        conds.append(col < now)
    already = exists().where(m.SlaAlert.order_id == Order.id, m.SlaAlert.kind == kind.name,
                             m.SlaAlert.due_at == col)
    return (select(Order.id, Order.clock_started_at, col, Order.sla_policy).where(*conds, ~already)
            .order_by(Order.id).limit(limit)
            .with_for_update(skip_locked=True, of=Order))


def _insert_alert(db: Session, *, order: Order, kind: str, due_at: datetime, now: datetime) -> bool:
    """Claim the (order, kind, deadline) key; False if someone already raised it."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = (insert(m.SlaAlert).values(order_id=order.id, kind=kind, due_at=due_at, raised_at=now,
                                      unit_id=order.lead_unit_id)
            .on_conflict_do_nothing(index_elements=["city_id", "order_id", "kind", "due_at"]).returning(m.SlaAlert.id))
    return db.execute(stmt).first() is not None


def _fmt(dt: datetime) -> str:
    _, cal = bound()
    return dt.astimezone(cal.tz).strftime("%Y-%m-%d %H:%M")


NOTES = {
    m.DUE_SOON: "【系统催办】工单将于 {due} 到期，办理时限已用 {pct}%，请抓紧办理。",
    m.SIGN_OVERDUE: "【系统督办】工单签收已超期（签收时限 {due}），请立即签收办理并回复督办。",
    m.REPLY_OVERDUE: "【系统督办】工单答复已超期（答复时限 {due}），请立即答复并回复督办。",
    m.OVERDUE: "【系统督办】工单办结已超期（办结时限 {due}），请立即办理并回复督办。",
}


def _also_passed(order: Order, kind: str, now: datetime) -> list[tuple[str, datetime]]:
    """The order's other passed deadlines, raised together with ``kind`` as one trigger."""
    if kind == m.DUE_SOON:
        return []
    out = []
    for k in KIND_DEFS:
        due = getattr(order, k.column.key)
        if k.name not in (kind, m.DUE_SOON) and order.status in k.statuses and due is not None and due < now:
            out.append((k.name, due))
    return out


SHORT = {m.SIGN_OVERDUE: "签收超期", m.REPLY_OVERDUE: "答复超期", m.OVERDUE: "办结超期"}


def _raise(db: Session, order: Order, kind: str, due_at: datetime, now: datetime, pct: int) -> bool:
    """Insert the alert(s) and take the action, together, in a savepoint; False if not raised."""
    try:
        with db.begin_nested():
            if not _insert_alert(db, order=order, kind=kind, due_at=due_at, now=now):
                return False
            also = [k for k, due in _also_passed(order, kind, now)
                    if _insert_alert(db, order=order, kind=k, due_at=due, now=now)]
            note = NOTES[kind].format(due=_fmt(due_at), pct=pct)
            if also:
                note += "（同时" + "、".join(SHORT[k] for k in also) + "）"
            action = Action.urge if kind == m.DUE_SOON else Action.supervise
            payload: dict[str, Any] = {"note": note, "sla_kind": kind, "due_at": due_at.isoformat()}
            if also:
                payload["sla_kinds"] = [kind, *also]
            do_action(db, order=order, actor=SYSTEM_ACTOR, action=action, now=now, payload=payload)
        return True
    except AppError as exc:  # the order moved on in a way the rules refuse: nothing raised, try next sweep
        log.info("sweep: %s on %s not raised: %s", kind, order.number, exc)
        return False


def sweep_batch(db: Session, kind: _Kind, *, now: datetime, after: int, limit: int,
                stats: SweepStats) -> int | None:
    """One batch of one kind, in the caller's transaction; returns the last id seen (None: no more)."""
    cfg, cal = bound()
    rows = db.execute(_candidates(kind, now=now, after=after, limit=limit)).all()
    if not rows:
        return None
    pct: dict[int, int] = {}
    for oid, started, due_at, policy in rows:
        stats.scanned += 1
        if kind.name != m.DUE_SOON:
            pct[oid] = 100
            continue
        # the yellow test on the bare columns: only the orders that turned yellow are loaded
        unit = limit_unit(cfg, policy)
        if light(now, started, due_at, cfg.due_soon_ratio, cal=cal, unit=unit) == TrafficLight.yellow:
            pct[oid] = _used_pct(started, due_at, now, unit)
    if pct:
        orders = db.scalars(select(Order).where(Order.id.in_(list(pct))).order_by(Order.id)
                            .options(selectinload(Order.assignments))
                            .execution_options(populate_existing=True)).unique().all()
        for order in orders:
            due_at = getattr(order, kind.column.key)
            # re-check on the row as locked now (another transaction may have just moved it)
            if order.status not in kind.statuses or due_at is None or (
                    kind.name != m.DUE_SOON and due_at >= now):
                stats.skipped += 1
                continue
            if _raise(db, order, kind.name, due_at, now, pct[order.id]):
                stats.raised[kind.name] += 1
    return int(rows[-1][0])


def _used_pct(start: datetime, due: datetime, now: datetime, unit: LimitUnit | None) -> int:
    _, cal = bound()
    total, used = due - start, now - start
    if unit is not None and unit.is_working:
        wt = cal.working_time_between(start, due)
        if wt > timedelta(0):
            total, used = wt, cal.working_time_between(start, now)
    return min(100, int(100 * used / total)) if total > timedelta(0) else 100


def sweep(db: Session, *, now: datetime, batch_size: int = BATCH) -> SweepStats:
    """One full sweep; commits after every batch (``db`` is a plain session)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    stats = SweepStats()
    # overdue first: an order both overdue and "due soon" gets the 督办, not a late 催办
    for kind in KIND_DEFS:
        after = 0
        while True:
            last = sweep_batch(db, kind, now=now, after=after, limit=batch_size, stats=stats)
            db.commit()
            if last is None:
                break
            stats.batches += 1
            after = last
    from hotline import registry

    for step, _pkg in registry.get().sweep_steps:  # e.g. supervision flags overdue 督办 responses
        step(db, now=now, limit=batch_size, stats=stats)
    return stats


def run_sweep(*, now: datetime) -> SweepStats:
    """The worker's sweep task: one sweep in its own session."""
    from hotline.db import session_factory

    with session_factory()() as db:
        try:
            return sweep(db, now=now)
        except Exception:
            db.rollback()
            raise
