"""Reads of stored hot matters and systemic problems (the pages and the API read only these rows)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.errors import Forbidden, NotFound
from hotline.hotspots.models import HotMatter, HotMatterEvent, HotMatterOrder
from hotline.orders.models import Order
from hotline.org.models import User

READ_ROLES = ("leader", "supervisor", "dispatcher", "admin")
EDIT_ROLES = ("leader", "supervisor")
LISTED = 50

EVENT_ZH = {"created": "形成", "grew": "新增工单", "shrank": "移出工单", "handled": "标记已处理", "merged": "合并",
            "split": "拆分", "dissolved": "解散", "expired": "超出时间窗口"}


def check_role(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise Forbidden("hot_matter_role", "您的角色无权进行此操作", "your role may not do this")


def member_ids(db: Session, matter_id: int) -> set[int]:
    return set(db.scalars(select(HotMatterOrder.order_id).where(HotMatterOrder.hot_matter_id == matter_id)))


def listing(db: Session, *, user: User, kind: str = "place", limit: int = LISTED) -> list[HotMatter]:
    check_role(user, READ_ROLES)
    return list(db.scalars(select(HotMatter).where(HotMatter.kind == kind, HotMatter.active.is_(True))
                           .order_by(HotMatter.heat.desc(), HotMatter.id).limit(limit)))


def last_refresh(db: Session) -> datetime | None:
    """When the city's window was last re-grouped (the worker's task or ``hotline hotspots refresh``)."""
    return db.scalar(select(func.max(HotMatter.refreshed_at)))


def get(db: Session, *, user: User, matter_id: int) -> HotMatter:
    """A matter of the acting city (another city's id is 404, as if it did not exist)."""
    check_role(user, READ_ROLES)
    m = db.scalar(select(HotMatter).where(HotMatter.id == matter_id))
    if m is None:
        raise NotFound("hot_matter_not_found", "热点不存在", "no such hot matter")
    return m


def orders_of(db: Session, matter_id: int) -> list[Order]:
    return list(db.scalars(select(Order).join(HotMatterOrder, HotMatterOrder.order_id == Order.id)
                           .where(HotMatterOrder.hot_matter_id == matter_id).order_by(Order.created_at, Order.id)))


def history(db: Session, matter_id: int) -> list[HotMatterEvent]:
    return list(db.scalars(select(HotMatterEvent).where(HotMatterEvent.hot_matter_id == matter_id)
                           .order_by(HotMatterEvent.at, HotMatterEvent.id)))


def by_day(orders: list[Order], tz: Any) -> list[tuple[str, int]]:
    """Orders per local day, every day of the span (zero days included) for the chart."""
    days = Counter(o.created_at.astimezone(tz).date() for o in orders)
    if not days:
        return []
    d, end, out = min(days), max(days), []
    while d <= end:
        out.append((d.isoformat(), days.get(d, 0)))
        d += timedelta(days=1)
    return out


def present(m: HotMatter) -> dict[str, Any]:
    return {"id": m.id, "kind": m.kind, "name": m.name, "place": m.place, "places": m.places, "units": m.units,
            "first": m.first_at.isoformat() if m.first_at else None,
            "last": m.last_at.isoformat() if m.last_at else None, "size": m.size, "volume": m.volume,
            "heat": m.heat, "growth": m.growth, "state": m.state, "active": m.active,
            "merged_into": m.merged_into_id,
            "handled_at": m.handled_at.isoformat() if m.handled_at else None, "handled_note": m.handled_note,
            "refreshed_at": m.refreshed_at.isoformat() if m.refreshed_at else None}


def present_event(e: HotMatterEvent) -> dict[str, Any]:
    return {"kind": e.kind, "at": e.at.isoformat(), "actor": e.actor_label, "data": e.data}
