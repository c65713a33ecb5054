"""The province's read-only view across its cities: the three rates, volumes, overdue orders.

Each city's figures are computed by the city's own KPI code acting as that city (its limits,
its weights, its units), then put side by side and ranked by the composite score.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.city.service import cities
from hotline.city.tenancy import acting_as
from hotline.db import utcnow
from hotline.errors import Forbidden
from hotline.kpi.formulas import Period
from hotline.orders.enums import OPEN
from hotline.orders.models import Order
from hotline.org.models import User

PROVINCE_VIEW = {Role.province_leader.value, Role.province_supervisor.value, Role.province_admin.value}


def require_province(user: User, roles: set[str] = PROVINCE_VIEW) -> None:
    if user.role not in roles:
        raise Forbidden("province_only", "仅省级账号可查看全省数据", "only provincial accounts see every city")


def overview(db: Session, period: Period, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per city, best composite first (cities without a score last)."""
    from hotline.kpi.rankings import centre_totals

    now = now or utcnow()
    rows = []
    for city in cities(db):
        with acting_as(city):
            totals = centre_totals(db, period, as_of=now)
            volume = db.scalar(select(func.count(Order.id)).where(
                Order.created_at >= period.start, Order.created_at < period.end)) or 0
            overdue = db.scalar(select(func.count(Order.id)).where(
                Order.status.in_([s.value for s in OPEN]), Order.due_at.is_not(None), Order.due_at < now)) or 0
            open_n = db.scalar(select(func.count(Order.id)).where(Order.status.in_([s.value for s in OPEN]))) or 0
        rows.append({"code": city.code, "name": city.name, "volume": volume, "open": open_n, "overdue": overdue,
                     "response": totals.get("response"), "resolution": totals.get("resolution"),
                     "satisfaction": totals.get("satisfaction"), "composite": totals.get("composite")})
    rows.sort(key=lambda r: (r["composite"] is None, -float(r["composite"] or 0)))
    for i, r in enumerate(rows, 1):
        r["rank"] = i if r["composite"] is not None else None
    return rows


def overdue_orders(db: Session, *, now: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The oldest overdue open orders of every city (read in the provincial all-cities scope)."""
    now = now or utcnow()
    names = {c.id: c.name for c in cities(db)}
    q = (select(Order).where(Order.status.in_([s.value for s in OPEN]), Order.due_at.is_not(None),
                             Order.due_at < now).order_by(Order.due_at).limit(limit))
    return [{"city": names.get(o.city_id, ""), "number": o.number, "title": o.title, "status": o.status,
             "due_at": o.due_at} for o in db.scalars(q)]
