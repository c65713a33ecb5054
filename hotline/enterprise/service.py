"""Reads for enterprise demands (涉企诉求): the queue and the period's figures.

An order is an enterprise's when ``orders.requester_type`` is ``enterprise`` — chosen at intake,
or implied by a 统一社会信用代码 that passes the GB 32100-2015 check (``hotline.orders.uscc``).
Its limits are the city's ``requesters: [enterprise]`` SLA policy (docs/sla.md); the figures come
from ``kpi.definitions`` (``enterprise_received`` in the centre's intake source).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.kpi import queries
from hotline.kpi.formulas import Period, ratio
from hotline.orders.enums import CLOCKED, OPEN
from hotline.orders.models import Order
from hotline.orders.scoping import visible_filter
from hotline.org.models import User

ENTERPRISE = "enterprise"


def queue(*, db: Session, user: User, limit: int = 200) -> list[Order]:
    """Open enterprise demands this user may see, soonest due first (undispatched ones first of all)."""
    return list(db.scalars(select(Order).where(
        visible_filter(db, user), Order.requester_type == ENTERPRISE, Order.status.in_(OPEN))
        .order_by(Order.due_at.is_not(None), Order.due_at, Order.created_at).limit(limit)))


def summary(*, db: Session, user: User, period: Period, now: datetime | None = None) -> dict[str, Any]:
    """The period's intake (all and enterprise, the share), and the enterprise demands open and overdue now."""
    now = now or utcnow()
    counts = queries.centre_counts(db, period)
    base = select(func.count(Order.id)).where(visible_filter(db, user), Order.requester_type == ENTERPRISE)
    open_n = db.scalar(base.where(Order.status.in_(OPEN))) or 0
    overdue = db.scalar(base.where(Order.status.in_(CLOCKED), Order.due_at < now)) or 0
    return {"received": counts["received"], "enterprise_received": counts["enterprise_received"],
            "enterprise_share": ratio(counts["enterprise_received"], counts["received"]),
            "open": int(open_n), "overdue": int(overdue), "start": period.start, "end": period.end}
