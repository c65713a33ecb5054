"""Reads for push-downs: whether a dispatch is one, the list, and the counts the board and rankings show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hotline.city.schema import CategoryDef
from hotline.errors import NotFound
from hotline.org.models import Unit, User
from hotline.pushdown.models import Pushdown
from hotline.routing.service import live_categories

GRASSROOTS = frozenset({"street", "township", "community"})  # 街道、乡镇 and the communities below them
DEPARTMENTS = frozenset({"department", "enterprise"})  # 职能部门、公共企事业单位
STATE_ZH = {"pending": "待审核", "accepted": "理由成立", "rejected": "理由不成立"}
BOARD_DAYS = 30  # the supervisor board counts the last 30 days


def _leaf(db: Session, code: str | None) -> CategoryDef | None:
    """The category in force (the dispatch catalogue's current version, else the city file's)."""
    return live_categories(db).get(code) if code else None


def catalogue_departments(db: Session, category_code: str | None) -> list[Unit]:
    """The functional departments (or public enterprises) the catalogue names for a category;
    none for a 属地 (territorial) category, which belongs to the township by the catalogue itself."""
    leaf = _leaf(db, category_code)
    if leaf is None or leaf.territorial or not leaf.units:
        return []
    return list(db.scalars(select(Unit).where(Unit.code.in_(leaf.units), Unit.type.in_(DEPARTMENTS))
                           .order_by(Unit.code)))


def needs_reason(db: Session, *, category_code: str | None, lead: Unit | None) -> list[Unit]:
    """The catalogue's departments when sending ``lead`` this category is a push-down, else []."""
    if lead is None or lead.type not in GRASSROOTS:
        return []
    return catalogue_departments(db, category_code)


def get(db: Session, *, pushdown_id: int) -> Pushdown:
    pd = db.get(Pushdown, pushdown_id)
    if pd is None:
        raise NotFound("pushdown_not_found", "找不到该下沉派单记录", "push-down not found")
    return pd


def list_pushdowns(db: Session, *, state: str | None = None, limit: int = 200) -> list[Pushdown]:
    stmt = select(Pushdown).order_by(Pushdown.at.desc(), Pushdown.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(Pushdown.state == state)
    return list(db.scalars(stmt))


def present(pd: Pushdown) -> dict[str, Any]:
    return {"id": pd.id, "order_number": pd.order.number, "order_title": pd.order.title, "action": pd.action,
            "unit": {"code": pd.unit.code, "name": pd.unit.name}, "category_code": pd.category_code,
            "catalogue_units": pd.catalogue_units, "reason": pd.reason, "auto": pd.auto,
            "dispatcher": pd.dispatcher.name if pd.dispatcher else None, "at": pd.at.isoformat(),
            "state": pd.state, "state_label": STATE_ZH[pd.state], "review_note": pd.review_note,
            "reviewed_at": pd.reviewed_at.isoformat() if pd.reviewed_at else None}


def per_dispatcher(db: Session, *, now: datetime, days: int = BOARD_DAYS) -> list[dict[str, Any]]:
    """Push-downs per dispatcher over the last ``days``: all, pending, reasons accepted, not accepted."""
    def n(state: str) -> Any:
        return func.coalesce(func.sum(case((Pushdown.state == state, 1), else_=0)), 0)

    q = (select(Pushdown.dispatcher_id, func.count(), n("pending"), n("accepted"), n("rejected"))
         .where(Pushdown.at >= now - timedelta(days=days)).group_by(Pushdown.dispatcher_id))
    rows = list(db.execute(q))
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_([r[0] for r in rows if r[0]])))}
    out = [{"dispatcher": users[uid].name if uid in users else "系统（自动派单）", "total": int(t),
            "pending": int(p), "accepted": int(a), "rejected": int(r)} for uid, t, p, a, r in rows]
    return sorted(out, key=lambda x: (-x["total"], x["dispatcher"]))


def per_unit(db: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Push-downs received by each unit in ``[start, end)`` (not rolled up)."""
    q = (select(Pushdown.unit_id, func.count()).where(Pushdown.at >= start, Pushdown.at < end)
         .group_by(Pushdown.unit_id))
    return {uid: int(c) for uid, c in db.execute(q)}
