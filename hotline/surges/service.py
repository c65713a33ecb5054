"""Reads of stored surge alerts (pages, API, panels) and the monthly report's summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import Forbidden, NotFound
from hotline.orders.models import Order
from hotline.org.models import User
from hotline.surges.models import SurgeAlert

READ_ROLES = ("leader", "supervisor", "dispatcher", "admin")
EDIT_ROLES = ("leader", "supervisor")
LISTED = 100
PANEL = 5
STATE_ZH = {"open": "待处理", "acknowledged": "已确认", "dismissed": "已排除"}


def check_role(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise Forbidden("surge_role", "您的角色无权进行此操作", "your role may not do this")


def listing(db: Session, *, user: User, state: str | None = None, limit: int = LISTED) -> list[SurgeAlert]:
    check_role(user, READ_ROLES)
    q = select(SurgeAlert)
    if state:
        q = q.where(SurgeAlert.state == state)
    return list(db.scalars(q.order_by(SurgeAlert.day.desc(), SurgeAlert.score.desc(), SurgeAlert.id).limit(limit)))


def open_alerts(db: Session, limit: int = PANEL) -> list[SurgeAlert]:
    return list(db.scalars(select(SurgeAlert).where(SurgeAlert.state == "open")
                           .order_by(SurgeAlert.day.desc(), SurgeAlert.score.desc(), SurgeAlert.id).limit(limit)))


def get(db: Session, *, user: User, alert_id: int) -> SurgeAlert:
    """An alert of the acting city (another city's id is 404)."""
    check_role(user, READ_ROLES)
    a = db.scalar(select(SurgeAlert).where(SurgeAlert.id == alert_id))
    if a is None:
        raise NotFound("surge_not_found", "突发预警不存在", "no such surge alert")
    return a


def orders_of(db: Session, a: SurgeAlert) -> list[Order]:
    ids = list(a.order_ids or [])[:500]
    if not ids:
        return []
    return list(db.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.created_at, Order.id)))


def present(a: SurgeAlert) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind, "series": a.series_key, "name": a.name, "day": a.day.isoformat(),
            "observed": a.observed, "expected": a.expected, "score": a.score, "state": a.state,
            "note": a.note, "decided_by": a.decided_label,
            "decided_at": a.decided_at.isoformat() if a.decided_at else None, "orders": len(a.order_ids or []),
            "hot_matter_id": a.hot_matter_id, "version": a.version}


def month_summary(db: Session, start: date, end: date) -> list[dict[str, Any]]:
    """The acting city's alerts with ``start <= day < end`` (for the monthly report): series name, day,
    observed, expected, state; by day, then score."""
    rows = db.scalars(select(SurgeAlert).where(SurgeAlert.day >= start, SurgeAlert.day < end)
                      .order_by(SurgeAlert.day, SurgeAlert.score.desc(), SurgeAlert.id))
    return [{"id": a.id, "name": a.name, "kind": a.kind, "day": a.day, "observed": a.observed,
             "expected": a.expected, "score": a.score, "state": a.state, "state_zh": STATE_ZH.get(a.state, a.state),
             "orders": len(a.order_ids or [])} for a in rows]
